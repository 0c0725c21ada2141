package dev.ingot.jobs.cli;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * The executor CPU time (task run plus deserialization, as Spark's task metrics measure it) of every task that ends
 * while it is open: what a command's cost is computed from. Close it to stop listening.
 */
final class CpuMeter implements AutoCloseable {
    /** How long {@link #seconds} waits for task-end events still queued on the listener bus. */
    private static final long DRAIN_MILLIS = 10_000;

    private final SparkSession spark;
    private final AtomicLong nanos = new AtomicLong();
    private final SparkListener listener = new SparkListener() {
        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                nanos.addAndGet(end.taskMetrics().executorCpuTime() + end.taskMetrics().executorDeserializeCpuTime());
            }
        }
    };

    private CpuMeter(SparkSession spark) {
        this.spark = spark;
        spark.sparkContext().addSparkListener(listener);
    }

    /** Starts counting the CPU time of the tasks of this session's Spark context. */
    static CpuMeter start(SparkSession spark) {
        return new CpuMeter(spark);
    }

    /** The executor CPU seconds so far, once the task-end events already posted have been delivered. */
    double seconds() {
        try {
            // Task-end events reach listeners asynchronously: without this, the last tasks of a job may be missed.
            spark.sparkContext().listenerBus().waitUntilEmpty(DRAIN_MILLIS);
        } catch (TimeoutException e) {
            // A busy bus: report what has arrived rather than fail the command over a figure.
        }
        return nanos.get() / 1e9;
    }

    @Override
    public void close() {
        spark.sparkContext().removeSparkListener(listener);
    }
}
