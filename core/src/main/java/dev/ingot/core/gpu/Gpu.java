package dev.ingot.core.gpu;

import dev.ingot.core.Errors;
import dev.ingot.core.config.GpuPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The GPU decision of a run: the policy ({@code gpu:} in ingot.yaml, {@code --gpu}), the cluster manager and what
 * the environment offers. A GPU run needs three things: GPUs, Spark RAPIDS on the class path, and ONNX Runtime's
 * CUDA provider (the {@code -Pgpu} build). {@code auto} uses GPUs when all three are there and runs on CPUs
 * otherwise, saying what is missing; {@code on} refuses to start without them (exit code 2), naming each one.
 *
 * <p>Where the GPUs are depends on the cluster manager: in local mode they are this machine's ({@code nvidia-smi});
 * on a cluster they are the executors', which the driver cannot see: {@code on} trusts the cluster (Ingot requests
 * one GPU per executor and the cluster manager enforces it), {@code auto} uses GPUs only when this machine has one or
 * the cluster declares executor GPUs ({@code spark.executor.resource.gpu.amount} set by spark-submit or ingot.yaml).
 */
public final class Gpu {
    /** Spark's plugin class for RAPIDS. */
    public static final String RAPIDS_PLUGIN = "com.nvidia.spark.SQLPlugin";
    /** The RAPIDS jar Ingot is built and tested with (STACK.md). */
    public static final String RAPIDS_JAR = "rapids-4-spark_2.12-25.04.0.jar";

    private Gpu() {}

    /**
     * Decides whether a run uses GPUs.
     *
     * @param policy the project's policy, or {@code --gpu}'s
     * @param manager where executors run
     * @param env what this machine and class path offer
     * @param executorGpusDeclared whether spark-submit or ingot.yaml already set {@code spark.executor.resource.gpu.amount}
     * @throws dev.ingot.core.IngotException (bad input) when the policy is {@code on} and something is missing
     */
    public static GpuDecision decide(GpuPolicy policy, ClusterManager manager, GpuEnvironment env,
                                     boolean executorGpusDeclared) {
        Errors.required(policy, "the GPU policy");
        Errors.required(manager, "the cluster manager");
        Errors.required(env, "the GPU environment");
        if (policy == GpuPolicy.OFF) {
            return new GpuDecision(false, "off (gpu: off)", List.of());
        }
        List<String> missing = new ArrayList<>();
        boolean gpus = env.visibleGpus() > 0
                || (manager != ClusterManager.LOCAL && (policy == GpuPolicy.ON || executorGpusDeclared));
        if (!gpus) {
            missing.add(manager == ClusterManager.LOCAL
                    ? "a GPU (nvidia-smi found none on this machine)"
                    : "executor GPUs (nvidia-smi found none on this machine and spark.executor.resource.gpu.amount is not set)");
        }
        if (!env.rapidsJar()) {
            missing.add("the RAPIDS jar (" + RAPIDS_PLUGIN + " is not on the class path)");
        }
        if (!env.ortCudaProvider()) {
            missing.add("ONNX Runtime's CUDA provider (OrtEnvironment.getAvailableProviders() has no CUDA: the CPU build)");
        } else if (manager == ClusterManager.LOCAL && !env.ortCudaLoadProblem().isEmpty()) {
            // On a cluster the executors load the provider on their own machines (where CUDA is), not the driver's.
            missing.add("ONNX Runtime's CUDA libraries (the GPU build's CUDA provider does not load on this machine: "
                    + env.ortCudaLoadProblem() + "; ONNX Runtime's log line above names the library; ONNX Runtime 1.23 needs "
                    + "CUDA 12 and cuDNN 9 on the library path)");
        }
        String where = manager.name().toLowerCase(Locale.ROOT);
        if (missing.isEmpty()) {
            return new GpuDecision(true, "on (gpu: " + policy.name().toLowerCase(Locale.ROOT) + ", " + where + ")", List.of());
        }
        if (policy == GpuPolicy.ON) {
            throw Errors.gpuUnavailable(missing);
        }
        return new GpuDecision(false, "off (gpu: auto, running on CPUs; missing: " + String.join("; ", missing) + ")", missing);
    }
}
