package dev.ingot.scoring;

import dev.ingot.core.Errors;
import dev.ingot.scoring.internal.LatencyAccumulator;
import org.apache.spark.sql.SparkSession;

/**
 * How long ONNX Runtime took per batch ({@code OrtSession.run}, the inference alone), gathered from the executors as
 * the tasks of a {@link Scorer#score(org.apache.spark.sql.Dataset, BatchLatencies)} result run. Read it after the
 * action (a write, a collect) that computed the scores. A task that Spark re-runs (a failure, a lost executor) adds
 * its batches again, so a few batches may count twice; the memory taken does not grow with the number of batches.
 *
 * <pre>{@code
 * BatchLatencies lat = BatchLatencies.register(spark);
 * scorer.score(rows, lat).write().saveAsTable("scores.churn");
 * double p99 = lat.millis(0.99);
 * }</pre>
 */
public final class BatchLatencies {
    private final LatencyAccumulator acc;

    private BatchLatencies(LatencyAccumulator acc) {
        this.acc = acc;
    }

    /** A new, empty recorder registered with the session's Spark context (a Spark accumulator). */
    public static BatchLatencies register(SparkSession spark) {
        Errors.required(spark, "BatchLatencies.register(spark)");
        LatencyAccumulator acc = new LatencyAccumulator();
        spark.sparkContext().register(acc, "ingot.score.batch_latency");
        return new BatchLatencies(acc);
    }

    /** How many batches ONNX Runtime ran. */
    public long batches() {
        return acc.value().count();
    }

    /**
     * The time of every batch added up, in seconds: the inference's share of the tasks' time (batches run in parallel
     * tasks, so this is core time, not elapsed time).
     */
    public double seconds() {
        return acc.value().totalNanos() / 1e9;
    }

    /**
     * The CPU time of the threads that ran the batches, added up, in seconds: the inference's cost in core time, which
     * unlike {@link #seconds()} does not grow when the tasks wait for a busy machine's cores.
     */
    public double cpuSeconds() {
        return acc.value().cpuNanos() / 1e9;
    }

    /**
     * The {@code q} quantile of the batch times in milliseconds (nearest rank, within about 2% of the exact value),
     * 0 when no batch ran.
     *
     * @param q from 0 (exclusive) to 1, e.g. 0.99
     */
    public double millis(double q) {
        if (!(q > 0 && q <= 1)) {
            throw Errors.badArgument("latency quantile", q, "a number in (0, 1], e.g. 0.99");
        }
        return acc.value().percentile(q) / 1e6;
    }

    LatencyAccumulator accumulator() {
        return acc;
    }
}
