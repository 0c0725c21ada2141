package dev.ingot.core.gpu.internal;

import dev.ingot.core.gpu.Gpu;
import dev.ingot.core.gpu.GpuEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** {@link GpuEnvironment#probe()}: nvidia-smi, the class path, ONNX Runtime's providers, looked at once each. */
public final class GpuProbe {
    private GpuProbe() {}

    /** Looks now. */
    public static GpuEnvironment probe() {
        boolean cuda = ortCuda();
        return GpuEnvironment.of(nvidiaSmiGpus(), onClasspath(Gpu.RAPIDS_PLUGIN), cuda, cuda ? ortCudaLoadProblem() : "");
    }

    /** GPUs nvidia-smi lists; 0 when it is not installed, fails, or takes more than 10 s (a hung driver). */
    static int nvidiaSmiGpus() {
        return nvidiaSmi("--query-gpu=index", "--format=csv,noheader")
                .map(out -> (int) out.lines().filter(l -> l.trim().matches("\\d+")).count()).orElse(0);
    }

    /**
     * The memory of CUDA device {@code device} in bytes, as nvidia-smi reports it (MiB); empty when nvidia-smi is not
     * installed, fails or does not know the device. Read by the scorer in the executor that uses the device.
     */
    public static OptionalLong deviceMemoryBytes(int device) {
        return nvidiaSmi("--query-gpu=memory.total", "--format=csv,noheader,nounits", "-i", Integer.toString(device))
                .map(GpuProbe::mebibytes).orElse(OptionalLong.empty());
    }

    /** nvidia-smi's {@code memory.total} without units (MiB) in bytes; empty unless it is one whole number. */
    static OptionalLong mebibytes(String out) {
        String v = out.trim();
        return v.matches("\\d{1,9}") ? OptionalLong.of(Long.parseLong(v) * 1024 * 1024) : OptionalLong.empty();
    }

    /** nvidia-smi's output; empty when it is not installed, fails, or takes more than 10 s (a hung driver). */
    private static Optional<String> nvidiaSmi(String... args) {
        List<String> command = new ArrayList<>();
        command.add("nvidia-smi");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return Optional.empty();
                }
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static boolean onClasspath(String className) {
        try {
            Class.forName(className, false, Thread.currentThread().getContextClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Reflective: core does not depend on ONNX Runtime; the jobs and scoring modules bring it (CPU or GPU build). */
    static boolean ortCuda() {
        try {
            Class<?> env = Class.forName("ai.onnxruntime.OrtEnvironment", true, Thread.currentThread().getContextClassLoader());
            Object providers = env.getMethod("getAvailableProviders").invoke(null);
            return providers instanceof Collection<?> c && c.stream().anyMatch(p -> p.toString().equals("CUDA"));
        } catch (ReflectiveOperationException | LinkageError e) {
            return false;
        }
    }

    /**
     * Adds the CUDA provider to throw-away session options, which loads {@code libonnxruntime_providers_cuda.so} and
     * the CUDA libraries it links: {@code ""} when that works, else ONNX Runtime's message (it names the missing
     * library). Only called when the build offers CUDA, so a CPU build pays nothing.
     */
    static String ortCudaLoadProblem() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            Class<?> options = Class.forName("ai.onnxruntime.OrtSession$SessionOptions", true, loader);
            try (AutoCloseable o = (AutoCloseable) options.getConstructor().newInstance()) {
                options.getMethod("addCUDA", int.class).invoke(o, 0);
            }
            return "";
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return String.valueOf(cause.getMessage()).strip();
        } catch (Exception | LinkageError e) {
            return e.toString();
        }
    }
}
