package dev.ingot.scoring.internal;

import org.apache.spark.util.AccumulatorV2;

/**
 * A Spark accumulator of batch durations: each task adds to its own copy, the driver merges the copies of finished
 * tasks. Fixed size whatever the number of batches (see {@link LatencyHistogram}).
 */
public final class LatencyAccumulator extends AccumulatorV2<Long, LatencyHistogram> {
    private static final long serialVersionUID = 1L;

    private LatencyHistogram histogram = new LatencyHistogram();

    @Override
    public boolean isZero() {
        return histogram.count() == 0;
    }

    @Override
    public AccumulatorV2<Long, LatencyHistogram> copy() {
        LatencyAccumulator c = new LatencyAccumulator();
        c.histogram = histogram.copy();
        return c;
    }

    @Override
    public void reset() {
        histogram = new LatencyHistogram();
    }

    @Override
    public void add(Long nanos) {
        histogram.add(nanos);
    }

    /** Adds one duration without boxing it. */
    public void record(long nanos) {
        histogram.add(nanos);
    }

    /** Adds one duration and the CPU time the thread spent in it. */
    public void record(long nanos, long cpuNanos) {
        histogram.add(nanos);
        histogram.addCpu(cpuNanos);
    }

    @Override
    public void merge(AccumulatorV2<Long, LatencyHistogram> other) {
        histogram.merge(other.value());
    }

    @Override
    public LatencyHistogram value() {
        return histogram;
    }
}
