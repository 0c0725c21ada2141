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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores one partition: rows are gathered into batches, each batch is copied once into direct, native-order buffers
 * that ONNX Runtime reads in place (no second copy), run through the executor's shared session, and the outputs are
 * appended to each row (label, probability of class 1, the probabilities; or the prediction).
 */
public final class BatchScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Broadcast<byte[]> model;
    private final ScoringPlan plan;
    private final LatencyAccumulator latencies;

    /**
     * @param latencies where each batch's time in {@code OrtSession.run} goes, or null not to measure it
     */
    public BatchScorer(Broadcast<byte[]> model, ScoringPlan plan, LatencyAccumulator latencies) {
        this.model = model;
        this.plan = plan;
        this.latencies = latencies;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Batches(rows);
    }

    private final class Batches implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final Row[] batch = new Row[plan.batchSize()];
        private final ByteBuffer[] buffers = new ByteBuffer[plan.inputs().size()];
        private final List<Row> out = new ArrayList<>();
        private OrtSessions.Lease lease;
        private int next;

        /** The outputs read, the same for every batch. */
        private final Set<String> wanted = new HashSet<>();

        Batches(Iterator<Row> rows) {
            this.rows = rows;
            for (String o : new String[] {plan.label(), plan.probability(), plan.prediction()}) {
                if (o != null) {
                    wanted.add(o);
                }
            }
        }

        @Override
        public boolean hasNext() {
            if (next < out.size()) {
                return true;
            }
            out.clear();
            next = 0;
            int n = 0;
            while (n < batch.length && rows.hasNext()) {
                batch[n++] = rows.next();
            }
            if (n == 0) {
                release();
                return false;
            }
            score(n);
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return out.get(next++);
        }

        private void release() {
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

        private void score(int n) {
            OrtSession session = session();
            Map<String, OnnxTensor> tensors = new HashMap<>();
            try {
                for (int i = 0; i < plan.inputs().size(); i++) {
                    ScoringPlan.Input in = plan.inputs().get(i);
                    tensors.put(in.name(), tensor(i, in, n));
                }
                long t0 = System.nanoTime();
                long cpu0 = latencies != null ? THREADS.getCurrentThreadCpuTime() : 0;
                try (OrtSession.Result result = session.run(tensors, wanted)) {
                    if (latencies != null) {
                        // CPU time too: on a busy machine a batch's elapsed time includes waiting for a core.
                        latencies.record(System.nanoTime() - t0, THREADS.getCurrentThreadCpuTime() - cpu0);
                    }
                    append(result, n);
                }
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed to score a batch of " + n + " rows: " + e.getMessage(), e);
            } finally {
                tensors.values().forEach(OnnxTensor::close);
                for (int r = 0; r < n; r++) {
                    batch[r] = null;
                }
            }
        }

        private OnnxTensor tensor(int i, ScoringPlan.Input in, int n) throws OrtException {
            int width = in.columns().length;
            long[] shape = in.rank2() ? new long[] {n, width} : new long[] {n};
            switch (in.type()) {
                case STRING -> {
                    String[] s = new String[n * width];
                    for (int r = 0; r < n; r++) {
                        for (int c = 0; c < width; c++) {
                            Object v = batch[r].get(in.columns()[c]);
                            s[r * width + c] = v == null ? plan.nullString() : v.toString();
                        }
                    }
                    return OnnxTensor.createTensor(OrtSessions.env(), s, shape);
                }
                case FLOAT -> {
                    FloatBuffer f = buffer(i, 4).asFloatBuffer();
                    for (int r = 0; r < n; r++) {
                        for (int c = 0; c < width; c++) {
                            f.put(r * width + c, (float) number(batch[r].get(in.columns()[c])));
                        }
                    }
                    return OnnxTensor.createTensor(OrtSessions.env(), f.limit(n * width), shape);
                }
                case DOUBLE -> {
                    DoubleBuffer d = buffer(i, 8).asDoubleBuffer();
                    for (int r = 0; r < n; r++) {
                        for (int c = 0; c < width; c++) {
                            d.put(r * width + c, number(batch[r].get(in.columns()[c])));
                        }
                    }
                    return OnnxTensor.createTensor(OrtSessions.env(), d.limit(n * width), shape);
                }
                case INT64 -> {
                    LongBuffer l = buffer(i, 8).asLongBuffer();
                    for (int r = 0; r < n; r++) {
                        for (int c = 0; c < width; c++) {
                            l.put(r * width + c, integer(batch[r].get(in.columns()[c]), in.columnNames().get(c)));
                        }
                    }
                    return OnnxTensor.createTensor(OrtSessions.env(), l.limit(n * width), shape);
                }
                default -> throw new IllegalStateException("unsupported input type " + in.type());
            }
        }

        /** The input's direct buffer, allocated once per partition at the full batch size and reused. */
        private ByteBuffer buffer(int i, int elementSize) {
            if (buffers[i] == null) {
                buffers[i] = ByteBuffer.allocateDirect(batch.length * plan.inputs().get(i).columns().length * elementSize)
                        .order(ByteOrder.nativeOrder());
            }
            return buffers[i].clear();
        }

        private void append(OrtSession.Result result, int n) throws OrtException {
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
            for (int r = 0; r < n; r++) {
                Row row = batch[r];
                List<Object> values = new ArrayList<>(row.length() + 4);
                for (int c = 0; c < row.length(); c++) {
                    values.add(row.get(c));
                }
                if (plan.label() != null) {
                    values.add(plan.labelIsString() ? stringLabels[r] : labels[r]);
                }
                if (plan.probability() != null) {
                    double[] p = new double[classes];
                    System.arraycopy(probs, r * classes, p, 0, classes);
                    if (plan.positiveColumn()) {
                        values.add(classes == 2 ? p[1] : null);
                    }
                    values.add(p);
                }
                if (plan.prediction() != null) {
                    values.add(preds[r]);
                }
                out.add(RowFactory.create(values.toArray()));
            }
        }
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

    private static double number(Object v) {
        if (v == null) {
            return Double.NaN;
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).doubleValue();
    }

    private static long integer(Object v, String column) {
        if (v == null) {
            throw new IllegalStateException("column '" + column + "' is null and fills an int64 input, which has no null"
                    + " value: quarantine such rows (--nulls quarantine) or fill them before scoring");
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).longValue();
    }
}
