package dev.ingot.validation.internal;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.Compliance;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.analyzers.runners.AnalysisRunner;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.metrics.Metric;
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
    private final AnalyzerContext context;
    private final Map<Analyzer<?, Metric<?>>, List<String>> checkIds;
    private final long rows;
    private final long quarantinedRows;
    private final Optional<Dataset<Row>> annotated;

    private DeequRun(List<CheckPlan> plans, List<CheckResult> results, List<MetricValue> metrics, AnalyzerContext context,
                     Map<Analyzer<?, Metric<?>>, List<String>> checkIds, long rows, long quarantinedRows,
                     Optional<Dataset<Row>> annotated) {
        this.results = results;
        this.metrics = metrics;
        this.context = context;
        this.checkIds = checkIds;
        this.rows = rows;
        this.quarantinedRows = quarantinedRows;
        this.annotated = annotated;
    }

    /** Runs the suites; the caller has already checked them with {@link Preflight}. */
    public static DeequRun run(Dataset<Row> data, List<CheckSuiteDef> suites) {
        List<CheckPlan> plans = CheckPlan.of(suites);
        List<CheckPlan> quarantining = plans.stream().filter(CheckPlan::quarantines).toList();
        Analyzer<?, Metric<?>> size = cast(new Size(Scala.none()));
        if (quarantining.isEmpty()) {
            AnalyzerContext ctx = analyze(data, plans.stream().map(CheckPlan::analyzer).toList(), size);
            long rows = count(ctx, size);
            List<CheckResult> results = plans.stream()
                    .map(p -> p.evaluate(metric(ctx, p.analyzer()), rows, OptionalLong.empty())).toList();
            return new DeequRun(plans, results, metricValues(plans, ctx), ctx, ids(plans), rows, 0, Optional.empty());
        }

        String failed = "filter(array(" + quarantining.stream()
                .map(p -> "IF(" + p.rowCondition().orElseThrow() + ", NULL, '" + p.checkId() + "')")
                .collect(Collectors.joining(", ")) + "), x -> x IS NOT NULL)";
        Dataset<Row> annotated = data.withColumn(FAILED, functions.expr(failed)).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Analyzer<?, Metric<?>> clean = cast(new Compliance("rows without quarantined checks", "size(" + FAILED + ") = 0",
                    Scala.none(), Scala.list(List.of()), Scala.none()));
            Map<String, Analyzer<?, Metric<?>>> perCheck = new LinkedHashMap<>();
            for (CheckPlan p : quarantining) {
                perCheck.put(p.checkId(), cast(new Compliance("rows passing " + p.checkId(),
                        "NOT array_contains(" + FAILED + ", '" + p.checkId() + "')", Scala.none(), Scala.list(List.of()),
                        Scala.none())));
            }
            List<Analyzer<?, Metric<?>>> first = new ArrayList<>(quarantining.stream().map(CheckPlan::analyzer).toList());
            first.add(clean);
            first.addAll(perCheck.values());
            AnalyzerContext ctx1 = analyze(annotated, first, size);
            long rows = count(ctx1, size);
            long quarantined = failing(ctx1, clean, rows);

            List<CheckPlan> rest = plans.stream().filter(p -> !p.quarantines()).toList();
            Dataset<Row> good = annotated.filter("size(" + FAILED + ") = 0");
            AnalyzerContext ctx2 = rest.isEmpty() ? AnalyzerContext.empty()
                    : analyze(good, rest.stream().map(CheckPlan::analyzer).toList(), size);
            long goodRows = rows - quarantined;
            List<CheckResult> results = plans.stream().map(p -> p.quarantines()
                    ? p.evaluate(metric(ctx1, p.analyzer()), rows, OptionalLong.of(failing(ctx1, perCheck.get(p.checkId()), rows)))
                    : p.evaluate(metric(ctx2, p.analyzer()), goodRows, OptionalLong.empty())).toList();
            // The history keeps the checks' own metrics and the size of the whole input, not the internal counts.
            Map<Analyzer<?, Metric<?>>, Metric<?>> kept = new LinkedHashMap<>();
            for (CheckPlan p : quarantining) {
                metric(ctx1, p.analyzer()).ifPresent(m -> kept.put(p.analyzer(), m));
            }
            metric(ctx1, size).ifPresent(m -> kept.put(size, m));
            for (CheckPlan p : rest) {
                metric(ctx2, p.analyzer()).ifPresent(m -> kept.putIfAbsent(p.analyzer(), m));
            }
            AnalyzerContext ctx = context(kept);
            return new DeequRun(plans, results, metricValues(plans, ctx), ctx, ids(plans), rows, quarantined,
                    Optional.of(annotated));
        } catch (RuntimeException e) {
            annotated.unpersist();
            throw e;
        }
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

    private static AnalyzerContext analyze(Dataset<Row> data, List<Analyzer<?, Metric<?>>> analyzers, Analyzer<?, Metric<?>> size) {
        LinkedHashSet<Analyzer<?, Metric<?>>> all = new LinkedHashSet<>(analyzers);
        all.add(size);
        return AnalysisRunner.onData(data).addAnalyzers(Scala.list(new ArrayList<>(all))).run();
    }

    private static Optional<Metric<?>> metric(AnalyzerContext ctx, Analyzer<?, Metric<?>> analyzer) {
        scala.Option<Metric<?>> m = ctx.metricMap().get(analyzer);
        return m.isDefined() ? Optional.of(m.get()) : Optional.empty();
    }

    private static double value(AnalyzerContext ctx, Analyzer<?, Metric<?>> analyzer) {
        Metric<?> m = metric(ctx, analyzer).orElseThrow(() -> new IllegalStateException("no metric for " + analyzer));
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
            ids.computeIfAbsent(p.analyzer(), a -> new ArrayList<>()).add(p.checkId());
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
