package dev.ingot.jobs;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Test-only fault injection: with {@code spark.plugins=dev.ingot.jobs.FirstAttemptFailures}, the first attempt of
 * every task (or of a seeded fraction of them, {@value #FRACTION}) fails after it has done its work, and Spark retries
 * it ({@code local[N,F]} or {@code spark.task.maxFailures} must allow retries).
 *
 * <p>How, and why not by throwing from {@code onTaskStart()}: Spark 3.5.4's {@code Task.run} does call
 * {@code plugins.foreach(_.onTaskStart())} after the task context is set and before
 * {@code context.runTaskWithListeners(this)}, but {@code ExecutorPluginContainer.onTaskStart} catches every
 * {@code Throwable} a plugin throws there and only logs it at INFO ("Exception while calling onTaskStart on plugin"):
 * the task runs as if nothing happened (checked in the 3.5.4 jar's bytecode, and by this class's first version, which
 * threw there and failed no task). So {@code onTaskStart()} registers a task completion listener that throws on
 * attempt 0: {@code TaskContextImpl.runTaskWithListeners} calls the listeners in its {@code finally} once the task's
 * code returned, a listener's exception becomes a {@code TaskCompletionListenerException}, which
 * {@code Executor.TaskRunner} reports as an {@code ExceptionFailure} that counts towards the task's failures, and the
 * task set manager schedules attempt 1. The failed attempt has done everything a task does (read its input, written
 * its shuffle files or its Delta data files) except report success: the harder case for idempotence.
 *
 * <p>{@link Counter}, a listener ({@code spark.extraListeners}), counts on the driver the attempts that ended with the
 * injected failure and every task that succeeded, so that a test can tell the injection really fired.
 */
public final class FirstAttemptFailures implements SparkPlugin {
    /** The fraction of tasks whose first attempt fails (a Spark setting; default 1: every task). */
    public static final String FRACTION = "spark.ingot.test.failFirstAttempt.fraction";
    /** The seed that picks which tasks fail (a Spark setting; default 17). */
    public static final String SEED = "spark.ingot.test.failFirstAttempt.seed";
    /** The message of the injected failure, which {@link Counter} looks for. */
    public static final String MESSAGE = "injected failure of a task's first attempt";

    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            private double fraction = 1.0;
            private long seed = 17;

            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                fraction = ctx.conf().getDouble(FRACTION, 1.0);
                seed = ctx.conf().getLong(SEED, 17);
            }

            @Override
            public void onTaskStart() {
                TaskContext t = TaskContext.get();
                if (t.attemptNumber() == 0 && picked(t.stageId(), t.partitionId())) {
                    String what = MESSAGE + " (stage " + t.stageId() + ", partition " + t.partitionId() + ")";
                    t.addTaskCompletionListener(new TaskCompletionListener() {
                        @Override
                        public void onTaskCompletion(TaskContext context) {
                            if (!context.isFailed() && !context.isInterrupted()) {
                                throw new InjectedFailure(what);
                            }
                        }
                    });
                }
            }

            /** A pseudo-random choice fixed by the seed, the stage and the partition. */
            private boolean picked(int stage, int partition) {
                if (fraction >= 1.0) {
                    return true;
                }
                long h = seed * 0x9E3779B97F4A7C15L + stage * 0xC2B2AE3D27D4EB4FL + partition;
                h ^= h >>> 33;
                h *= 0xFF51AFD7ED558CCDL;
                h ^= h >>> 33;
                return (h >>> 11) * 0x1.0p-53 < fraction;
            }
        };
    }

    /** What the plugin throws. */
    public static final class InjectedFailure extends RuntimeException {
        InjectedFailure(String message) {
            super(message);
        }
    }

    /** Counts, on the driver, injected failures and successful tasks (register with {@code spark.extraListeners}). */
    public static final class Counter extends SparkListener {
        /** Task attempts that ended with the injected failure. */
        public static final AtomicLong INJECTED = new AtomicLong();
        /** Task attempts that ended with any other failure. */
        public static final AtomicLong OTHER_FAILURES = new AtomicLong();
        /** Task attempts that succeeded. */
        public static final AtomicLong SUCCEEDED = new AtomicLong();
        /** Successful attempts whose number was 1 or more: retries that finished the task. */
        public static final AtomicLong SUCCEEDED_RETRIES = new AtomicLong();

        public Counter(SparkConf conf) {}

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskInfo().successful()) {
                SUCCEEDED.incrementAndGet();
                if (end.taskInfo().attemptNumber() > 0) {
                    SUCCEEDED_RETRIES.incrementAndGet();
                }
            } else if (end.reason() instanceof ExceptionFailure f && f.description() != null
                    && f.description().contains(MESSAGE)) {
                INJECTED.incrementAndGet();
            } else {
                OTHER_FAILURES.incrementAndGet();
            }
        }
    }
}
