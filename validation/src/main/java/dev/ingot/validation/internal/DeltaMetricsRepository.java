package dev.ingot.validation.internal;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.metrics.Metric;
import com.amazon.deequ.repository.AnalysisResult;
import com.amazon.deequ.repository.AnalysisResultSerde;
import com.amazon.deequ.repository.MetricsRepository;
import com.amazon.deequ.repository.MetricsRepositoryMultipleResultsLoader;
import com.amazon.deequ.repository.ResultKey;
import dev.ingot.core.Catalog;
import dev.ingot.core.TableDoc;
import dev.ingot.core.TableName;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * Deequ's {@link MetricsRepository} on a Delta table ({@code quality.metrics}): one row per metric and check, readable
 * with SQL and by Deequ's anomaly detection alike.
 *
 * <p>Each row carries the metric as plain columns (table, Delta version, suite, check, column, metric, value, time)
 * and, for Deequ, the serialized {@link AnalysisResult} of that one analyzer, from which {@link #load()} rebuilds the
 * results. A metric shared by several checks is written once per check and read back once.
 */
public final class DeltaMetricsRepository implements MetricsRepository {
    /** Tag of the {@link ResultKey}: the table validated. */
    public static final String TAG_TABLE = "table";
    /** Tag of the {@link ResultKey}: the run. */
    public static final String TAG_RUN = "run_id";

    /** The columns of {@code quality.metrics}. */
    public static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false, "The validation run (a gate's, validate's, or a drift run's)")
            .add("table", DataTypes.StringType, true, "The table measured, database.table")
            .add("delta_version", DataTypes.LongType, true, "Its Delta version measured; null for a table that is not Delta")
            .add("suite", DataTypes.StringType, true, "The check suite the metric was computed for; null for a metric of no "
                    + "check (drift, profiles)")
            .add("check_index", DataTypes.IntegerType, true, "The check's index in its suite, from 0")
            .add("check_id", DataTypes.StringType, true, "<suite>#<index>: the check (as in quality.results)")
            .add("column", DataTypes.StringType, true, "The column measured (Deequ's instance), * for the whole table, or "
                    + "what the metric is of (e.g. model/version)")
            .add("entity", DataTypes.StringType, true, "What the metric is of: Column, Dataset or Multicolumn")
            .add("metric", DataTypes.StringType, true, "The metric's name (Completeness, Size, Mean, score_psi, ...)")
            .add("value", DataTypes.DoubleType, true, "Its value; null when it could not be computed")
            .add("time", DataTypes.TimestampType, true, "When it was measured")
            .add("dataset_date", DataTypes.LongType, true, "The data's date the metric is of, epoch milliseconds (the key "
                    + "anomaly detection orders by)")
            .add("tags", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), true, "Tags of the run "
                    + "(table, run_id, ...)")
            .add("deequ_result", DataTypes.StringType, true, "Deequ's serialized AnalysisResult of this metric, from which "
                    + "Deequ's anomaly checks reread it; null for metrics Ingot computed");

    /** What the catalog says about {@code quality.metrics}. */
    public static final TableDoc DOC = TableDoc.of("Data quality metrics: one row per metric and check of every "
            + "validation run (Deequ's metrics repository, readable with SQL), and drift metrics. Appended to; measuring "
            + "the same data again replaces its rows.");

    private final SparkSession spark;
    private final TableName table;
    private final Map<Analyzer<?, Metric<?>>, List<String>> checkIds;
    private final OptionalLong deltaVersion;

    /**
     * @param spark the session
     * @param table where metrics live, normally {@code quality.metrics}
     * @param checkIds for saving: the checks each analyzer was computed for
     * @param deltaVersion for saving: the Delta version of the table validated
     */
    public DeltaMetricsRepository(SparkSession spark, TableName table, Map<Analyzer<?, Metric<?>>, List<String>> checkIds,
                                  OptionalLong deltaVersion) {
        this.spark = spark;
        this.table = table;
        this.checkIds = Map.copyOf(checkIds);
        this.deltaVersion = deltaVersion;
    }

    /** A repository for reading only. */
    public DeltaMetricsRepository(SparkSession spark, TableName table) {
        this(spark, table, Map.of(), OptionalLong.empty());
    }

    /** A key for a run: the time, the table and the run id as tags. */
    public static ResultKey key(long timeMillis, Optional<String> table, String runId) {
        Map<String, String> tags = new LinkedHashMap<>();
        table.ifPresent(t -> tags.put(TAG_TABLE, t));
        tags.put(TAG_RUN, runId);
        return new ResultKey(timeMillis, immutable(tags));
    }

    /** Tags as Deequ takes them, for callers of {@link #load()} (tests and anomaly rules). */
    public static scala.collection.immutable.Map<String, String> immutableForTest(Map<String, String> tags) {
        return immutable(tags);
    }

    /** A Java map as Deequ's tags (an immutable Scala map). */
    public static scala.collection.immutable.Map<String, String> immutable(Map<String, String> map) {
        scala.collection.immutable.Map<String, String> m = scala.collection.immutable.Map$.MODULE$.empty();
        for (Map.Entry<String, String> e : map.entrySet()) {
            m = m.$plus(new scala.Tuple2<>(e.getKey(), e.getValue()));
        }
        return m;
    }

    @Override
    public void save(ResultKey key, AnalyzerContext context) {
        save(key, context, List.of());
    }

    /** Saves results of several runs in one commit (backfills, tests). */
    public void saveAll(List<AnalysisResult> results) {
        List<Row> rows = new ArrayList<>();
        for (AnalysisResult r : results) {
            rows.addAll(rows(r.resultKey(), r.analyzerContext(), List.of()));
        }
        append(spark, table, spark.createDataFrame(rows, SCHEMA), DOC);
    }

    /** Saves Deequ's metrics and, in the same commit, metrics Ingot computed itself (no Deequ result for those). */
    public void save(ResultKey key, AnalyzerContext context, List<dev.ingot.validation.MetricValue> extra) {
        append(spark, table, spark.createDataFrame(rows(key, context, extra), SCHEMA), DOC);
    }

    private List<Row> rows(ResultKey key, AnalyzerContext context, List<dev.ingot.validation.MetricValue> extra) {
        Map<String, String> tags = JavaConverters.mapAsJavaMap(key.tags());
        String runId = tags.getOrDefault(TAG_RUN, "");
        String tableName = tags.get(TAG_TABLE);
        Timestamp time = new Timestamp(key.dataSetDate());
        List<Row> rows = new ArrayList<>();
        scala.collection.Iterator<scala.Tuple2<Analyzer<?, Metric<?>>, Metric<?>>> it = context.metricMap().iterator();
        while (it.hasNext()) {
            scala.Tuple2<Analyzer<?, Metric<?>>, Metric<?>> e = it.next();
            Metric<?> m = e._2();
            Double value = m.value().isSuccess() && m.value().get() instanceof Number n ? n.doubleValue() : null;
            String json = serialize(key, e._1(), m);
            for (String id : checkIds.getOrDefault(e._1(), java.util.Collections.singletonList(null))) {
                String suite = id == null ? null : id.substring(0, id.lastIndexOf('#'));
                Integer index = id == null ? null : Integer.parseInt(id.substring(id.lastIndexOf('#') + 1));
                rows.add(RowFactory.create(runId, tableName, deltaVersion.isPresent() ? deltaVersion.getAsLong() : null,
                        suite, index, id, m.instance(), m.entity().toString(), m.name(), value, time, key.dataSetDate(),
                        immutable(tags), json));
            }
        }
        for (dev.ingot.validation.MetricValue v : extra) {
            String id = v.checkId();
            rows.add(RowFactory.create(runId, tableName, deltaVersion.isPresent() ? deltaVersion.getAsLong() : null,
                    id.substring(0, id.lastIndexOf('#')), Integer.parseInt(id.substring(id.lastIndexOf('#') + 1)), id,
                    v.instance(), v.entity(), v.name(), Double.isNaN(v.value()) ? null : v.value(), time, key.dataSetDate(),
                    immutable(tags), null));
        }
        return rows;
    }

    private static String serialize(ResultKey key, Analyzer<?, Metric<?>> analyzer, Metric<?> metric) {
        try {
            Map<Analyzer<?, Metric<?>>, Metric<?>> one = new HashMap<>();
            one.put(analyzer, metric);
            AnalyzerContext ctx = new AnalyzerContext(scalaMap(one));
            return AnalysisResultSerde.serialize(Scala.list(List.of(new AnalysisResult(key, ctx))));
        } catch (RuntimeException e) {
            return null; // an analyzer Deequ cannot serialize stays readable with SQL, not by Deequ
        }
    }

    static <K, V> scala.collection.immutable.Map<K, V> scalaMap(Map<K, V> map) {
        scala.collection.immutable.Map<K, V> m = scala.collection.immutable.Map$.MODULE$.empty();
        for (Map.Entry<K, V> e : map.entrySet()) {
            m = m.$plus(new scala.Tuple2<>(e.getKey(), e.getValue()));
        }
        return m;
    }

    /**
     * Appends to a Delta table, creating it on first use with {@code doc}'s comments and properties; new columns are
     * added rather than refused.
     */
    public static void append(SparkSession spark, TableName table, Dataset<Row> rows, TableDoc doc) {
        Catalog.appendDelta(rows, table, doc, Map.of("mergeSchema", "true"));
    }

    @Override
    public scala.Option<AnalyzerContext> loadByKey(ResultKey key) {
        List<AnalysisResult> found = read(Optional.empty(), Optional.empty(), Map.of()).stream()
                .filter(r -> r.resultKey().equals(key)).toList();
        return found.isEmpty() ? scala.Option.empty() : scala.Option.apply(found.get(0).analyzerContext());
    }

    @Override
    public MetricsRepositoryMultipleResultsLoader load() {
        return new Loader(Optional.empty(), Optional.empty(), Map.of(), Optional.empty());
    }

    /** Every stored result, one per run, with the filters of Deequ's loader. */
    List<AnalysisResult> read(Optional<Long> after, Optional<Long> before, Map<String, String> tagValues) {
        if (!Catalog.tableExists(spark, table)) {
            return List.of();
        }
        Dataset<Row> rows = spark.table(table.toString()).filter("deequ_result IS NOT NULL");
        if (after.isPresent()) {
            rows = rows.filter("dataset_date >= " + after.get());
        }
        if (before.isPresent()) {
            rows = rows.filter("dataset_date <= " + before.get());
        }
        for (Map.Entry<String, String> e : tagValues.entrySet()) {
            rows = rows.filter(org.apache.spark.sql.functions.element_at(rows.col("tags"), e.getKey())
                    .equalTo(e.getValue()));
        }
        // Merge the one-analyzer results of a run back into one result per key.
        Map<ResultKey, Map<Analyzer<?, Metric<?>>, Metric<?>>> byKey = new LinkedHashMap<>();
        for (Row r : rows.select("deequ_result", "dataset_date").distinct().orderBy("dataset_date").collectAsList()) {
            for (AnalysisResult a : Scala.java(AnalysisResultSerde.deserialize(r.getString(0)))) {
                Map<Analyzer<?, Metric<?>>, Metric<?>> metrics = byKey.computeIfAbsent(a.resultKey(), k -> new LinkedHashMap<>());
                metrics.putAll(JavaConverters.mapAsJavaMap(a.analyzerContext().metricMap()));
            }
        }
        List<AnalysisResult> out = new ArrayList<>();
        byKey.forEach((k, v) -> out.add(new AnalysisResult(k, new AnalyzerContext(scalaMap(v)))));
        return out;
    }

    /** Deequ's loader: filters, then {@link #read}. */
    private final class Loader implements MetricsRepositoryMultipleResultsLoader {
        private final Optional<Long> after;
        private final Optional<Long> before;
        private final Map<String, String> tags;
        private final Optional<List<Analyzer<?, Metric<?>>>> analyzers;

        Loader(Optional<Long> after, Optional<Long> before, Map<String, String> tags, Optional<List<Analyzer<?, Metric<?>>>> analyzers) {
            this.after = after;
            this.before = before;
            this.tags = tags;
            this.analyzers = analyzers;
        }

        @Override
        public MetricsRepositoryMultipleResultsLoader withTagValues(scala.collection.immutable.Map<String, String> tagValues) {
            return new Loader(after, before, Map.copyOf(JavaConverters.mapAsJavaMap(tagValues)), analyzers);
        }

        @Override
        public MetricsRepositoryMultipleResultsLoader forAnalyzers(scala.collection.Seq<Analyzer<?, Metric<?>>> list) {
            return new Loader(after, before, tags, Optional.of(List.copyOf(Scala.java(list))));
        }

        @Override
        public MetricsRepositoryMultipleResultsLoader after(long dateTime) {
            return new Loader(Optional.of(dateTime), before, tags, analyzers);
        }

        @Override
        public MetricsRepositoryMultipleResultsLoader before(long dateTime) {
            return new Loader(after, Optional.of(dateTime), tags, analyzers);
        }

        @Override
        public scala.collection.Seq<AnalysisResult> get() {
            List<AnalysisResult> results = read(after, before, tags);
            if (analyzers.isPresent()) {
                List<AnalysisResult> filtered = new ArrayList<>();
                for (AnalysisResult r : results) {
                    Map<Analyzer<?, Metric<?>>, Metric<?>> kept = new LinkedHashMap<>(JavaConverters.mapAsJavaMap(r.analyzerContext().metricMap()));
                    kept.keySet().retainAll(analyzers.get());
                    filtered.add(new AnalysisResult(r.resultKey(), new AnalyzerContext(scalaMap(kept))));
                }
                results = filtered;
            }
            return Scala.list(results);
        }
    }
}
