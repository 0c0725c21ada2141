package dev.ingot.validation.internal;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.util.QuantileSummaries;
import org.apache.spark.util.AccumulatorV2;

/**
 * The values of one column, summarized for approximate quantiles while another query scans them: each task keeps a
 * Greenwald-Khanna summary (Spark's {@link QuantileSummaries}, the one behind {@code percentile_approx} and Deequ's
 * {@code ApproxQuantile}, with the same relative error), fed from a primitive buffer that is sorted and compressed
 * every {@value #BUFFER} values, instead of the boxed per-row insertion of Spark's aggregate.
 *
 * <p>It is an accumulator, so that the summary is built in the same scan as the code-generated aggregation of every
 * other metric: Spark's own {@code percentile_approx} is a typed imperative aggregate, which would make that whole
 * aggregation an interpreted object-hash aggregation. Summaries are kept per partition and a partition's first
 * summary wins, so a task that runs again (a retried or recomputed stage) is not counted twice.
 */
final class QuantileAccumulator extends AccumulatorV2<Double, Optional<QuantileSummaries>> {
    private static final long serialVersionUID = 1L;
    static final int BUFFER = 1 << 16;

    private final double relativeError;
    /** Summaries by partition: the task's own on an executor, every task's once merged on the driver. */
    private final TreeMap<Integer, QuantileSummaries> parts = new TreeMap<>();
    /** The buffered values as order-preserving keys ({@link #key}), and room for sorting them. */
    private transient long[] buffer;
    private transient long[] scratch;
    private transient int buffered;
    private transient int partition = -1;
    /**
     * The task thread adding values, set before its first value is buffered: Spark's heartbeat reads accumulators from
     * another thread while a task runs, and only this thread (or anyone once it has ended) may flush the buffer.
     */
    private transient volatile Thread writer;

    QuantileAccumulator(double relativeError) {
        this.relativeError = relativeError;
    }

    @Override
    public synchronized boolean isZero() {
        return parts.isEmpty() && buffered == 0;
    }

    @Override
    public synchronized AccumulatorV2<Double, Optional<QuantileSummaries>> copy() {
        flushIfWriter();
        QuantileAccumulator c = new QuantileAccumulator(relativeError);
        c.parts.putAll(parts);
        return c;
    }

    @Override
    public synchronized void reset() {
        parts.clear();
        buffered = 0;
        partition = -1;
    }

    @Override
    public void add(Double v) {
        if (v != null) {
            add(v.doubleValue());
        }
    }

    /** Adds one value of this task's partition. */
    void add(double v) {
        if (buffer == null) {
            writer = Thread.currentThread();
            buffer = new long[BUFFER];
            scratch = new long[BUFFER];
            TaskContext task = TaskContext.get();
            partition = task == null ? 0 : task.partitionId();
        }
        buffer[buffered++] = key(v);
        if (buffered == BUFFER) {
            flush();
        }
    }

    /**
     * Summarizes the buffered values into the partition's summary; only the adding thread may call it. The buffer is
     * sorted, so every value's rank is exact: the chunk's summary keeps its smallest and largest value and every
     * value {@code floor(2 * relativeError * n)} ranks apart, each with g = its rank gap and delta = 0, which is a
     * Greenwald-Khanna summary within the relative error (g + delta <= 2 * relativeError * n) built without one
     * object per value. Spark's {@link QuantileSummaries#merge} then combines chunks and partitions.
     */
    private void flush() {
        int n = buffered;
        if (n == 0) {
            return;
        }
        long[] sorted = sort(n);
        int step = Math.max(1, (int) Math.floor(2 * relativeError * n));
        QuantileSummaries.Stats[] stats = new QuantileSummaries.Stats[(n - 1 + step - 1) / step + 1];
        stats[0] = new QuantileSummaries.Stats(value(sorted[0]), 1L, 0L);
        int k = 1;
        int previous = 0;
        for (int i = step; previous < n - 1; i += step) {
            int at = Math.min(i, n - 1);
            stats[k++] = new QuantileSummaries.Stats(value(sorted[at]), at - previous, 0L);
            previous = at;
        }
        QuantileSummaries chunk = new QuantileSummaries(QuantileSummaries.defaultCompressThreshold(), relativeError,
                k == stats.length ? stats : Arrays.copyOf(stats, k), n, true);
        synchronized (this) {
            parts.merge(partition, chunk, QuantileSummaries::merge);
            buffered = 0;
        }
    }

