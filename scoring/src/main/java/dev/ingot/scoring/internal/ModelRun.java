package dev.ingot.scoring.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * One task's use of a model, shared by the row and the columnar paths: the lease on the executor's session (let go
 * when the partition ends or the task completes), the direct, native-order input buffers that ONNX Runtime reads in
 * place (allocated once per partition at the full batch size and reused), the timed run and its outputs as arrays.
 */
final class ModelRun {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Broadcast<byte[]> model;
    private final ScoringPlan plan;
    private final LatencyAccumulator latencies;
    private final ByteBuffer[] buffers;
    private final Set<String> wanted = new HashSet<>();
    private OrtSessions.Lease lease;

    /** A batch's outputs: labels (int64 or string), probabilities (row-major, {@code classes} per row), predictions. */
    record Outputs(long[] labels, String[] stringLabels, double[] probabilities, int classes, double[] predictions) {}

    ModelRun(Broadcast<byte[]> model, ScoringPlan plan, LatencyAccumulator latencies) {
        this.model = model;
        this.plan = plan;
        this.latencies = latencies;
        this.buffers = new ByteBuffer[plan.inputs().size()];
        for (String o : new String[] {plan.label(), plan.probability(), plan.prediction()}) {
            if (o != null) {
                wanted.add(o);
            }
        }
    }

    /** Input {@code i}'s buffer of doubles, cleared. */
    DoubleBuffer doubles(int i) {
        return buffer(i, 8).asDoubleBuffer();
    }

    /** Input {@code i}'s buffer of floats, cleared. */
    FloatBuffer floats(int i) {
        return buffer(i, 4).asFloatBuffer();
    }

    /** Input {@code i}'s buffer of longs, cleared. */
    LongBuffer longs(int i) {
        return buffer(i, 8).asLongBuffer();
    }

    private ByteBuffer buffer(int i, int elementSize) {
        if (buffers[i] == null) {
            buffers[i] = ByteBuffer.allocateDirect(plan.batchSize() * plan.inputs().get(i).columns().length * elementSize)
                    .order(ByteOrder.nativeOrder());
        }
        return buffers[i].clear();
    }

    /** The tensor of {@code n} rows of input {@code in} over its filled buffer (or strings). */
    static OnnxTensor tensor(ScoringPlan.Input in, int n, Object filled) throws OrtException {
        int width = in.columns().length;
        long[] shape = in.rank2() ? new long[] {n, width} : new long[] {n};
        if (filled instanceof String[] s) {
            return OnnxTensor.createTensor(OrtSessions.env(), s, shape);
        } else if (filled instanceof FloatBuffer f) {
            return OnnxTensor.createTensor(OrtSessions.env(), f.limit(n * width), shape);
        } else if (filled instanceof DoubleBuffer d) {
            return OnnxTensor.createTensor(OrtSessions.env(), d.limit(n * width), shape);
        } else if (filled instanceof LongBuffer l) {
            return OnnxTensor.createTensor(OrtSessions.env(), l.limit(n * width), shape);
        }
        throw new IllegalStateException("unsupported input type " + in.type());
    }

    /**
     * Runs the model on {@code n} rows, recording the batch's time, and closes the tensors.
     *
     * @throws IllegalStateException when ONNX Runtime fails
     */
    Outputs run(Map<String, OnnxTensor> tensors, int n) {
        OrtSession session = session();
        try {
            long t0 = System.nanoTime();
            long cpu0 = latencies != null ? THREADS.getCurrentThreadCpuTime() : 0;
            try (OrtSession.Result result = session.run(tensors, wanted)) {
                if (latencies != null) {
                    // CPU time too: on a busy machine a batch's elapsed time includes waiting for a core.
                    latencies.record(System.nanoTime() - t0, THREADS.getCurrentThreadCpuTime() - cpu0);
                }
                return outputs(result, n);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to score a batch of " + n + " rows: " + e.getMessage(), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /** Lets go of the session (the partition is done); idempotent. */
    void release() {
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }

    private OrtSession session() {
        if (lease == null) {
            lease = OrtSessions.acquire(plan.digest(), plan.threads(), model::value);
            TaskContext tc = TaskContext.get();
            if (tc != null) {
                // A task that stops early (a limit, a failure) still lets go of the session.
                tc.addTaskCompletionListener((TaskContext c) -> release());
            }
        }
        return lease.session();
    }

    private Outputs outputs(OrtSession.Result result, int n) throws OrtException {
        long[] labels = null;
        String[] stringLabels = null;
        double[] probs = null;
        int classes = 0;
        double[] preds = null;
        if (plan.label() != null) {
            OnnxTensor t = (OnnxTensor) value(result, plan.label());
            if (plan.labelIsString()) {
                stringLabels = strings(t.getValue(), n);
            } else {
                labels = new long[n];
                t.getLongBuffer().get(labels);
            }
        }
        if (plan.probability() != null) {
            OnnxTensor t = (OnnxTensor) value(result, plan.probability());
            long[] shape = t.getInfo().getShape();
            classes = shape.length == 2 ? (int) shape[1] : 1;
            probs = doubles(t, n * classes);
        }
        if (plan.prediction() != null) {
            preds = doubles((OnnxTensor) value(result, plan.prediction()), n);
        }
        return new Outputs(labels, stringLabels, probs, classes, preds);
    }

    private static OnnxValue value(OrtSession.Result result, String name) {
        return result.get(name).orElseThrow(() -> new IllegalStateException("the model returned no output '" + name + "'"));
    }

    private static double[] doubles(OnnxTensor t, int count) {
        double[] d = new double[count];
        switch (t.getInfo().type) {
            case FLOAT -> {
                FloatBuffer f = t.getFloatBuffer();
                for (int i = 0; i < count; i++) {
                    d[i] = f.get(i);
                }
            }
            case DOUBLE -> t.getDoubleBuffer().get(d);
            default -> throw new IllegalStateException("output of type " + t.getInfo().type + " is not a number");
        }
        return d;
    }

    private static String[] strings(Object value, int n) {
        if (value instanceof String[] s) {
            return s;
        }
        if (value instanceof String[][] s2) {
            String[] s = new String[n];
            for (int i = 0; i < n; i++) {
                s[i] = s2[i][0];
            }
            return s;
        }
        throw new IllegalStateException("the label output is not a string tensor of rank 1 or 2");
    }

    /** The message of a null in a column that fills an int64 input (which has no null value). */
    static String nullInt64(String column) {
        return "column '" + column + "' is null and fills an int64 input, which has no null value: quarantine such rows"
                + " (--nulls quarantine) or fill them before scoring";
    }
}
