package dev.ingot.scoring.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import dev.ingot.core.Errors;
import dev.ingot.scoring.ElementType;
import dev.ingot.scoring.ModelInput;
import dev.ingot.scoring.ModelOutput;
import dev.ingot.scoring.OnnxModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The ONNX Runtime sessions of this JVM: one per model digest and thread count, created by the first task that needs
 * it and shared by every task of the executor after it ({@link OrtSession#run} is thread-safe). A session is closed
 * only when the JVM stops (a shutdown hook), and only once no task holds it: tasks hold a read lock for as long as
 * they run it, and closing takes the write lock, because closing a session another thread is running crashes the
 * native code.
 */
public final class OrtSessions {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OrtSessions.class);
    private static final Map<String, Shared> SESSIONS = new ConcurrentHashMap<>();
    private static final Object HOOK = new Object();
    /** Each device's memory, read once per JVM (nvidia-smi is a process; tasks ask for every partition). */
    private static final Map<Integer, java.util.OptionalLong> DEVICE_MEMORY = new ConcurrentHashMap<>();
    private static boolean hookAdded;

    private OrtSessions() {}

    /** One shared session and the lock that keeps it open while tasks run it. */
    static final class Shared {
        final OrtSession session;
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        boolean closed;

        Shared(OrtSession session) {
            this.session = session;
        }
    }

    /**
     * A task's hold on a shared session: the session stays open until every lease is closed. Close it exactly once,
     * from the thread that acquired it.
     */
    public static final class Lease implements AutoCloseable {
        private final Shared shared;
        private boolean released;

        Lease(Shared shared) {
            this.shared = shared;
        }

        /** The session; valid until {@link #close()}. */
        public OrtSession session() {
            return shared.session;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                shared.lock.readLock().unlock();
            }
        }
    }

    /** The JVM's one environment ({@code close()} on it does nothing, so it is never closed). */
    static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }

    /**
     * Holds the session of a model, creating it on first use.
     *
     * @param digest the model's SHA-256: sessions of the same digest are the same model
     * @param threads ONNX Runtime's intra-op threads for the session
     * @param bytes the model's bytes, asked for only when the session is created (a broadcast read)
     */
    public static Lease acquire(String digest, int threads, Supplier<byte[]> bytes) {
        return acquire(digest, threads, bytes, providers());
    }

    /** {@link #acquire(String, int, Supplier)} with the providers given (tests: what a GPU run would do here). */
    static Lease acquire(String digest, int threads, Supplier<byte[]> bytes, OrtProviders.Selection providers) {
        addHook();
        Shared s = SESSIONS.computeIfAbsent(digest + "#" + threads + "#" + providers.key(),
                k -> create(digest, bytes.get(), threads, providers));
        s.lock.readLock().lock();
        if (s.closed) {
            s.lock.readLock().unlock();
            throw new IllegalStateException("the JVM is stopping: its ONNX Runtime sessions are closed");
        }
        return new Lease(s);
    }

    /** The providers of this task's session: the session's GPU decision, the GPU Spark assigned the task. */
    static OrtProviders.Selection providers() {
        org.apache.spark.SparkEnv spark = org.apache.spark.SparkEnv.get();
        Map<String, String> conf = new java.util.HashMap<>();
        if (spark != null) {
            for (scala.Tuple2<String, String> kv : spark.conf().getAll()) {
                conf.put(kv._1(), kv._2());
            }
        }
        Optional<String> gpu = Optional.empty();
        org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
        if (task != null && task.resources().contains("gpu")) {
            String[] addresses = task.resources().apply("gpu").addresses();
            gpu = addresses.length > 0 ? Optional.of(addresses[0]) : Optional.empty();
        }
        return OrtProviders.select(conf, gpu, env().getAvailableProviders().stream().map(Enum::name).toList(),
                d -> DEVICE_MEMORY.computeIfAbsent(d, dev.ingot.core.gpu.internal.GpuProbe::deviceMemoryBytes), where());
    }

    private static Shared create(String digest, byte[] bytes, int threads, OrtProviders.Selection providers) {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            // Spark runs (cores / spark.task.cpus) tasks at once: each task's session may use spark.task.cpus threads.
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (providers.cuda()) {
                addCuda(o, providers);
            }
            Shared s = new Shared(env().createSession(bytes, o));
            // One line per session and JVM: an executor's log shows that its JVM loaded ONNX Runtime's native
            // library and the model, how often (once per model, however many tasks ran), and on which providers.
            LOG.info("ONNX Runtime {} session created in {} (pid {}) for model sha256 {}, {} bytes, {} intra-op "
                    + "thread(s), providers: {}", env().getVersion(), where(), ProcessHandle.current().pid(),
                    digest.substring(0, Math.min(12, digest.length())), bytes.length, threads, providers.describe());
            return s;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not create a session: " + e.getMessage(), e);
        }
    }

    /** Adds the CUDA provider; ONNX Runtime places the nodes it has no CUDA kernel for on its CPU provider. */
    static void addCuda(OrtSession.SessionOptions o, OrtProviders.Selection providers) {
        try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(providers.deviceId())) {
            for (Map.Entry<String, String> e : providers.cudaOptions().entrySet()) {
                cuda.add(e.getKey(), e.getValue());
            }
            o.addCUDA(cuda);
        } catch (OrtException | RuntimeException e) {
            // The driver decided GPUs: a session without the CUDA provider would quietly run on CPUs.
            throw Errors.badData("add ONNX Runtime's CUDA provider in " + where(), "ONNX Runtime refused it ("
                    + e.getMessage() + ") although the driver decided this run uses GPUs", "ship the GPU distribution "
                    + "(mvn -Pgpu package: onnxruntime_gpu, CUDA 12) to the executors, or run with --gpu off "
                    + "(docs/gpu.md)");
        }
    }

    /** {@code executor 3}, {@code the driver}, or {@code a JVM without Spark}: where a session is made. */
    private static String where() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        if (env == null) {
            return "a JVM without Spark";
        }
        String id = env.executorId();
        return "driver".equals(id) ? "the driver" : "executor " + id;
    }

    private static void addHook() {
        synchronized (HOOK) {
            if (!hookAdded) {
                hookAdded = true;
                Runtime.getRuntime().addShutdownHook(new Thread(OrtSessions::closeAll, "ingot-onnx-sessions-close"));
            }
        }
    }

    /** Closes every session no task holds; one a task still runs after a grace period is left to the OS. */
    static void closeAll() {
        for (Shared s : SESSIONS.values()) {
            try {
                if (s.lock.writeLock().tryLock(10, TimeUnit.SECONDS)) {
                    try {
                        s.closed = true;
                        s.session.close();
                    } catch (OrtException e) {
                        // the process is ending: nothing to do about it
                    } finally {
                        s.lock.writeLock().unlock();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** How many sessions this JVM holds (tests: one per model, however many tasks ran). */
    public static int count() {
        return SESSIONS.size();
    }

    /**
     * What a model declares, read with a short-lived session on the driver.
     *
     * @throws dev.ingot.core.IngotException (bad input) naming {@code source} when ONNX Runtime cannot load the bytes
     */
    public static OnnxModel inspect(byte[] bytes, String source, String sha256) {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession s = env().createSession(bytes, o)) {
                List<ModelInput> inputs = new ArrayList<>();
                for (NodeInfo n : s.getInputInfo().values()) {
                    inputs.add(input(n));
                }
                List<ModelOutput> outputs = new ArrayList<>();
                for (NodeInfo n : s.getOutputInfo().values()) {
                    outputs.add(output(n));
                }
                return new OnnxModel(bytes, source, sha256, inputs, outputs, s.getMetadata().getCustomMetadata());
            }
        } catch (OrtException e) {
            String why = ortMessage(e);
            if (why.contains("IR version") || why.contains("pset")) {
                // A sound file from a newer exporter: ONNX Runtime refuses its IR version or operator set.
                throw Errors.badData("load the ONNX model " + source, "this ONNX Runtime cannot run it (" + why + ")",
                        "export it again for an older ONNX: a lower target opset (e.g. target_opset=21 in skl2onnx)"
                        + " and IR version");
            }
            throw Errors.badData("load the ONNX model " + source, "ONNX Runtime cannot read it (" + why
                    + "); the file is corrupted, truncated or not an ONNX model", "point at the .onnx file as its "
                    + "exporter wrote it (" + bytes.length + " bytes read)");
        }
    }

    /**
     * ONNX Runtime's message on one line, without the C++ source location and function signature it starts with
     * ({@code /onnxruntime_src/.../model.cc:181 onnxruntime::Model::Model(...) Unsupported model IR version: 99}).
     */
    static String ortMessage(OrtException e) {
        String m = String.valueOf(e.getMessage()).strip().replaceAll("\\s+", " ");
        int at = m.indexOf("onnxruntime::");
        int open = at < 0 ? -1 : m.indexOf('(', at);
        if (open > 0) {
            int depth = 0;
            for (int i = open; i < m.length(); i++) {
                char c = m.charAt(i);
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                if (depth == 0) {
                    // Keep "Error code - ORT_FAIL - message:", drop the location and signature that follow it.
                    int msg = m.lastIndexOf("message:", at);
                    String head = msg < 0 ? "" : m.substring(0, msg + "message:".length()) + " ";
                    m = head + m.substring(i + 1).strip();
                    break;
                }
            }
        }
        return m.length() > 400 ? m.substring(0, 400) + "..." : m;
    }

    private static ModelInput input(NodeInfo n) {
        if (n.getInfo() instanceof TensorInfo t) {
            return new ModelInput(n.getName(), elementType(t.type), t.type.name().toLowerCase(java.util.Locale.ROOT),
                    Arrays.stream(t.getShape()).boxed().toList());
        }
        return new ModelInput(n.getName(), Optional.empty(), n.getInfo().toString(), List.of());
    }

    private static ModelOutput output(NodeInfo n) {
        if (n.getInfo() instanceof TensorInfo t) {
            return new ModelOutput(n.getName(), true, t.type.name().toLowerCase(java.util.Locale.ROOT),
                    Arrays.stream(t.getShape()).boxed().toList());
        }
        return new ModelOutput(n.getName(), false, n.getInfo().getClass().getSimpleName(), List.of());
    }

    static Optional<ElementType> elementType(OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> Optional.of(ElementType.FLOAT);
            case DOUBLE -> Optional.of(ElementType.DOUBLE);
            case INT64 -> Optional.of(ElementType.INT64);
            case STRING -> Optional.of(ElementType.STRING);
            default -> Optional.empty();
        };
    }
}
