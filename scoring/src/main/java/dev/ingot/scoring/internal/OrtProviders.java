package dev.ingot.scoring.internal;

import dev.ingot.core.Errors;
import dev.ingot.core.gpu.OrtCudaOptions;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntFunction;

/**
 * Which ONNX Runtime execution providers an executor's session uses, decided from the session's GPU decision
 * ({@code spark.ingot.gpu}, made once on the driver by {@code Gpu.decide}) and what the executor has. A pure function
 * ({@link #select}) so that every case is tested on machines without a GPU; {@link OrtSessions} applies its result.
 *
 * <p>GPU off: ONNX Runtime's CPU provider alone. GPU on: the CUDA provider with {@link OrtCudaOptions} (the device Spark
 * assigned the task, the arena capped at a fraction of that device's memory), ONNX Runtime itself placing the nodes
 * CUDA has no kernel for on the CPU provider. GPU on and no CUDA provider in this executor's ONNX Runtime is an error,
 * never a quiet CPU run: the driver decided the run uses GPUs and sized RAPIDS' memory pool around ONNX Runtime's share.
 */
public final class OrtProviders {
    /** Spark setting with the driver's decision ({@code true}/{@code false}), written by {@code IngotSessions}. */
    public static final String GPU_CONF = "spark.ingot.gpu";
    /** Spark setting with the reason of the decision. */
    public static final String GPU_REASON_CONF = "spark.ingot.gpu.reason";
    /** ONNX Runtime's name of its CUDA provider ({@code OrtEnvironment.getAvailableProviders()}). */
    public static final String CUDA = "CUDA";

    private OrtProviders() {}

    /**
     * The providers of a session, in ONNX Runtime's order of preference, and the CUDA provider's options.
     *
     * @param providers {@code [CUDA, CPU]} or {@code [CPU]}
     * @param deviceId the CUDA device, or -1 on CPUs
     * @param cudaOptions ONNX Runtime's CUDA provider options ({@code device_id}, {@code gpu_mem_limit},
     *                    {@code arena_extend_strategy}); empty on CPUs
     */
    public record Selection(List<String> providers, int deviceId, Map<String, String> cudaOptions) {
        /** CPUs only. */
        public static final Selection CPU = new Selection(List.of("CPU"), -1, Map.of());

        public Selection {
            providers = List.copyOf(providers);
            cudaOptions = Map.copyOf(cudaOptions);
        }

        /** Whether the session adds the CUDA provider. */
        public boolean cuda() {
            return !cudaOptions.isEmpty();
        }

        /** {@code CUDA (device 0, gpu_mem_limit ...), CPU} or {@code CPU}, for the session's log line. */
        public String describe() {
            if (!cuda()) {
                return "CPU";
            }
            return "CUDA (device_id=" + cudaOptions.get("device_id") + ", gpu_mem_limit="
                    + cudaOptions.get("gpu_mem_limit") + " bytes, arena_extend_strategy="
                    + cudaOptions.get("arena_extend_strategy") + "), CPU for the nodes CUDA has no kernel for";
        }

        /** A key that tells sessions of different providers or devices apart. */
        String key() {
            return cuda() ? "cuda" + deviceId : "cpu";
        }
    }

    /**
     * Decides a session's providers.
     *
     * @param sparkConf the session's settings as the executor sees them ({@code spark.ingot.gpu},
     *                  {@code spark.ingot.gpu.ort.*}); empty outside Spark
     * @param taskGpu the first GPU address Spark assigned the task ({@code TaskContext.resources().get("gpu")}), if any
     * @param available {@code OrtEnvironment.getAvailableProviders()}, by name
     * @param deviceMemory the memory of a CUDA device in bytes, empty when it cannot be read; asked only on GPUs
     * @param where {@code executor 3} or {@code the driver}, for messages
     * @throws dev.ingot.core.IngotException when the run is on GPUs and this ONNX Runtime has no CUDA provider, the
     *         task's GPU address is not a device number, or the device's memory cannot be read
     */
    public static Selection select(Map<String, String> sparkConf, Optional<String> taskGpu, Collection<String> available,
                                   IntFunction<OptionalLong> deviceMemory, String where) {
        if (!"true".equalsIgnoreCase(sparkConf.getOrDefault(GPU_CONF, "false").trim())) {
            return Selection.CPU;
        }
        String decided = "the driver decided this run uses GPUs (" + GPU_CONF + "=true, "
                + sparkConf.getOrDefault(GPU_REASON_CONF, "no reason recorded") + ")";
        if (!available.contains(CUDA)) {
            throw Errors.badData("create ONNX Runtime's session in " + where, decided + " but this JVM's ONNX Runtime "
                    + "has no CUDA provider (available: " + available + "), so inference would silently run on CPUs",
                    "ship the GPU distribution (mvn -Pgpu package: onnxruntime_gpu, CUDA 12) to the executors, or run "
                    + "with --gpu off (docs/gpu.md)");
        }
        int device = 0;
        if (taskGpu.isPresent()) {
            try {
                device = Integer.parseInt(taskGpu.get().trim());
            } catch (NumberFormatException e) {
                throw Errors.badData("create ONNX Runtime's CUDA session in " + where, "Spark assigned the task GPU '"
                        + taskGpu.get() + "', which is not a CUDA device number", "make the GPU discovery script print "
                        + "device indexes, as gpu/getGpusResources.sh does (nvidia-smi --query-gpu=index)");
            }
        }
        OptionalLong memory = deviceMemory.apply(device);
        if (memory.isEmpty()) {
            throw Errors.badData("create ONNX Runtime's CUDA session in " + where, "the memory of GPU " + device
                    + " could not be read (nvidia-smi --query-gpu=memory.total), so ONNX Runtime's arena limit ("
                    + OrtCudaOptions.MEM_FRACTION_CONF + ") cannot be applied", "install nvidia-smi on the executors "
                    + "(the NVIDIA driver, or the NVIDIA container toolkit on Kubernetes)");
        }
        OrtCudaOptions options = OrtCudaOptions.fromSparkConf(sparkConf).withDeviceId(device);
        return new Selection(List.of(CUDA, "CPU"), device, options.providerOptions(memory.getAsLong()));
    }
}
