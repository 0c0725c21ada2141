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

    /** Looks at this machine and class path: runs {@code nvidia-smi} (at most a few seconds) and loads no Spark. */
    static GpuEnvironment probe() {
        return GpuProbe.probe();
    }

    /** An environment as stated. */
    static GpuEnvironment of(int visibleGpus, boolean rapidsJar, boolean ortCudaProvider) {
        return new Stated(visibleGpus, rapidsJar, ortCudaProvider);
    }

    /** {@link #of}'s value. */
    record Stated(int visibleGpus, boolean rapidsJar, boolean ortCudaProvider) implements GpuEnvironment {}
}
