package dev.ingot.core.internal;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Delta commit's {@code userMetadata} for writes whose writer option Delta does not honour (CREATE TABLE AS
 * SELECT in Delta 3.3): Delta reads the session setting {@value #CONF} of the session running the write instead.
 */
public final class CommitMetadata {
    /** Delta's session setting of the next commit's user metadata. */
    public static final String CONF = "spark.databricks.delta.commitInfo.userMetadata";

    private CommitMetadata() {}

    /**
     * The same rows, bound to a clone of their session with {@value #CONF} set to {@code userMetadata}: a write of the
     * returned Dataset commits with it, and the caller's session (which other threads may write with) is untouched.
     * The clone keeps the session's settings and reuses the rows' analyzed plan: nothing is computed or converted.
     */
    public static Dataset<Row> on(Dataset<Row> rows, String userMetadata) {
        SparkSession clone = rows.sparkSession().cloneSession();
        clone.conf().set(CONF, userMetadata);
        return Dataset.ofRows(clone, rows.logicalPlan());
    }
}
