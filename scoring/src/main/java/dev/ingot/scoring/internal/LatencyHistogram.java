package dev.ingot.scoring.internal;

import java.io.Serializable;

/**
 * Durations in a fixed number of log-scale buckets (16 per doubling, from 1 microsecond to about 18 minutes), so that
 * any number of batches takes the same 4 KB and histograms from many tasks merge by adding counts. A percentile is
 * read as the geometric middle of its bucket, clamped to the smallest and largest duration seen (the largest is exact): within 2.2% of the
 * exact value for durations inside the range.
 */
public final class LatencyHistogram implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int PER_DOUBLING = 16;
    private static final double FLOOR_NANOS = 1_000;
    private static final int BUCKETS = 30 * PER_DOUBLING;

    private final long[] counts = new long[BUCKETS];
    private long count;
    private long total;
    private long cpu;
    private long min = Long.MAX_VALUE;
    private long max = Long.MIN_VALUE;

    /** Adds one duration. */
    public void add(long nanos) {
        counts[bucket(nanos)]++;
        count++;
        total += nanos;
        min = Math.min(min, nanos);
        max = Math.max(max, nanos);
    }

    /** Adds CPU time spent in the durations (kept as a sum only). */
    public void addCpu(long nanos) {
        cpu += nanos;
    }

    /** Adds every duration of {@code other}. */
    public void merge(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        count += other.count;
        total += other.total;
        cpu += other.cpu;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    /** A copy, independent of this one. */
    public LatencyHistogram copy() {
        LatencyHistogram c = new LatencyHistogram();
        c.merge(this);
        return c;
    }

    /** How many durations were added. */
    public long count() {
        return count;
    }

    /** The sum of every duration added, in nanoseconds (exact, not bucketed). */
    public long totalNanos() {
        return total;
    }

    /** The sum of the CPU time added with {@link #addCpu}, in nanoseconds. */
    public long cpuNanos() {
        return cpu;
    }

    /**
     * The nearest-rank {@code q} quantile in nanoseconds (the {@code ceil(q * count)}-th smallest duration, to the
     * bucket's precision), or 0 when empty.
     *
     * @param q from 0 (exclusive) to 1
     */
    public double percentile(double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile " + q + " is not in (0, 1]");
        }
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * count));
        if (rank == count) {
            return max;
        }
        long seen = 0;
        int i = 0;
        while (seen + counts[i] < rank) {
            seen += counts[i++];
        }
        double mid = FLOOR_NANOS * Math.pow(2, (i + 0.5) / PER_DOUBLING);
        return Math.min(max, Math.max(min, mid));
    }

    private static int bucket(long nanos) {
        if (nanos <= FLOOR_NANOS) {
            return 0;
        }
        int b = (int) Math.floor(Math.log(nanos / FLOOR_NANOS) / Math.log(2) * PER_DOUBLING);
        return Math.min(BUCKETS - 1, b);
    }
}
