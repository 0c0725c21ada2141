package dev.ingot.validation;

import static org.apache.spark.sql.functions.col;

import dev.ingot.core.Catalog;
import dev.ingot.core.Errors;
import dev.ingot.core.Tables;
import dev.ingot.validation.internal.DeltaMetricsRepository;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;

/**
 * Metrics measured outside a validation run (the drift of a model's scores, measured by {@code score}) in
 * {@code quality.metrics}, with validation's columns, so that one table holds every quality measure and one SQL
 * query reads them all. Their rows have no suite, check or Deequ result; {@code table}, {@code entity},
 * {@code column} (the instance), {@code metric}, {@code value}, {@code time}, {@code dataset_date} and {@code tags}
 * say what they are.
 */
public final class QualityMetrics {
    private QualityMetrics() {}

    /**
     * One row.
     *
     * @param runId the run that measured it
     * @param table the table it describes ({@code scores.fraud})
     * @param deltaVersion that table's Delta version measured, when known
     * @param entity what kind of thing it describes ({@code Model})
     * @param instance which one ({@code fraud/3}); the {@code column} column
     * @param metric the metric ({@code score_psi})
     * @param value its value
     * @param time when it was measured
     * @param datasetDate the date of the data measured, epoch milliseconds (a scoring date at midnight UTC)
     * @param tags anything else, as text
     */
    public record Entry(String runId, String table, OptionalLong deltaVersion, String entity, String instance,
                        String metric, double value, Instant time, long datasetDate, Map<String, String> tags) {
        public Entry {
            Errors.required(runId, "QualityMetrics.Entry.runId");
            Errors.required(table, "QualityMetrics.Entry.table");
            Errors.required(deltaVersion, "QualityMetrics.Entry.deltaVersion");
            Errors.required(entity, "QualityMetrics.Entry.entity");
            Errors.required(instance, "QualityMetrics.Entry.instance");
            Errors.required(metric, "QualityMetrics.Entry.metric");
            Errors.required(time, "QualityMetrics.Entry.time");
            tags = Map.copyOf(Errors.required(tags, "QualityMetrics.Entry.tags"));
        }
    }

    /**
     * Writes {@code entries} in one Delta commit, replacing the rows of the same table, instance and dataset date
     * with the same metric names: measuring the same data again replaces, never duplicates. Creates the table when
     * missing.
     *
     * @param entries rows of one table, instance and dataset date; may not be empty
     */
    public static void replace(SparkSession spark, List<Entry> entries) {
        Errors.required(spark, "QualityMetrics.replace(spark, ...)");
        Errors.required(entries, "QualityMetrics.replace(..., entries)");
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("QualityMetrics.replace needs at least one entry");
        }
        Entry first = entries.get(0);
        for (Entry e : entries) {
            if (!e.table().equals(first.table()) || !e.instance().equals(first.instance())
                    || e.datasetDate() != first.datasetDate()) {
                throw new IllegalArgumentException("QualityMetrics.replace takes rows of one table, instance and date: "
                        + first.table() + " " + first.instance() + " " + first.datasetDate() + " and " + e.table() + " "
                        + e.instance() + " " + e.datasetDate());
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Entry e : entries) {
            rows.add(RowFactory.create(e.runId(), e.table(), e.deltaVersion().isPresent() ? e.deltaVersion().getAsLong() : null,
                    null, null, null, e.instance(), e.entity(), e.metric(), Double.isNaN(e.value()) ? null : e.value(),
                    Timestamp.from(e.time()), e.datasetDate(), DeltaMetricsRepository.immutable(e.tags()), null));
        }
        var frame = spark.createDataFrame(rows, DeltaMetricsRepository.SCHEMA);
        if (!Catalog.tableExists(spark, Tables.QUALITY_METRICS)) {
            DeltaMetricsRepository.append(spark, Tables.QUALITY_METRICS, frame, DeltaMetricsRepository.DOC);
            return;
        }
        String metrics = entries.stream().map(Entry::metric).distinct().map(Catalog::literal)
                .collect(Collectors.joining(", "));
        String where = "`table` = " + Catalog.literal(first.table()) + " AND `column` = " + Catalog.literal(first.instance())
                + " AND dataset_date = " + first.datasetDate() + " AND check_id IS NULL AND metric IN (" + metrics + ")";
        frame.write().format("delta").mode("overwrite").option("replaceWhere", where)
                .saveAsTable(Tables.QUALITY_METRICS.toString());
    }

    /** The rows of a table and metric written by {@link #replace} (none when the table does not exist), oldest data first. */
    public static List<Entry> read(SparkSession spark, String table, String metric) {
        Errors.required(spark, "QualityMetrics.read(spark, ...)");
        if (!Catalog.tableExists(spark, Tables.QUALITY_METRICS)) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        for (Row r : spark.table(Tables.QUALITY_METRICS.toString())
                .where(col("table").equalTo(table).and(col("metric").equalTo(metric)).and(col("check_id").isNull()))
                .select("run_id", "table", "delta_version", "entity", "column", "metric", "value", "time",
                        "dataset_date", "tags")
                .orderBy("dataset_date", "time").collectAsList()) {
            Map<String, String> tags = r.isNullAt(9) ? Map.of()
                    : new LinkedHashMap<>(JavaConverters.mapAsJavaMap(r.<scala.collection.Map<String, String>>getAs(9)));
            out.add(new Entry(r.getString(0), r.getString(1),
                    r.isNullAt(2) ? OptionalLong.empty() : OptionalLong.of(r.getLong(2)), r.getString(3), r.getString(4),
                    r.getString(5), r.isNullAt(6) ? Double.NaN : r.getDouble(6), r.getTimestamp(7).toInstant(),
                    r.isNullAt(8) ? 0 : r.getLong(8), tags));
        }
        return out;
    }
}
