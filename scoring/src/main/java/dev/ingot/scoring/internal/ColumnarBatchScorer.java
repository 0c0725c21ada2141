package dev.ingot.scoring.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Scores one partition of column batches (the columnar path): each model input is filled column by column from the
 * batch's vectors into the direct buffers ONNX Runtime reads (a bulk copy for a {@code double} or {@code float} column
 * of a one-column input; nulls set to NaN only in the columns that have any), and each batch comes out as a new batch
 * of the same pass-through vectors (no copy) plus the score vectors. A batch is scored in runs of at most the batch
 * size, and a run never spans two column batches (their vectors are reused by the reader).
 *
 * <p>The outputs equal the row path's ({@link BatchScorer}): the same value of each input cell (a null number as NaN,
 * a boolean as 1 or 0, a decimal through {@link java.math.BigDecimal#doubleValue}), the same columns appended.
 */
public final class ColumnarBatchScorer implements FlatMapFunction<Iterator<ColumnarBatch>, ColumnarBatch> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> model;
    private final ScoringPlan plan;
    private final LatencyAccumulator latencies;
    private final int[] passThrough;
    private final StructType appended;

    /**
     * @param plan the scoring plan; its inputs' column indexes are those of the scored rows
     * @param passThrough for each column of the scored rows, its ordinal in the source batches
     * @param appended the columns scoring appends ({@code Scorer.appended()})
     * @param latencies where each batch's time in {@code OrtSession.run} goes, or null not to measure it
     */
    public ColumnarBatchScorer(Broadcast<byte[]> model, ScoringPlan plan, int[] passThrough, StructType appended,
                               LatencyAccumulator latencies) {
        this.model = model;
        this.plan = plan;
        this.passThrough = passThrough.clone();
        this.appended = appended;
        this.latencies = latencies;
    }

    @Override
    public Iterator<ColumnarBatch> call(Iterator<ColumnarBatch> batches) {
        ModelRun run = new ModelRun(model, plan, latencies);
        WritableColumnVector[] scores = new WritableColumnVector[appended.size()];
        StructField[] fields = appended.fields();
        for (int i = 0; i < scores.length; i++) {
            scores[i] = new OnHeapColumnVector(plan.batchSize(), fields[i].dataType());
        }
        return new Iterator<>() {
            private boolean closed;

            @Override
            public boolean hasNext() {
                if (batches.hasNext()) {
                    return true;
                }
                if (!closed) {
                    // The last batch handed out has been consumed: a caller asks for the next one only then.
                    closed = true;
                    run.release();
                    for (WritableColumnVector v : scores) {
                        v.close();
                    }
                }
                return false;
            }

            @Override
            public ColumnarBatch next() {
                ColumnarBatch in = batches.next();
                int n = in.numRows();
                for (WritableColumnVector v : scores) {
                    v.reset();
                    v.reserve(n);
                }
                for (int start = 0; start < n; start += plan.batchSize()) {
                    int len = Math.min(plan.batchSize(), n - start);
                    score(run, in, start, len, scores);
                }
                ColumnVector[] out = new ColumnVector[passThrough.length + scores.length];
                for (int c = 0; c < passThrough.length; c++) {
                    out[c] = in.column(passThrough[c]);
                }
                System.arraycopy(scores, 0, out, passThrough.length, scores.length);
                return new ColumnarBatch(out, n);
            }
        };
    }

    private void score(ModelRun run, ColumnarBatch in, int start, int len, WritableColumnVector[] scores) {
        Map<String, OnnxTensor> tensors = new HashMap<>();
        try {
            for (int i = 0; i < plan.inputs().size(); i++) {
                ScoringPlan.Input input = plan.inputs().get(i);
                tensors.put(input.name(), ModelRun.tensor(input, len, fill(run, i, input, in, start, len)));
            }
        } catch (OrtException e) {
            tensors.values().forEach(OnnxTensor::close);
            throw new IllegalStateException("ONNX Runtime failed to take a batch of " + len + " rows: " + e.getMessage(), e);
        }
        write(run.run(tensors, len), start, len, scores);
    }

    private Object fill(ModelRun run, int i, ScoringPlan.Input input, ColumnarBatch in, int start, int len) {
        int width = input.columns().length;
        switch (input.type()) {
            case STRING -> {
                String[] s = new String[len * width];
                for (int c = 0; c < width; c++) {
                    ColumnVector v = in.column(passThrough[input.columns()[c]]);
                    for (int r = 0; r < len; r++) {
                        s[r * width + c] = v.isNullAt(start + r) ? plan.nullString() : v.getUTF8String(start + r).toString();
                    }
                }
                return s;
            }
            case FLOAT -> {
                FloatBuffer f = run.floats(i);
                numbers(input, in, start, len, DataTypes.FloatType, v -> f.put(0, v.getFloats(start, len)),
                        (k, x) -> f.put(k, (float) x));
                return f;
            }
            case DOUBLE -> {
                DoubleBuffer d = run.doubles(i);
                numbers(input, in, start, len, DataTypes.DoubleType, v -> d.put(0, v.getDoubles(start, len)), d::put);
                return d;
            }
            case INT64 -> {
                LongBuffer l = run.longs(i);
                for (int c = 0; c < width; c++) {
                    ColumnVector v = in.column(passThrough[input.columns()[c]]);
                    for (int r = 0; r < len; r++) {
                        if (v.isNullAt(start + r)) {
                            throw new IllegalStateException(ModelRun.nullInt64(input.columnNames().get(c)));
                        }
                        l.put(r * width + c, integer(v, start + r));
                    }
                }
                return l;
            }
            default -> throw new IllegalStateException("unsupported input type " + input.type());
        }
    }

    /** Puts element {@code k} of an input's buffer. */
    private interface Put {
        void put(int k, double value);
    }

    /**
     * Fills a float or double input from its columns: a column of the input's own type that is its only column in one
     * bulk copy, others cell by cell; then NaN where a column with nulls is null.
     */
    private void numbers(ScoringPlan.Input input, ColumnarBatch in, int start, int len, DataType bulkType,
                         Consumer<ColumnVector> bulk, Put put) {
        int width = input.columns().length;
        for (int c = 0; c < width; c++) {
            ColumnVector v = in.column(passThrough[input.columns()[c]]);
            if (width == 1 && v.dataType() == bulkType) {
                bulk.accept(v);
            } else {
                for (int r = 0; r < len; r++) {
                    put.put(r * width + c, number(v, start + r));
                }
            }
            if (v.hasNull()) {
                for (int r = 0; r < len; r++) {
                    if (v.isNullAt(start + r)) {
                        put.put(r * width + c, Double.NaN);
                    }
                }
            }
        }
    }

    /** The cell as a double, as the row path reads it from a Java value (null cells are set to NaN by the caller). */
    private static double number(ColumnVector v, int r) {
        if (v.isNullAt(r)) {
            return Double.NaN;
        }
        DataType t = v.dataType();
        if (t == DataTypes.DoubleType) {
            return v.getDouble(r);
        } else if (t == DataTypes.FloatType) {
            return v.getFloat(r);
        } else if (t instanceof DecimalType dt) {
            return v.getDecimal(r, dt.precision(), dt.scale()).toJavaBigDecimal().doubleValue();
        }
        return integer(v, r); // integers and booleans (1 or 0)
    }

    private static long integer(ColumnVector v, int r) {
        DataType t = v.dataType();
        if (t == DataTypes.LongType) {
            return v.getLong(r);
        } else if (t == DataTypes.IntegerType) {
            return v.getInt(r);
        } else if (t == DataTypes.ShortType) {
            return v.getShort(r);
        } else if (t == DataTypes.ByteType) {
            return v.getByte(r);
        } else if (t == DataTypes.BooleanType) {
            return v.getBoolean(r) ? 1 : 0;
        }
        throw new IllegalStateException("column of type " + t.simpleString() + " is not a number");
    }

    /** Writes a run's outputs into the score vectors at rows {@code start ..< start + len}, in appended order. */
    private void write(ModelRun.Outputs o, int start, int len, WritableColumnVector[] scores) {
        int k = 0;
        if (plan.label() != null) {
            WritableColumnVector v = scores[k++];
            if (plan.labelIsString()) {
                for (int r = 0; r < len; r++) {
                    v.putByteArray(start + r, o.stringLabels()[r].getBytes(StandardCharsets.UTF_8));
                }
            } else {
                v.putLongs(start, len, o.labels(), 0);
            }
        }
        if (plan.probability() != null) {
            int classes = o.classes();
            if (plan.positiveColumn()) {
                WritableColumnVector v = scores[k++];
                for (int r = 0; r < len; r++) {
                    if (classes == 2) {
                        v.putDouble(start + r, o.probabilities()[r * 2 + 1]);
                    } else {
                        v.putNull(start + r);
                    }
                }
            }
            WritableColumnVector v = scores[k++];
            WritableColumnVector elements = v.arrayData();
            elements.reserve((start + len) * classes);
            elements.putDoubles(start * classes, len * classes, o.probabilities(), 0);
            for (int r = 0; r < len; r++) {
                v.putArray(start + r, (start + r) * classes, classes);
            }
        }
        if (plan.prediction() != null) {
            scores[k].putDoubles(start, len, o.predictions(), 0);
        }
    }
}
