package dev.ingot.core.gpu;

import dev.ingot.core.Errors;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options Ingot gives ONNX Runtime's CUDA execution provider, so that it and RAPIDS share a GPU without fighting
 * over its memory: RAPIDS' pool is capped at {@link GpuSettings#RAPIDS_MAX_ALLOC_FRACTION} of the device, ONNX
 * Runtime's arena at {@code memFraction} of it, and the arena grows only by what a run asks for.
 *
 * <p>They travel to the executors as Spark settings ({@link #toSparkConf()}, read back by {@link #fromSparkConf});
 * the device and its memory are only known there, so {@link #providerOptions} takes them. Option names are ONNX
 * Runtime's ({@code OrtCUDAProviderOptions}: https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html).
 *
 * @param deviceId the CUDA device; on a cluster, the address Spark assigned to the task ({@code TaskContext.resources()})
 * @param memFraction the share of the device's memory ONNX Runtime's arena may take, in (0, 1)
 * @param arenaExtendStrategy {@code kSameAsRequested} or {@code kNextPowerOfTwo}
 */
public record OrtCudaOptions(int deviceId, double memFraction, String arenaExtendStrategy) {
    /** Spark setting that carries {@link #memFraction}. */
    public static final String MEM_FRACTION_CONF = "spark.ingot.gpu.ort.memFraction";
    /** Spark setting that carries {@link #arenaExtendStrategy}. */
    public static final String ARENA_CONF = "spark.ingot.gpu.ort.arenaExtendStrategy";
    /** ONNX Runtime's share of a GPU: what RAPIDS' pool leaves, less room for the CUDA contexts and kernels. */
    public static final double MEM_FRACTION_DEFAULT = 0.2;
    /** Grow the arena by what is asked for, not to the next power of two, which can overshoot the limit. */
    public static final String ARENA_DEFAULT = "kSameAsRequested";

    public OrtCudaOptions {
        if (deviceId < 0) {
            throw Errors.badArgument("ORT CUDA device id", deviceId, "0 or more");
        }
        if (!(memFraction > 0 && memFraction < 1)) {
            throw Errors.badArgument(MEM_FRACTION_CONF, memFraction, "between 0 and 1 (exclusive)");
        }
        Errors.required(arenaExtendStrategy, ARENA_CONF);
        if (!arenaExtendStrategy.equals("kSameAsRequested") && !arenaExtendStrategy.equals("kNextPowerOfTwo")) {
            throw Errors.invalidDefinition(ARENA_CONF, "'" + arenaExtendStrategy + "' is not an arena extend strategy",
                    "use kSameAsRequested or kNextPowerOfTwo");
        }
    }

    /** Device 0, {@link #MEM_FRACTION_DEFAULT}, {@link #ARENA_DEFAULT}. */
    public static OrtCudaOptions defaults() {
        return new OrtCudaOptions(0, MEM_FRACTION_DEFAULT, ARENA_DEFAULT);
    }

    /** A copy on another device (the GPU Spark gave the task). */
    public OrtCudaOptions withDeviceId(int id) {
        return new OrtCudaOptions(id, memFraction, arenaExtendStrategy);
    }

    /** The Spark settings that carry these options to the executors (the device id is the task's, so not among them). */
    public Map<String, String> toSparkConf() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MEM_FRACTION_CONF, Double.toString(memFraction));
        m.put(ARENA_CONF, arenaExtendStrategy);
        return m;
    }

    /** The options as a session's settings carry them; defaults for what is not set. */
    public static OrtCudaOptions fromSparkConf(Map<String, String> conf) {
        String f = conf.get(MEM_FRACTION_CONF);
        double fraction;
        try {
            fraction = f == null ? MEM_FRACTION_DEFAULT : Double.parseDouble(f.trim());
        } catch (NumberFormatException e) {
            throw Errors.invalidDefinition(MEM_FRACTION_CONF, "'" + f + "' is not a number", "write a fraction such as 0.2");
        }
        return new OrtCudaOptions(0, fraction, conf.getOrDefault(ARENA_CONF, ARENA_DEFAULT));
    }

    /**
     * ONNX Runtime's CUDA provider options for a device with {@code deviceMemoryBytes} of memory: {@code device_id},
     * {@code gpu_mem_limit} (bytes) and {@code arena_extend_strategy}, as {@code OrtCUDAProviderOptions.add} takes them.
     */
    public Map<String, String> providerOptions(long deviceMemoryBytes) {
        if (deviceMemoryBytes <= 0) {
            throw Errors.badArgument("device memory in bytes", deviceMemoryBytes, "positive");
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("device_id", Integer.toString(deviceId));
        m.put("gpu_mem_limit", Long.toString((long) Math.floor(deviceMemoryBytes * memFraction)));
        m.put("arena_extend_strategy", arenaExtendStrategy);
        return m;
    }
}
