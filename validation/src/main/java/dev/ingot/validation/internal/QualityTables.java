package dev.ingot.validation.internal;

import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.validation.CheckResult;
import dev.ingot.validation.ValidationResult;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Writes a run to {@code quality.metrics} (through {@link DeltaMetricsRepository}), {@code quality.results} and quarantine. */
public final class QualityTables {
    static final StructType RESULTS = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("table", DataTypes.StringType)
            .add("delta_version", DataTypes.LongType)
            .add("time", DataTypes.TimestampType)
            .add("suite", DataTypes.StringType)
            .add("suite_file", DataTypes.StringType)
            .add("check_index", DataTypes.IntegerType)
            .add("check_id", DataTypes.StringType)
            .add("kind", DataTypes.StringType)
            .add("columns", DataTypes.createArrayType(DataTypes.StringType))
            .add("severity", DataTypes.StringType)
            .add("status", DataTypes.StringType)
            .add("description", DataTypes.StringType)
            .add("metric", DataTypes.StringType)
            .add("value", DataTypes.DoubleType)
            .add("failing_rows", DataTypes.LongType)
            .add("message", DataTypes.StringType);

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
        DeltaMetricsRepository.append(spark, Tables.QUALITY_RESULTS, spark.createDataFrame(rows, RESULTS));
    }

    /**
     * Appends quarantined rows to {@code quality.<table>__quarantine}: the row's columns, then {@code failed_checks}
     * (ids {@code <suite>#<index>}), {@code run_id} and {@code quarantined_at}.
     */
    public static void quarantine(SparkSession spark, TableName target, Dataset<Row> quarantined, String runId) {
        Dataset<Row> rows = quarantined.withColumnRenamed(DeequRun.FAILED, "failed_checks")
                .withColumn("run_id", functions.lit(runId))
                .withColumn("quarantined_at", functions.current_timestamp());
        DeltaMetricsRepository.append(spark, Tables.quarantine(target), rows);
    }
}
