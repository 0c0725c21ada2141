package dev.ingot.validation.internal;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.ApproxQuantile;
import com.amazon.deequ.analyzers.Compliance;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.analyzers.runners.AnalysisRunner;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.metrics.Metric;
import dev.ingot.core.Catalog;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.validation.CheckResult;
import dev.ingot.validation.MetricValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Runs suites over data with Deequ: every check's analyzer in one shared scan.
 *
 * <p>With row-level checks that quarantine, the data is first annotated with one projection that adds
 * {@link #FAILED}, the ids of the quarantining checks each row fails, and persisted: that single read of the input
 * feeds the metrics of the quarantining checks and the quarantine counts (pass 1, over every row), the metrics of
 * the other checks (pass 2, over the rows to publish, read from the cache) and the split into published and
 * quarantined rows.
 */
public final class DeequRun implements AutoCloseable {
    /** The column of check ids a row fails, in annotated and quarantined data. */
    public static final String FAILED = "_ingot_failed_checks";

    private final List<CheckResult> results;
    private final List<MetricValue> metrics;
    private final List<MetricValue> extraMetrics;
    private final AnalyzerContext context;
    private final Map<Analyzer<?, Metric<?>>, List<String>> checkIds;
    private final long rows;
    private final long quarantinedRows;
    private final Optional<Dataset<Row>> annotated;

    private DeequRun(List<CheckResult> results, List<MetricValue> metrics, List<MetricValue> extraMetrics, AnalyzerContext context,
                     Map<Analyzer<?, Metric<?>>, List<String>> checkIds, long rows, long quarantinedRows,
                     Optional<Dataset<Row>> annotated) {
        this.results = results;
        this.metrics = metrics;
        this.extraMetrics = extraMetrics;
        this.context = context;
        this.checkIds = checkIds;
        this.rows = rows;
        this.quarantinedRows = quarantinedRows;
        this.annotated = annotated;
    }

    /**
     * Where the data comes from, for history and references.
     *
     * @param spark the session
     * @param table the table validated, or the target of a candidate
     * @param deltaVersion the table's Delta version (for a candidate: the target's before publishing; -1 when none)
     * @param candidate whether the data is rows about to be published to {@code table} rather than the table itself
     * @param timeMillis the run's time
     * @param metricsTable where metric history lives
     */
    public record Context(SparkSession spark, Optional<TableName> table, OptionalLong deltaVersion, boolean candidate,
                          long timeMillis, TableName metricsTable) {}

    /** Runs the suites; the caller has already checked them with {@link Preflight}. */
    public static DeequRun run(Dataset<Row> data, List<CheckSuiteDef> suites, Context cx) {
        List<CheckPlan> plans = CheckPlan.of(suites);
        List<CheckPlan> quarantining = plans.stream().filter(CheckPlan::quarantines).toList();
        List<CheckPlan> rest = plans.stream().filter(p -> !p.quarantines()).toList();
        Analyzer<?, Metric<?>> size = cast(new Size(Scala.none()));
        Optional<Dataset<Row>> annotated = Optional.empty();
        try {
            AnalyzerContext ctx1 = AnalyzerContext.empty();
            Map<String, Analyzer<?, Metric<?>>> perCheck = new LinkedHashMap<>();
            Dataset<Row> good = data;
            long rows;
            long quarantined = 0;
            if (!quarantining.isEmpty()) {
                String failed = "filter(array(" + quarantining.stream()
                        .map(p -> "IF(" + p.rowCondition().orElseThrow() + ", NULL, '" + p.checkId() + "')")
                        .collect(Collectors.joining(", ")) + "), x -> x IS NOT NULL)";
                annotated = Optional.of(data.withColumn(FAILED, functions.expr(failed)).persist(StorageLevel.MEMORY_AND_DISK()));
                Analyzer<?, Metric<?>> clean = cast(new Compliance("rows without quarantined checks", "size(" + FAILED + ") = 0",
                        Scala.none(), Scala.list(List.of()), Scala.none()));
                for (CheckPlan p : quarantining) {
                    perCheck.put(p.checkId(), cast(new Compliance("rows passing " + p.checkId(),
                            "NOT array_contains(" + FAILED + ", '" + p.checkId() + "')", Scala.none(), Scala.list(List.of()),
                            Scala.none())));
                }
                List<Analyzer<?, Metric<?>>> first = new ArrayList<>(analyzers(quarantining));
                first.add(clean);
                first.addAll(perCheck.values());
                ctx1 = analyze(annotated.get(), first, size);
                rows = count(ctx1, size);
                quarantined = failing(ctx1, clean, rows);
                good = annotated.get().filter("size(" + FAILED + ") = 0");
            } else {
                rows = -1;
            }
            AnalyzerContext ctx2 = rest.isEmpty() || (!quarantining.isEmpty() && analyzers(rest).isEmpty())
                    ? AnalyzerContext.empty() : analyze(good, analyzers(rest), size);
            if (quarantining.isEmpty()) {
                rows = count(ctx2, size);
            }
            long goodRows = rows - quarantined;

            List<CheckResult> results = new ArrayList<>();
            List<MetricValue> extra = new ArrayList<>();
            for (CheckPlan p : plans) {
                if (p.quarantines()) {
                    results.add(p.evaluate(metric(ctx1, p.analyzer()), rows,
                            OptionalLong.of(failing(ctx1, perCheck.get(p.checkId()), rows))));
                } else if (p.check().kind() == CheckSuiteDef.Kind.ANOMALY) {
                    results.add(Anomalies.decide(p, metric(ctx2, p.analyzer()), cx));
                } else if (p.check().kind() == CheckSuiteDef.Kind.DRIFT) {
                    results.add(drift(p, good, cx, extra));
                } else {
                    results.add(p.evaluate(metric(ctx2, p.analyzer()), goodRows, OptionalLong.empty()));
                }
            }
            // The history keeps the checks' own metrics and the size of the whole input, not the internal counts.
            Map<Analyzer<?, Metric<?>>, Metric<?>> kept = new LinkedHashMap<>();
            for (CheckPlan p : quarantining) {
                metric(ctx1, p.analyzer()).ifPresent(m -> kept.put(p.analyzer().orElseThrow(), m));
            }
            metric(quarantining.isEmpty() ? ctx2 : ctx1, Optional.of(size)).ifPresent(m -> kept.put(size, m));
            for (CheckPlan p : rest) {
                metric(ctx2, p.analyzer()).ifPresent(m -> kept.putIfAbsent(p.analyzer().orElseThrow(), m));
            }
            AnalyzerContext ctx = context(kept);
            List<MetricValue> metrics = new ArrayList<>(metricValues(plans, ctx));
            metrics.addAll(extra);
            return new DeequRun(results, metrics, extra, ctx, ids(plans), rows, quarantined, annotated);
        } catch (RuntimeException e) {
            annotated.ifPresent(Dataset::unpersist);
            throw e;
        }
    }

    private static List<Analyzer<?, Metric<?>>> analyzers(List<CheckPlan> plans) {
        return plans.stream().flatMap(p -> p.analyzer().stream()).toList();
    }

    private static CheckResult drift(CheckPlan p, Dataset<Row> data, Context cx, List<MetricValue> extra) {
        CheckSuiteDef.DriftDef rule = p.check().drift().orElseThrow();
        String column = p.check().columns().get(0);
        Optional<Dataset<Row>> reference;
        String name;
        if (rule.reference().isPresent()) {
            name = rule.reference().get().toString();
            reference = Optional.of(cx.spark().table(name));
        } else if (cx.table().isPresent() && cx.candidate()) {
            name = cx.table().get() + " (current rows)";
            reference = Catalog.tableExists(cx.spark(), cx.table().get())
                    ? Optional.of(cx.spark().table(cx.table().get().toString())) : Optional.empty();
        } else if (cx.table().isPresent() && cx.deltaVersion().orElse(-1) > 0) {
            long previous = cx.deltaVersion().getAsLong() - 1;
            name = cx.table().get() + " version " + previous;
            reference = Optional.of(cx.spark().sql("SELECT * FROM " + cx.table().get().sql() + " VERSION AS OF " + previous));
        } else {
            name = "no previous version";
            reference = Optional.empty();
        }
        Optional<Drift.Distance> d = Optional.empty();
        if (reference.isPresent()) {
            try {
                d = Optional.of(Drift.between(reference.get(), data, column, rule.bins()));
            } catch (IllegalArgumentException e) {
                name = name + ": " + e.getMessage();
            }
        }
        d.ifPresent(x -> {
            extra.add(new MetricValue(p.checkId(), "Column", column, "PSI", x.psi()));
            extra.add(new MetricValue(p.checkId(), "Column", column, "KS", x.ks()));
        });
        return p.driftResult(d, name);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Analyzer<?, Metric<?>> cast(Object analyzer) {
        return (Analyzer) analyzer;
    }

    private static AnalyzerContext context(Map<Analyzer<?, Metric<?>>, Metric<?>> metrics) {
        scala.collection.immutable.Map<Analyzer<?, Metric<?>>, Metric<?>> m = scala.collection.immutable.Map$.MODULE$.empty();
        for (Map.Entry<Analyzer<?, Metric<?>>, Metric<?>> e : metrics.entrySet()) {
            m = m.$plus(new scala.Tuple2<>(e.getKey(), e.getValue()));
        }
        return new AnalyzerContext(m);
    }

    /**
     * Runs analyzers over data. Approximate quantiles are run in a scan of their own: their aggregate is a typed
     * imperative one, which would turn Deequ's shared aggregation of every other metric into an interpreted
     * object-hash aggregation, several times slower than the code-generated one (measured: ValidationBenchmark).
     */
    private static AnalyzerContext analyze(Dataset<Row> data, List<Analyzer<?, Metric<?>>> analyzers, Analyzer<?, Metric<?>> size) {
        LinkedHashSet<Analyzer<?, Metric<?>>> all = new LinkedHashSet<>(analyzers);
        all.add(size);
        List<Analyzer<?, Metric<?>>> quantiles = all.stream().filter(a -> (Object) a instanceof ApproxQuantile).toList();
        List<Analyzer<?, Metric<?>>> rest = all.stream().filter(a -> !((Object) a instanceof ApproxQuantile)).toList();
        AnalyzerContext main = AnalysisRunner.onData(data).addAnalyzers(Scala.list(rest)).run();
        if (quantiles.isEmpty()) {
            return main;
        }
        AnalyzerContext q = AnalysisRunner.onData(data).addAnalyzers(Scala.list(quantiles)).run();
        Map<Analyzer<?, Metric<?>>, Metric<?>> merged = new LinkedHashMap<>(scala.collection.JavaConverters.mapAsJavaMap(main.metricMap()));
        merged.putAll(scala.collection.JavaConverters.mapAsJavaMap(q.metricMap()));
        return context(merged);
    }

    private static Optional<Metric<?>> metric(AnalyzerContext ctx, Optional<Analyzer<?, Metric<?>>> analyzer) {
        if (analyzer.isEmpty()) {
            return Optional.empty();
        }
        scala.Option<Metric<?>> m = ctx.metricMap().get(analyzer.get());
        return m.isDefined() ? Optional.of(m.get()) : Optional.empty();
    }

    private static double value(AnalyzerContext ctx, Analyzer<?, Metric<?>> analyzer) {
        Metric<?> m = metric(ctx, Optional.of(analyzer)).orElseThrow(() -> new IllegalStateException("no metric for " + analyzer));
        if (m.value().isFailure()) {
            throw new IllegalStateException("Deequ could not compute " + analyzer, m.value().failed().get());
        }
        return ((Number) m.value().get()).doubleValue();
    }

    private static long count(AnalyzerContext ctx, Analyzer<?, Metric<?>> size) {
        return Math.round(value(ctx, size));
    }

    private static long failing(AnalyzerContext ctx, Analyzer<?, Metric<?>> compliance, long rows) {
        if (rows == 0) {
            return 0;
        }
        return Math.round((1 - value(ctx, compliance)) * rows);
    }

    private static Map<Analyzer<?, Metric<?>>, List<String>> ids(List<CheckPlan> plans) {
        Map<Analyzer<?, Metric<?>>, List<String>> ids = new LinkedHashMap<>();
        for (CheckPlan p : plans) {
            p.analyzer().ifPresent(an -> ids.computeIfAbsent(an, a -> new ArrayList<>()).add(p.checkId()));
        }
        return ids;
    }

    private static List<MetricValue> metricValues(List<CheckPlan> plans, AnalyzerContext ctx) {
        List<MetricValue> out = new ArrayList<>();
        Map<Analyzer<?, Metric<?>>, List<String>> ids = ids(plans);
        scala.collection.Iterator<scala.Tuple2<Analyzer<?, Metric<?>>, Metric<?>>> it = ctx.metricMap().iterator();
        while (it.hasNext()) {
            scala.Tuple2<Analyzer<?, Metric<?>>, Metric<?>> e = it.next();
            Metric<?> m = e._2();
            double v = m.value().isSuccess() && m.value().get() instanceof Number n ? n.doubleValue() : Double.NaN;
            for (String id : ids.getOrDefault(e._1(), List.of(""))) {
                out.add(new MetricValue(id, m.entity().toString(), m.instance(), m.name(), v));
            }
        }
        return out;
    }

    /** One result per check, in suite and check order. */
    public List<CheckResult> results() {
        return results;
    }

    /** Every metric kept for the history, one per check that uses it (and the size, with no check). */
    public List<MetricValue> metrics() {
        return metrics;
    }

    /** Metrics Ingot computes itself (drift), which Deequ's context does not hold. */
    public List<MetricValue> extraMetrics() {
        return extraMetrics;
    }

    /** The same metrics as Deequ holds them, for a {@link com.amazon.deequ.repository.MetricsRepository}. */
    public AnalyzerContext context() {
        return context;
    }

    /** The checks each analyzer of {@link #context()} was computed for. */
    public Map<Analyzer<?, Metric<?>>, List<String>> checkIds() {
        return checkIds;
    }

    /** Rows of the input. */
    public long rows() {
        return rows;
    }

    /** Rows failing a quarantining check. */
    public long quarantinedRows() {
        return quarantinedRows;
    }

    /** The persisted input with {@link #FAILED}, when there are quarantining checks. */
    public Optional<Dataset<Row>> annotated() {
        return annotated;
    }

    /** Rows to publish: those failing no quarantining check, without {@link #FAILED}. */
    public Dataset<Row> published(Dataset<Row> input) {
        return annotated.map(a -> a.filter("size(" + FAILED + ") = 0").drop(FAILED)).orElse(input);
    }

    /** Rows to quarantine, with {@link #FAILED}; empty when nothing quarantines. */
    public Optional<Dataset<Row>> quarantined() {
        return annotated.map(a -> a.filter("size(" + FAILED + ") > 0"));
    }

    /** Releases the cached annotated input. */
    @Override
    public void close() {
        annotated.ifPresent(Dataset::unpersist);
    }
}
