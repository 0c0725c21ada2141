package dev.ingot.core.internal;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per finished Spark stage (what it was, tasks, time, rows read and written), so a long job shows
 * progress in logs too, where Spark's console bar does not reach (Airflow, CI).
 */
public final class StageProgressListener extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger("dev.ingot.progress");
    private static final String INSTALLED = "spark.ingot.progressListener";

    /** Installs the listener once per SparkContext. */
    public static synchronized void installOn(SparkSession spark) {
        if (!"true".equals(spark.sparkContext().getLocalProperty(INSTALLED))
                && !spark.sparkContext().getConf().getBoolean(INSTALLED, false)) {
            spark.sparkContext().addSparkListener(new StageProgressListener());
            spark.sparkContext().conf().set(INSTALLED, "true");
        }
    }

    /** Stage id to the description of the job it belongs to (set with SparkContext.setJobDescription). */
    private final Map<Integer, String> descriptions = new ConcurrentHashMap<>();

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        String d = event.properties() == null ? null : event.properties().getProperty("spark.job.description");
        if (d != null) {
            scala.collection.Iterator<Object> it = event.stageIds().iterator();
            while (it.hasNext()) {
                descriptions.put((Integer) it.next(), d);
            }
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        StageInfo s = event.stageInfo();
        long ms = s.completionTime().isDefined() && s.submissionTime().isDefined()
                ? (Long) s.completionTime().get() - (Long) s.submissionTime().get() : -1;
        String outcome = s.failureReason().isDefined() ? "failed: " + s.failureReason().get() : "done";
        var m = s.taskMetrics();
        LOG.info(String.format(Locale.ROOT, "stage %d (%s) %s: %d tasks, %.1f s, read %d rows, wrote %d rows",
                s.stageId(), descriptions.getOrDefault(s.stageId(), shortName(s.name())), outcome, s.numTasks(), ms / 1000.0,
                m.inputMetrics().recordsRead() + m.shuffleReadMetrics().recordsRead(),
                m.outputMetrics().recordsWritten()));
        descriptions.remove(s.stageId());
    }

    private static String shortName(String name) {
        int at = name.indexOf(" at ");
        return at > 0 ? name.substring(0, at) : name;
    }
}