    /**
     * A key whose unsigned order is the order of {@link Arrays#sort(double[])}: -0.0 before 0.0, NaN after +Infinity.
     */
    static long key(double v) {
        long bits = Double.doubleToRawLongBits(v);
        return bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
    }

    static double value(long key) {
        return Double.longBitsToDouble(key < 0 ? key ^ Long.MIN_VALUE : ~key);
    }

    private static final int DIGIT = 11;
    private static final int BUCKETS = 1 << DIGIT;
    private static final int PASSES = (Long.SIZE + DIGIT - 1) / DIGIT;

    /**
     * Sorts the first n keys of the buffer by their unsigned value: a least-significant-digit radix sort, 11 bits a
     * pass, which skips the digits every key shares (the sign and exponent, for most columns). Several times faster
     * than a comparison sort of doubles on these chunks, and the sort is most of a summary's cost.
     */
    private long[] sort(int n) {
        int[][] counts = new int[PASSES][BUCKETS];
        for (int i = 0; i < n; i++) {
            long k = buffer[i];
            for (int p = 0; p < PASSES; p++) {
                counts[p][(int) ((k >>> (p * DIGIT)) & (BUCKETS - 1))]++;
            }
        }
        long[] from = buffer;
        long[] to = scratch;
        for (int p = 0; p < PASSES; p++) {
            int[] c = counts[p];
            int shift = p * DIGIT;
            if (c[(int) ((from[0] >>> shift) & (BUCKETS - 1))] == n) {
                continue;
            }
            int sum = 0;
            for (int b = 0; b < BUCKETS; b++) {
                int x = c[b];
                c[b] = sum;
                sum += x;
            }
            for (int i = 0; i < n; i++) {
                long k = from[i];
                to[c[(int) ((k >>> shift) & (BUCKETS - 1))]++] = k;
            }
            long[] t = from;
            from = to;
            to = t;
        }
        return from;
    }

    /**
     * Flushes the buffer when this thread may: it is the writer, or the writer has ended (its values are then visible
     * here, and readers take turns). With no writer yet nothing was buffered; a reader that saw none while the writer
     * starts must not flush the values being added (a value counted twice, found by {@code SharedScanTest}).
     */
    private void flushIfWriter() {
        Thread w = writer;
        if (w == null) {
            return;
        }
        if (w == Thread.currentThread()) {
            flush();
        } else if (!w.isAlive()) {
            synchronized (this) {
                flush();
            }
        }
    }

    @Override
    public synchronized void merge(AccumulatorV2<Double, Optional<QuantileSummaries>> other) {
        QuantileAccumulator o = (QuantileAccumulator) other;
        synchronized (o) {
            o.flushIfWriter();
            for (Map.Entry<Integer, QuantileSummaries> e : o.parts.entrySet()) {
                parts.putIfAbsent(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * The summary of every value added, or empty when there was none. Read from another thread while a task runs
     * (Spark's heartbeat), it leaves out the values still buffered.
     */
    @Override
    public Optional<QuantileSummaries> value() {
        flushIfWriter();
        synchronized (this) {
            return parts.values().stream().reduce(QuantileSummaries::merge);
        }
    }

    /** Sends the buffered values' summary along with the task's result (serialized by the task's thread). */
    private void writeObject(ObjectOutputStream out) throws IOException {
        flushIfWriter();
        synchronized (this) {
            out.defaultWriteObject();
        }
    }
}
