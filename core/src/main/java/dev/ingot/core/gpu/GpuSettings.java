package dev.ingot.core.gpu;

import dev.ingot.core.Errors;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Spark settings of a GPU run, per cluster manager: a pure function of where executors run, how many cores each
 * has and the Spark version, so that they can be asserted exactly and printed in docs/gpu.md. A session applies them
 * under what spark-submit and ingot.yaml set (those win), and only when {@link Gpu#decide} says GPUs are used.
 *
 * <p>Names and defaults are RAPIDS 25.04's (its {@code RapidsConf}; https://nvidia.github.io/spark-rapids/docs/configs.html,
 * https://docs.nvidia.com/spark-rapids/user-guide/latest/getting-started/overview.html): in local mode RAPIDS must not
 * be given GPU resources (Spark's local mode does not schedule them); on a cluster each executor gets one GPU (RAPIDS
 * supports one per executor) shared by its tasks, and the RAPIDS shuffle manager of the running Spark version
 * (https://docs.nvidia.com/spark-rapids/user-guide/latest/additional-functionality/rapids-shuffle.html), in its
 * MULTITHREADED mode, which needs no UCX.
 *
 * @param manager where executors run
 * @param sparkConf the settings, in a stable order
 * @param ort the options ONNX Runtime's CUDA provider gets (also carried in {@code sparkConf})
 */
public record GpuSettings(ClusterManager manager, Map<String, String> sparkConf, OrtCudaOptions ort) {
    /** Tasks that may use one GPU at once: RAPIDS' own default, said explicitly so a change of default cannot move runs. */
    public static final int CONCURRENT_GPU_TASKS = 2;
    /** Pinned host memory for transfers to and from the GPU (RAPIDS' default is 0: no pool). */
    public static final String PINNED_POOL = "2g";
    /**
     * RAPIDS' share of GPU memory (its defaults take all of it: 1.0): what is left is for ONNX Runtime
     * ({@link OrtCudaOptions#MEM_FRACTION_DEFAULT}) and the CUDA contexts. RAPIDS also keeps
     * {@code spark.rapids.memory.gpu.reserve} (640 MiB) out of its pool.
     */
    public static final double RAPIDS_MAX_ALLOC_FRACTION = 0.7;
    /** The cores an executor gets when nobody said: four tasks share its GPU. */
    public static final int EXECUTOR_CORES_DEFAULT = 4;
    /** Where the GPU discovery script is in Ingot's container image (docs/gpu.md, Kubernetes). */
    public static final String K8S_DISCOVERY_SCRIPT = "/opt/ingot/gpu/getGpusResources.sh";
    /** Where YARN puts the discovery script shipped with {@code --files} (bin/ingot ships the distribution's). */
    public static final String YARN_DISCOVERY_SCRIPT = "./getGpusResources.sh";

    public GpuSettings {
        sparkConf = Collections.unmodifiableMap(new LinkedHashMap<>(sparkConf));
    }

    /**
     * The settings of a GPU run.
     *
     * @param manager where executors run
     * @param executorCores cores per executor (tasks that share its GPU); ignored in local mode
     * @param sparkVersion the running Spark's version, e.g. {@code 3.5.4}: it names the RAPIDS shuffle manager class
     */
    public static GpuSettings of(ClusterManager manager, int executorCores, String sparkVersion) {
        Errors.required(manager, "the cluster manager");
        if (executorCores < 1) {
            throw Errors.badArgument("spark.executor.cores", executorCores, "a positive number of cores");
        }
        OrtCudaOptions ort = OrtCudaOptions.defaults();
        Map<String, String> c = new LinkedHashMap<>();
        c.put("spark.plugins", Gpu.RAPIDS_PLUGIN);
        c.put("spark.rapids.sql.enabled", "true");
        c.put("spark.rapids.sql.concurrentGpuTasks", Integer.toString(CONCURRENT_GPU_TASKS));
        c.put("spark.rapids.memory.pinnedPool.size", PINNED_POOL);
        c.put("spark.rapids.memory.gpu.allocFraction", Double.toString(RAPIDS_MAX_ALLOC_FRACTION));
        c.put("spark.rapids.memory.gpu.maxAllocFraction", Double.toString(RAPIDS_MAX_ALLOC_FRACTION));
        c.putAll(ort.toSparkConf());
        if (manager != ClusterManager.LOCAL) {
            c.put("spark.executor.cores", Integer.toString(executorCores));
            c.put("spark.executor.resource.gpu.amount", "1");
            c.put("spark.task.resource.gpu.amount", taskShare(executorCores));
            c.put("spark.shuffle.manager", shuffleManager(sparkVersion));
            c.put("spark.rapids.shuffle.mode", "MULTITHREADED");
        }
        switch (manager) {
            case YARN -> c.put("spark.executor.resource.gpu.discoveryScript", YARN_DISCOVERY_SCRIPT);
            case KUBERNETES -> {
                c.put("spark.executor.resource.gpu.discoveryScript", K8S_DISCOVERY_SCRIPT);
                c.put("spark.executor.resource.gpu.vendor", "nvidia.com");
            }
            // Standalone: the worker discovers its GPUs (spark.worker.resource.gpu.*, docs/gpu.md) and hands each
            // executor its address; local mode schedules no resources.
            case STANDALONE, LOCAL -> { }
        }
        return new GpuSettings(manager, c, ort);
    }

    /** RAPIDS' shuffle manager for a Spark version: {@code com.nvidia.spark.rapids.spark354.RapidsShuffleManager}. */
    public static String shuffleManager(String sparkVersion) {
        String v = Errors.required(sparkVersion, "the Spark version");
        if (!v.matches("\\d+\\.\\d+\\.\\d+.*")) {
            throw Errors.badArgument("the Spark version", v, "a version such as 3.5.4");
        }
        String shim = v.replaceAll("^(\\d+)\\.(\\d+)\\.(\\d+).*$", "$1$2$3");
        return "com.nvidia.spark.rapids.spark" + shim + ".RapidsShuffleManager";
    }

    /** 1/cores, the way Spark wants a fractional task resource (e.g. 0.25), without float noise. */
    private static String taskShare(int cores) {
        return BigDecimal.ONE.divide(BigDecimal.valueOf(cores), MathContext.DECIMAL64).stripTrailingZeros().toPlainString();
    }
}
