package dev.ingot.core.gpu;

import dev.ingot.core.gpu.internal.GpuProbe;

/**
 * What this JVM and machine offer for GPU runs. {@link #probe()} looks; {@link #of} states it (for tests, or a caller
 * that knows better, e.g. a scheduler that placed the job).
 */
public interface GpuEnvironment {
    /** How many GPUs {@code nvidia-smi} lists on this machine; 0 when it lists none or is not installed. */
    int visibleGpus();

    /** Whether Spark RAPIDS ({@value Gpu#RAPIDS_PLUGIN}) is on the class path (the RAPIDS jar was passed with --jars). */
    boolean rapidsJar();

    /** Whether ONNX Runtime offers its CUDA provider ({@code OrtEnvironment.getAvailableProviders()}: the GPU build). */
    boolean ortCudaProvider();

    /**
     * Why ONNX Runtime's CUDA provider cannot load on this machine, or {@code ""} when it loads or is not offered. The
     * GPU build lists CUDA among its providers even where the CUDA libraries are missing (checked here: the
     * {@code onnxruntime_gpu} 1.23.2 jar lists {@code [CPU, CUDA, TENSOR_RT]} on a machine without CUDA, and adding
     * the provider then fails with {@code libcublasLt.so.12: cannot open shared object file}), so only loading it tells.
     */
    default String ortCudaLoadProblem() {
        return "";
    }

    /** Looks at this machine and class path: runs {@code nvidia-smi} (at most a few seconds) and loads no Spark. */
    static GpuEnvironment probe() {
        return GpuProbe.probe();
    }

    /** An environment as stated. */
    static GpuEnvironment of(int visibleGpus, boolean rapidsJar, boolean ortCudaProvider) {
        return new Stated(visibleGpus, rapidsJar, ortCudaProvider, "");
    }

    /** An environment as stated, whose CUDA provider is offered but cannot load here ({@link #ortCudaLoadProblem()}). */
    static GpuEnvironment of(int visibleGpus, boolean rapidsJar, boolean ortCudaProvider, String ortCudaLoadProblem) {
        return new Stated(visibleGpus, rapidsJar, ortCudaProvider, ortCudaLoadProblem == null ? "" : ortCudaLoadProblem);
    }

    /** {@link #of}'s value. */
    record Stated(int visibleGpus, boolean rapidsJar, boolean ortCudaProvider, String ortCudaLoadProblem)
            implements GpuEnvironment {}
}
