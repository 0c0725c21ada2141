package dev.ingot.validation.internal;

import dev.ingot.core.TableDoc;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.validation.CheckResult;
import dev.ingot.validation.ValidationResult;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Writes a run to {@code quality.metrics} (through {@link DeltaMetricsRepository}), {@code quality.results} and quarantine. */
public final class QualityTables {
    static final StructType RESULTS = new StructType()
            .add("run_id", DataTypes.StringType, false, "The validation run (its metrics are in quality.metrics under "
                    + "the same run_id)")
            .add("table", DataTypes.StringType, true, "The table checked, database.table")
            .add("delta_version", DataTypes.LongType, true, "Its Delta version checked; null for a table that is not Delta")
            .add("time", DataTypes.TimestampType, true, "When the run measured")
            .add("suite", DataTypes.StringType, true, "The check suite")
            .add("suite_file", DataTypes.StringType, true, "The suite's file, relative to the project (checks/<suite>.yaml)")
            .add("check_index", DataTypes.IntegerType, true, "The check's position in the suite's checks list, from 0 (its "
                    + "key path checks[index])")
            .add("check_id", DataTypes.StringType, true, "<suite>#<index>: the check's id in metrics, results and "
                    + "quarantined rows")
            .add("kind", DataTypes.StringType, true, "The kind of check (completeness, uniqueness, range, ...)")
            .add("columns", DataTypes.createArrayType(DataTypes.StringType), true, "The columns it checks (empty for size "
                    + "and predicate checks)")
            .add("severity", DataTypes.StringType, true, "error (blocks a publish) or warning")
            .add("status", DataTypes.StringType, true, "passed, failed, quarantined or error (could not be computed)")
            .add("description", DataTypes.StringType, true, "The check's description from the suite")
            .add("metric", DataTypes.StringType, true, "The metric the check is decided on (e.g. Completeness)")
            .add("value", DataTypes.DoubleType, true, "The metric's value; null when it could not be computed")
            .add("failing_rows", DataTypes.LongType, true, "Rows failing the check's row condition, for row-level checks; "
                    + "null otherwise")
            .add("message", DataTypes.StringType, true, "What was measured, against what bound");

    static final TableDoc RESULTS_DOC = TableDoc.of("Data quality check results: one row per check of every validation"
            + " run, each traceable to the line of YAML that asked for it. Appended to, never updated.");

    private QualityTables() {}

    /** Appends the run's metrics and check outcomes. */
    public static void record(SparkSession spark, ValidationResult result, DeequRun run) {
        new DeltaMetricsRepository(spark, Tables.QUALITY_METRICS, run.checkIds(), result.deltaVersion())
                .save(DeltaMetricsRepository.key(result.timeMillis(), result.table(), result.runId()), run.context(),
                        run.extraMetrics());
        List<Row> rows = new ArrayList<>();
        Timestamp time = new Timestamp(result.timeMillis());
        Long version = result.deltaVersion().isPresent() ? result.deltaVersion().getAsLong() : null;
        for (CheckResult c : result.checks()) {
            rows.add(RowFactory.create(result.runId(), result.table().orElse(null), version, time, c.suite(), c.suiteFile(),
                    c.checkIndex(), c.checkId(), c.kind().name().toLowerCase(), scala.collection.JavaConverters
                            .asScalaBuffer(c.columns()).toSeq(), c.severity().name().toLowerCase(), c.status().name().toLowerCase(),
                    c.description(), c.metric(), c.value().isPresent() ? c.value().getAsDouble() : null,
                    c.failingRows() < 0 ? null : c.failingRows(), c.message()));
        }
        DeltaMetricsRepository.append(spark, Tables.QUALITY_RESULTS, spark.createDataFrame(rows, RESULTS), RESULTS_DOC);
    }

    /**
     * Appends quarantined rows to {@code quality.<table>__quarantine}: the row's columns, then {@code failed_checks}
     * (ids {@code <suite>#<index>}), {@code run_id} and {@code quarantined_at}.
     */
    public static void quarantine(SparkSession spark, TableName target, Dataset<Row> quarantined, String runId) {
        Dataset<Row> rows = quarantined.withColumnRenamed(DeequRun.FAILED, "failed_checks")
                .withColumn("run_id", functions.lit(runId))
                .withColumn("quarantined_at", functions.current_timestamp());
        DeltaMetricsRepository.append(spark, Tables.quarantine(target), rows, quarantineDoc(target, rows.schema()));
    }

    /**
     * The rows of {@code target} that failed, each column documented as the target's (its own comment kept), then
     * the columns the quarantine adds.
     */
    private static TableDoc quarantineDoc(TableName target, StructType columns) {
        Map<String, String> comments = new LinkedHashMap<>();
        for (StructField f : columns.fields()) {
            comments.put(f.name(), f.getComment().isDefined() ? f.getComment().get() : "As in " + target);
        }
        comments.put("failed_checks", "Ids (<suite>#<index>) of the row-level checks the row failed (quality.results)");
        comments.put("run_id", "The validation run that quarantined it");
        comments.put("quarantined_at", "When it was quarantined");
        return TableDoc.of("Rows of " + target + " that failed its row-level checks and were kept out of it, with the "
                + "checks they failed. Appended to by each run.").withColumns(comments)
                .withProperty("ingot.quarantine_of", target.toString());
    }
}
