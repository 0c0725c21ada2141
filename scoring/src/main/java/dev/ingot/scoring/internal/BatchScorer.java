package dev.ingot.scoring.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores one partition of rows (the row path): rows are gathered into batches, each batch is copied once into direct,
 * native-order buffers that ONNX Runtime reads in place (no second copy), run through the executor's shared session,
 * and the outputs are appended to each row (label, probability of class 1, the probabilities; or the prediction).
 */
public final class BatchScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

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
        private final List<Row> out = new ArrayList<>();
        private final ModelRun run = new ModelRun(model, plan, latencies);
        private int next;

        Batches(Iterator<Row> rows) {
            this.rows = rows;
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
                run.release();
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

        private void score(int n) {
            Map<String, OnnxTensor> tensors = new HashMap<>();
            try {
                for (int i = 0; i < plan.inputs().size(); i++) {
                    ScoringPlan.Input in = plan.inputs().get(i);
                    tensors.put(in.name(), ModelRun.tensor(in, n, fill(i, in, n)));
                }
            } catch (OrtException e) {
                tensors.values().forEach(OnnxTensor::close);
                throw new IllegalStateException("ONNX Runtime failed to take a batch of " + n + " rows: " + e.getMessage(), e);
            }
            try {
                append(run.run(tensors, n), n);
            } finally {
                for (int r = 0; r < n; r++) {
                    batch[r] = null;
                }
            }
        }

        private Object fill(int i, ScoringPlan.Input in, int n) {
            int width = in.columns().length;
            switch (in.type()) {
                case STRING -> {
                    String[] s = new String[n * width];
                    for (int r = 0; r < n; r++) {
                        for (int c = 0; c < width; c++) {
                            Object v = batch[r].get(in.columns()[c]);
                            s[r * width + c] = v == null ? plan.nullString() : v.toString();
                        }
                    }
                    return s;
                }
                case FLOAT -> {
                    FloatBuffer f = run.floats(i);
                    for (int r = 0; r < n; r++) {
                        for (int c = 0; c < width; c++) {
                            f.put(r * width + c, (float) number(batch[r].get(in.columns()[c])));
                        }
                    }
                    return f;
                }
                case DOUBLE -> {
                    DoubleBuffer d = run.doubles(i);
                    for (int r = 0; r < n; r++) {
                        for (int c = 0; c < width; c++) {
                            d.put(r * width + c, number(batch[r].get(in.columns()[c])));
                        }
                    }
                    return d;
                }
                case INT64 -> {
                    LongBuffer l = run.longs(i);
                    for (int r = 0; r < n; r++) {
                        for (int c = 0; c < width; c++) {
                            l.put(r * width + c, integer(batch[r].get(in.columns()[c]), in.columnNames().get(c)));
                        }
                    }
                    return l;
                }
                default -> throw new IllegalStateException("unsupported input type " + in.type());
            }
        }

        private void append(ModelRun.Outputs o, int n) {
            int classes = o.classes();
            for (int r = 0; r < n; r++) {
                Row row = batch[r];
                List<Object> values = new ArrayList<>(row.length() + 4);
                for (int c = 0; c < row.length(); c++) {
                    values.add(row.get(c));
                }
                if (plan.label() != null) {
                    values.add(plan.labelIsString() ? o.stringLabels()[r] : o.labels()[r]);
                }
                if (plan.probability() != null) {
                    double[] p = new double[classes];
                    System.arraycopy(o.probabilities(), r * classes, p, 0, classes);
                    if (plan.positiveColumn()) {
                        values.add(classes == 2 ? p[1] : null);
                    }
                    values.add(p);
                }
                if (plan.prediction() != null) {
                    values.add(o.predictions()[r]);
                }
                out.add(RowFactory.create(values.toArray()));
            }
        }
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
            throw new IllegalStateException(ModelRun.nullInt64(column));
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).longValue();
    }
}
