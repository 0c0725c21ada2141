package dev.ingot.core.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Spark and ONNX Runtime settings of a GPU run, per cluster manager, asserted exactly (docs/gpu.md lists them). */
class GpuSettingsTest {
    /** Every cluster manager gets these: RAPIDS on, its memory capped so that ONNX Runtime has its share. */
    private static final Map<String, String> COMMON = Map.of(
            "spark.plugins", "com.nvidia.spark.SQLPlugin",
            "spark.rapids.sql.enabled", "true",
            "spark.rapids.sql.concurrentGpuTasks", "2",
            "spark.rapids.memory.pinnedPool.size", "2g",
            "spark.rapids.memory.gpu.allocFraction", "0.7",
            "spark.rapids.memory.gpu.maxAllocFraction", "0.7",
            "spark.ingot.gpu.ort.memFraction", "0.2",
            "spark.ingot.gpu.ort.arenaExtendStrategy", "kSameAsRequested");
    /** Every cluster (not local): one GPU per executor shared by its tasks, RAPIDS' shuffle. */
    private static final Map<String, String> CLUSTER = Map.of(
            "spark.executor.cores", "4",
            "spark.executor.resource.gpu.amount", "1",
            "spark.task.resource.gpu.amount", "0.25",
            "spark.shuffle.manager", "com.nvidia.spark.rapids.spark354.RapidsShuffleManager",
            "spark.rapids.shuffle.mode", "MULTITHREADED");

    @Test
    void localModeGetsThePluginAndMemorySharesButNoResourceScheduling() {
        GpuSettings s = GpuSettings.of(ClusterManager.LOCAL, 4, "3.5.4");
        assertThat(s.sparkConf()).as("Spark's local mode schedules no GPUs: RAPIDS' local-mode setup sets none")
                .containsExactlyInAnyOrderEntriesOf(COMMON);
    }

    @Test
    void standaloneLeavesDiscoveryToTheWorker() {
        GpuSettings s = GpuSettings.of(ClusterManager.STANDALONE, 4, "3.5.4");
        assertThat(s.sparkConf()).containsExactlyInAnyOrderEntriesOf(merge(COMMON, CLUSTER, Map.of()));
    }

    @Test
    void yarnRunsTheDiscoveryScriptShippedWithFiles() {
        GpuSettings s = GpuSettings.of(ClusterManager.YARN, 4, "3.5.4");
        assertThat(s.sparkConf()).containsExactlyInAnyOrderEntriesOf(merge(COMMON, CLUSTER,
                Map.of("spark.executor.resource.gpu.discoveryScript", "./getGpusResources.sh")));
    }

    @Test
    void kubernetesNamesTheVendorAndTheImagesScript() {
        GpuSettings s = GpuSettings.of(ClusterManager.KUBERNETES, 4, "3.5.4");
        assertThat(s.sparkConf()).containsExactlyInAnyOrderEntriesOf(merge(COMMON, CLUSTER,
                Map.of("spark.executor.resource.gpu.discoveryScript", "/opt/ingot/gpu/getGpusResources.sh",
                        "spark.executor.resource.gpu.vendor", "nvidia.com")));
    }

    @Test
    void theTaskShareIsOneOverTheExecutorsCores() {
        assertThat(GpuSettings.of(ClusterManager.YARN, 1, "3.5.4").sparkConf())
                .contains(entry("spark.task.resource.gpu.amount", "1"), entry("spark.executor.cores", "1"));
        assertThat(GpuSettings.of(ClusterManager.YARN, 8, "3.5.4").sparkConf()).containsEntry("spark.task.resource.gpu.amount", "0.125");
        assertThat(GpuSettings.of(ClusterManager.YARN, 3, "3.5.4").sparkConf().get("spark.task.resource.gpu.amount"))
                .as("Spark takes floor(1/amount) tasks per GPU: 1/3 must give 3").satisfies(a ->
                        assertThat((int) Math.floor(1 / Double.parseDouble(a))).isEqualTo(3));
        assertThatThrownBy(() -> GpuSettings.of(ClusterManager.YARN, 0, "3.5.4"))
                .isInstanceOf(IngotException.class).hasMessageContaining("spark.executor.cores");
    }

    @Test
    void theShuffleManagerFollowsTheSparkVersion() {
        assertThat(GpuSettings.shuffleManager("3.5.4")).isEqualTo("com.nvidia.spark.rapids.spark354.RapidsShuffleManager");
        assertThat(GpuSettings.shuffleManager("3.5.1")).isEqualTo("com.nvidia.spark.rapids.spark351.RapidsShuffleManager");
        assertThatThrownBy(() -> GpuSettings.shuffleManager("latest")).isInstanceOf(IngotException.class)
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    }

    @Test
    void onnxRuntimeGetsItsShareOfTheDeviceAndTheTasksDevice() {
        OrtCudaOptions ort = GpuSettings.of(ClusterManager.YARN, 4, "3.5.4").ort();
        assertThat(ort).isEqualTo(new OrtCudaOptions(0, 0.2, "kSameAsRequested"));
        assertThat(ort.withDeviceId(1).providerOptions(16L << 30)).containsExactly(
                entry("device_id", "1"), entry("gpu_mem_limit", Long.toString((long) Math.floor((16L << 30) * 0.2))),
                entry("arena_extend_strategy", "kSameAsRequested"));
        assertThat(OrtCudaOptions.fromSparkConf(ort.toSparkConf())).as("round trip through the session's settings").isEqualTo(ort);
        assertThat(OrtCudaOptions.fromSparkConf(Map.of("spark.ingot.gpu.ort.memFraction", "0.1")).memFraction()).isEqualTo(0.1);
        assertThat(GpuSettings.RAPIDS_MAX_ALLOC_FRACTION + ort.memFraction()).as("RAPIDS and ORT together leave room")
                .isLessThan(1.0);
        assertThatThrownBy(() -> new OrtCudaOptions(0, 1.5, "kSameAsRequested")).isInstanceOf(IngotException.class)
                .hasMessageContaining("spark.ingot.gpu.ort.memFraction");
        assertThatThrownBy(() -> new OrtCudaOptions(0, 0.2, "kDouble")).isInstanceOf(IngotException.class)
                .hasMessageContaining("kSameAsRequested or kNextPowerOfTwo");
    }

    @Test
    void masterUrlsMapToClusterManagers() {
        assertThat(ClusterManager.ofMaster("local[*]")).isEqualTo(ClusterManager.LOCAL);
        assertThat(ClusterManager.ofMaster("local-cluster[2,1,1024]")).isEqualTo(ClusterManager.LOCAL);
        assertThat(ClusterManager.ofMaster("spark://10.0.0.1:7077")).isEqualTo(ClusterManager.STANDALONE);
        assertThat(ClusterManager.ofMaster("yarn")).isEqualTo(ClusterManager.YARN);
        assertThat(ClusterManager.ofMaster("k8s://https://k8s.example:443")).isEqualTo(ClusterManager.KUBERNETES);
        assertThatThrownBy(() -> ClusterManager.ofMaster("mesos://m:5050")).isInstanceOf(IngotException.class)
                .hasMessageContaining("k8s://");
    }

    @SafeVarargs
    private static Map<String, String> merge(Map<String, String>... maps) {
        Map<String, String> m = new java.util.HashMap<>();
        for (Map<String, String> x : maps) {
            m.putAll(x);
        }
        return m;
    }
}
