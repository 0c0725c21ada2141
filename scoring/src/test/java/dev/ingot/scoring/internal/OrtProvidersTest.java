package dev.ingot.scoring.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtSession;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** {@link OrtProviders#select}: which providers and options each GPU decision gives, and the refusals. */
class OrtProvidersTest {
    private static final long GIB_16 = 16L * 1024 * 1024 * 1024;
    private static final List<String> GPU_BUILD = List.of("CUDA", "CPU");
    private static final List<String> CPU_BUILD = List.of("CPU");
    private static final Map<String, String> GPU_ON = Map.of("spark.ingot.gpu", "true",
            "spark.ingot.gpu.reason", "on (gpu: on, yarn)");

    /** A device memory reader that fails the test when asked: CPU runs must not look at GPUs. */
    private static final IntFunction<OptionalLong> NOT_ASKED = d -> {
        throw new AssertionError("device memory asked for on a CPU run (device " + d + ")");
    };

    private static IntFunction<OptionalLong> memory(long bytes) {
        return d -> OptionalLong.of(bytes);
    }

    @Test
    void cpuWhenTheDriverDecidedCpusOrOutsideSpark() {
        for (Map<String, String> conf : List.of(Map.<String, String>of(), Map.of("spark.ingot.gpu", "false"),
                Map.of("spark.ingot.gpu", "false", "spark.ingot.gpu.ort.memFraction", "0.5"))) {
            OrtProviders.Selection s = OrtProviders.select(conf, Optional.of("1"), GPU_BUILD, NOT_ASKED, "executor 1");
            assertThat(s).as("conf %s", conf).isEqualTo(OrtProviders.Selection.CPU);
            assertThat(s.providers()).containsExactly("CPU");
            assertThat(s.cuda()).isFalse();
            assertThat(s.describe()).isEqualTo("CPU");
        }
    }

    @Test
    void cudaOnTheTasksGpuWithTheArenaCappedAtTheFractionOfItsMemory() {
        AtomicInteger asked = new AtomicInteger(-1);
        OrtProviders.Selection s = OrtProviders.select(GPU_ON, Optional.of("3"), GPU_BUILD,
                d -> {
                    asked.set(d);
                    return OptionalLong.of(GIB_16);
                }, "executor 1");
        assertThat(asked.get()).as("the memory of the task's device is read").isEqualTo(3);
        assertThat(s.providers()).containsExactly("CUDA", "CPU");
        assertThat(s.deviceId()).isEqualTo(3);
        assertThat(s.cudaOptions()).containsExactlyInAnyOrderEntriesOf(Map.of("device_id", "3",
                "gpu_mem_limit", "3435973836", // floor(0.2 * 17179869184)
                "arena_extend_strategy", "kSameAsRequested"));
        assertThat(s.describe()).isEqualTo("CUDA (device_id=3, gpu_mem_limit=3435973836 bytes, "
                + "arena_extend_strategy=kSameAsRequested), CPU for the nodes CUDA has no kernel for");
    }

    @Test
    void deviceZeroWithoutATaskGpuAndTheSessionsOrtSettings() {
        Map<String, String> conf = Map.of("spark.ingot.gpu", "TRUE", "spark.ingot.gpu.ort.memFraction", "0.25",
                "spark.ingot.gpu.ort.arenaExtendStrategy", "kNextPowerOfTwo");
        OrtProviders.Selection s = OrtProviders.select(conf, Optional.empty(), GPU_BUILD, memory(8_000_000_000L), "the driver");
        assertThat(s).isEqualTo(new OrtProviders.Selection(List.of("CUDA", "CPU"), 0, Map.of("device_id", "0",
                "gpu_mem_limit", "2000000000", "arena_extend_strategy", "kNextPowerOfTwo")));
        assertThat(s.key()).isEqualTo("cuda0");
        assertThat(OrtProviders.Selection.CPU.key()).isEqualTo("cpu");
    }

    @Test
    void gpuDecidedButNoCudaProviderFailsInsteadOfRunningOnCpus() {
        assertThatThrownBy(() -> OrtProviders.select(GPU_ON, Optional.of("0"), CPU_BUILD, memory(GIB_16), "executor 2"))
                .isInstanceOf(IngotException.class)
                .hasMessageContaining("executor 2")
                .hasMessageContaining("spark.ingot.gpu=true, on (gpu: on, yarn)")
                .hasMessageContaining("no CUDA provider (available: [CPU])")
                .hasMessageContaining("mvn -Pgpu package");
        // This machine's ONNX Runtime is the CPU build: what an executor without the GPU build would see.
        List<String> here = OrtSessions.env().getAvailableProviders().stream().map(Enum::name).toList();
        assertThat(here).doesNotContain("CUDA");
        assertThatThrownBy(() -> OrtProviders.select(GPU_ON, Optional.empty(), here, memory(GIB_16), "executor 2"))
                .isInstanceOf(IngotException.class).hasMessageContaining("no CUDA provider");
    }

    @Test
    void refusesAGpuAddressThatIsNoDeviceAndAnUnreadableDeviceMemory() {
        assertThatThrownBy(() -> OrtProviders.select(GPU_ON, Optional.of("GPU-5f1c"), GPU_BUILD, memory(GIB_16), "executor 1"))
                .isInstanceOf(IngotException.class)
                .hasMessageContaining("'GPU-5f1c', which is not a CUDA device number")
                .hasMessageContaining("getGpusResources.sh");
        assertThatThrownBy(() -> OrtProviders.select(GPU_ON, Optional.of("1"), GPU_BUILD, d -> OptionalLong.empty(), "executor 1"))
                .isInstanceOf(IngotException.class)
                .hasMessageContaining("the memory of GPU 1 could not be read")
                .hasMessageContaining("spark.ingot.gpu.ort.memFraction");
    }

    @Test
    void theCpuBuildRefusesTheCudaProviderWithAClearError() throws Exception {
        // What the session code does if a GPU selection reaches an ONNX Runtime without CUDA: the real CPU build.
        OrtProviders.Selection cuda = OrtProviders.select(GPU_ON, Optional.of("0"), GPU_BUILD, memory(GIB_16), "test");
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            assertThatThrownBy(() -> OrtSessions.addCuda(o, cuda))
                    .isInstanceOf(IngotException.class)
                    .satisfies(e -> assertThat(((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                    .hasMessageContaining("add ONNX Runtime's CUDA provider")
                    .hasMessageContaining("driver decided this run uses GPUs")
                    .hasMessageContaining("--gpu off");
        }
        int before = OrtSessions.count();
        assertThatThrownBy(() -> OrtSessions.acquire("00ff", 1, () -> new byte[0], cuda))
                .isInstanceOf(IngotException.class).hasMessageContaining("CUDA provider");
        assertThat(OrtSessions.count()).as("no session was kept").isEqualTo(before);
    }
}
