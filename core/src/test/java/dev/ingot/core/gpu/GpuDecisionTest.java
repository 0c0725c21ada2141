package dev.ingot.core.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.GpuPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Gpu#decide}: what each policy does with what is there and what is not. */
class GpuDecisionTest {
    private static final GpuEnvironment ALL = GpuEnvironment.of(1, true, true);
    private static final GpuEnvironment NOTHING = GpuEnvironment.of(0, false, false);

    @Test
    void offNeverUsesGpusAndLooksAtNothing() {
        GpuDecision d = Gpu.decide(GpuPolicy.OFF, ClusterManager.LOCAL, ALL, true);
        assertThat(d).isEqualTo(new GpuDecision(false, "off (gpu: off)", List.of()));
    }

    @Test
    void autoAndOnUseGpusWhenEverythingIsThere() {
        assertThat(Gpu.decide(GpuPolicy.AUTO, ClusterManager.LOCAL, ALL, false))
                .isEqualTo(new GpuDecision(true, "on (gpu: auto, local)", List.of()));
        assertThat(Gpu.decide(GpuPolicy.ON, ClusterManager.YARN, ALL, false))
                .isEqualTo(new GpuDecision(true, "on (gpu: on, yarn)", List.of()));
    }

    @Test
    void autoFallsBackToCpusNamingEachMissingPiece() {
        GpuDecision d = Gpu.decide(GpuPolicy.AUTO, ClusterManager.LOCAL, NOTHING, false);
        assertThat(d.enabled()).isFalse();
        assertThat(d.missing()).containsExactly(
                "a GPU (nvidia-smi found none on this machine)",
                "the RAPIDS jar (com.nvidia.spark.SQLPlugin is not on the class path)",
                "ONNX Runtime's CUDA provider (OrtEnvironment.getAvailableProviders() has no CUDA: the CPU build)");
        assertThat(d.reason()).startsWith("off (gpu: auto, running on CPUs; missing: a GPU (nvidia-smi");
        assertThat(Gpu.decide(GpuPolicy.AUTO, ClusterManager.LOCAL, GpuEnvironment.of(2, true, false), false).missing())
                .as("only what is missing").containsExactly(
                        "ONNX Runtime's CUDA provider (OrtEnvironment.getAvailableProviders() has no CUDA: the CPU build)");
    }

    @Test
    void onAClusterAutoNeedsDeclaredExecutorGpusWhenTheDriverHasNone() {
        GpuEnvironment driverWithoutGpu = GpuEnvironment.of(0, true, true);
        assertThat(Gpu.decide(GpuPolicy.AUTO, ClusterManager.KUBERNETES, driverWithoutGpu, false).missing())
                .containsExactly("executor GPUs (nvidia-smi found none on this machine and "
                        + "spark.executor.resource.gpu.amount is not set)");
        assertThat(Gpu.decide(GpuPolicy.AUTO, ClusterManager.KUBERNETES, driverWithoutGpu, true).enabled())
                .as("the cluster declared executor GPUs").isTrue();
        assertThat(Gpu.decide(GpuPolicy.ON, ClusterManager.STANDALONE, driverWithoutGpu, false).enabled())
                .as("'on' trusts the cluster: Ingot requests the executors' GPUs").isTrue();
    }

    @Test
    void onWithoutAGpuIsBadInputNamingWhatIsMissing() {
        assertThatThrownBy(() -> Gpu.decide(GpuPolicy.ON, ClusterManager.LOCAL, NOTHING, false))
                .isInstanceOf(IngotException.class)
                .hasMessageContaining("GPU policy is 'on' but this run is missing a GPU (nvidia-smi found none on this machine); "
                        + "the RAPIDS jar (com.nvidia.spark.SQLPlugin is not on the class path); ONNX Runtime's CUDA provider")
                .hasMessageContaining("mvn -Pgpu package")
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThatThrownBy(() -> Gpu.decide(GpuPolicy.ON, ClusterManager.YARN, GpuEnvironment.of(0, true, false), false))
                .hasMessageContaining("ONNX Runtime's CUDA provider").hasMessageNotContaining("the RAPIDS jar (");
    }

    @Test
    void aGpuBuildWhoseCudaLibrariesDoNotLoadIsMissingThemLocallyButNotOnACluster() {
        GpuEnvironment noCudaLibs = GpuEnvironment.of(1, true, true,
                "Error code - ORT_FAIL - message: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library");
        GpuDecision local = Gpu.decide(GpuPolicy.AUTO, ClusterManager.LOCAL, noCudaLibs, false);
        assertThat(local.enabled()).isFalse();
        assertThat(local.missing()).containsExactly("ONNX Runtime's CUDA libraries (the GPU build's CUDA provider does "
                + "not load on this machine: Error code - ORT_FAIL - message: OrtSessionOptionsAppendExecutionProvider_Cuda: "
                + "Failed to load shared library; ONNX Runtime's log line above names the library; ONNX Runtime 1.23 "
                + "needs CUDA 12 and cuDNN 9 on the library path)");
        assertThatThrownBy(() -> Gpu.decide(GpuPolicy.ON, ClusterManager.LOCAL, noCudaLibs, false))
                .hasMessageContaining("ONNX Runtime's CUDA libraries").hasMessageNotContaining("the RAPIDS jar (");
        assertThat(Gpu.decide(GpuPolicy.ON, ClusterManager.KUBERNETES, noCudaLibs, false).enabled())
                .as("the executors load the provider on their own machines").isTrue();
    }
}
