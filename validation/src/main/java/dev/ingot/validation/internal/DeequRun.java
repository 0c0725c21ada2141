package dev.ingot.validation.internal;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.Compliance;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.analyzers.runners.AnalysisRunner;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.metrics.Metric;
import dev.ingot.core.config.CheckDef;
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
 * <p>With row-level checks that quarantine, the same shared scan computes the quarantining checks' metrics over every
 * row, how many rows fail each of them and any of them, and the other checks' metrics over the rows that pass them
 * all (Deequ's {@code where}). The split into published and quarantined rows ({@link #FAILED} lists the checks a
 * quarantined row fails) reads the input again when it is written; a non-deterministic input is persisted first so
 * that the split matches the metrics.
 */
public final class DeequRun implements AutoCloseable {
    /** The column of check ids a row fails, in annotated and quarantined data. */
    public static final String FAILED = "_ingot_failed_checks";
    /** Whether a row passes every quarantining check, while the metrics are computed. */
    private static final String CLEAN = "_ingot_clean";

    private final List<CheckResult> results;
    private final List<MetricValue> metrics;
    private final List<MetricValue> extraMetrics;
    private final AnalyzerContext context;
    private final Map<Analyzer<?, Metric<?>>, List<String>> checkIds;
    private final long rows;
    private final long quarantinedRows;
    private final Dataset<Row> input;
    private final Optional<String> clean;
    private final Optional<String> failedExpr;
    private final Optional<Dataset<Row>> cached;

    private DeequRun(List<CheckResult> results, List<MetricValue> metrics, List<MetricValue> extraMetrics, AnalyzerContext context,
                     Map<Analyzer<?, Metric<?>>, List<String>> checkIds, long rows, long quarantinedRows,
                     Dataset<Row> input, Optional<String> clean, Optional<String> failedExpr,
                     Optional<Dataset<Row>> cached) {
        this.results = results;
        this.metrics = metrics;
        this.extraMetrics = extraMetrics;
        this.context = context;
        this.checkIds = checkIds;
        this.rows = rows;
        this.quarantinedRows = quarantinedRows;
        this.input = input;
        this.clean = clean;
        this.failedExpr = failedExpr;
        this.cached = cached;
    }

    /** Runs the suites; the caller has already checked them with {@link Preflight}. */
    public static DeequRun run(Dataset<Row> data, List<CheckSuiteDef> suites, RunContext cx) {
        List<CheckPlan> plans = CheckPlan.of(suites);
        List<CheckPlan> quarantining = plans.stream().filter(CheckPlan::quarantines).toList();
        List<CheckPlan> rest = plans.stream().filter(p -> !p.quarantines()).toList();
        Analyzer<?, Metric<?>> size = cast(new Size(Scala.none()));
        if (quarantining.isEmpty()) {
            AnalyzerContext ctx = rest.isEmpty() ? AnalyzerContext.empty() : analyze(data, analyzers(rest), size);
            long rows = count(ctx, size);
            List<CheckResult> results = new ArrayList<>();
            List<MetricValue> extra = new ArrayList<>();
            for (CheckPlan p : plans) {
                results.add(decide(p, ctx, data, rows, cx, extra));
            }
            Map<Analyzer<?, Metric<?>>, Metric<?>> kept = new LinkedHashMap<>();
            metric(ctx, Optional.of(size)).ifPresent(m -> kept.put(size, m));
            for (CheckPlan p : rest) {
                metric(ctx, p.analyzer()).ifPresent(m -> kept.putIfAbsent(p.analyzer().orElseThrow(), m));
            }
            return finish(plans, results, kept, extra, rows, 0, data, Optional.empty(), Optional.empty(), Optional.empty());
        }

        // Quarantine in the same scan as the metrics: a row is clean when it passes every quarantining check. One
        // Deequ aggregation computes the quarantining checks' metrics over every row, the failing rows per check
        // and overall, and the other checks' metrics over the clean rows only (Deequ's own 'where' filter). Grouping
        // analyzers (uniqueness, distinct count) group the clean rows, as they would group any data. The split is
        // made when the rows are written: the input is read again, so a non-deterministic input is persisted first.
        // Each distinct row condition is evaluated once per row, into a boolean column that the analyzers read: the
        // conditions can be costly (patterns) and an aggregation evaluates each filter of each analyzer on its own.
        Map<String, String> flags = new LinkedHashMap<>();
        for (CheckPlan p : quarantining) {
            flags.computeIfAbsent(p.rowCondition().orElseThrow(), c -> "_ingot_ok_" + flags.size());
        }
        String clean = String.join(" AND ", flags.keySet());
        String failedExpr = "filter(array(" + quarantining.stream()
                .map(p -> "IF(" + p.rowCondition().orElseThrow() + ", NULL, '" + p.checkId() + "')")
                .collect(Collectors.joining(", ")) + "), x -> x IS NOT NULL)";
        Optional<Dataset<Row>> cached = data.queryExecution().analyzed().deterministic() ? Optional.empty()
                : Optional.of(data.persist(StorageLevel.MEMORY_AND_DISK()));
        Dataset<Row> input = cached.orElse(data);
        List<org.apache.spark.sql.Column> projection = new ArrayList<>();
        projection.add(functions.col("*"));
        flags.forEach((cond, name) -> projection.add(functions.expr(cond).as(name)));
        Dataset<Row> flagged = input.select(projection.toArray(org.apache.spark.sql.Column[]::new))
                .withColumn(CLEAN, functions.expr(String.join(" AND ", flags.values())));
        try {
            Analyzer<?, Metric<?>> cleanRows = cast(new Compliance("rows without quarantined checks", CLEAN,
                    Scala.none(), Scala.list(List.of()), Scala.none()));
            Map<String, Analyzer<?, Metric<?>>> perCheck = new LinkedHashMap<>();
            for (CheckPlan p : quarantining) {
                perCheck.put(p.checkId(), cast(new Compliance("rows passing " + p.rowCondition().orElseThrow(),
                        flags.get(p.rowCondition().orElseThrow()), Scala.none(), Scala.list(List.of()), Scala.none())));
            }
            Map<CheckPlan, Analyzer<?, Metric<?>>> filtered = new LinkedHashMap<>();
            List<CheckPlan> grouping = new ArrayList<>();
            for (CheckPlan p : rest) {
                if (p.grouping()) {
                    grouping.add(p);
                } else {
                    p.analyzerWhere(CLEAN).ifPresent(a -> filtered.put(p, a));
                }
            }
            List<Analyzer<?, Metric<?>>> shared = new ArrayList<>(analyzers(quarantining));
            shared.add(cleanRows);
            shared.addAll(perCheck.values());
            shared.addAll(filtered.values());
            AnalyzerContext all = analyze(flagged, shared, size);
            Dataset<Row> good = input.filter(clean);
            AnalyzerContext grouped = grouping.isEmpty() ? AnalyzerContext.empty()
                    : analyze(good, analyzers(grouping), size);
            long rows = count(all, size);
            long quarantined = failing(all, cleanRows, rows);
            long goodRows = rows - quarantined;

            // The other checks' metrics, under their own (unfiltered) analyzers: they describe the rows published.
            Map<Analyzer<?, Metric<?>>, Metric<?>> restMetrics = new LinkedHashMap<>();
            filtered.forEach((p, a) -> metric(all, Optional.of(a)).ifPresent(m -> restMetrics.putIfAbsent(p.analyzer().orElseThrow(), m)));
            for (CheckPlan p : grouping) {
                metric(grouped, p.analyzer()).ifPresent(m -> restMetrics.putIfAbsent(p.analyzer().orElseThrow(), m));
            }
            AnalyzerContext ctxRest = context(restMetrics);

            List<CheckResult> results = new ArrayList<>();
            List<MetricValue> extra = new ArrayList<>();
            for (CheckPlan p : plans) {
                if (p.quarantines()) {
                    results.add(Verdict.bounds(p, metric(all, p.analyzer()), rows,
                            OptionalLong.of(failing(all, perCheck.get(p.checkId()), rows))));
                } else {
                    results.add(decide(p, ctxRest, good, goodRows, cx, extra));
                }
            }
            // The history keeps the checks' own metrics and the size of the whole input, not the internal counts.
            Map<Analyzer<?, Metric<?>>, Metric<?>> kept = new LinkedHashMap<>();
            for (CheckPlan p : quarantining) {
                metric(all, p.analyzer()).ifPresent(m -> kept.put(p.analyzer().orElseThrow(), m));
            }
            metric(all, Optional.of(size)).ifPresent(m -> kept.put(size, m));
            restMetrics.forEach(kept::putIfAbsent);
            return finish(plans, results, kept, extra, rows, quarantined, input, Optional.of(clean),
                    Optional.of(failedExpr), cached);
        } catch (RuntimeException e) {
            cached.ifPresent(Dataset::unpersist);
            throw e;
        }
    }

    /**
     * Decides a check that does not quarantine, from its metric over {@code data} ({@code rows} rows): an anomaly check
     * against its history, a drift check against its reference (its distances join the metrics), any other against
     * its bound.
     */
    private static CheckResult decide(CheckPlan p, AnalyzerContext ctx, Dataset<Row> data, long rows, RunContext cx,
                                      List<MetricValue> extra) {
        Optional<Metric<?>> metric = metric(ctx, p.analyzer());
        if (p.check() instanceof CheckDef.Anomaly a) {
            Anomalies.Judgement j = Anomalies.judge(a.rule(), p.analyzer().orElseThrow(), metric, cx);
            return Verdict.anomaly(p, metric, j.history(), j.anomalous());
        }
        if (p.check() instanceof CheckDef.Drift d) {
            Drift.Measured m = Drift.measure(d.column(), d.rule(), data, cx);
            m.distance().ifPresent(x -> {
                extra.add(new MetricValue(p.checkId(), "Column", d.column(), "PSI", x.psi()));
                extra.add(new MetricValue(p.checkId(), "Column", d.column(), "KS", x.ks()));
            });
            return Verdict.drift(p, m.distance(), m.reference());
        }
        return Verdict.bounds(p, metric, rows, OptionalLong.empty());
    }

    private static DeequRun finish(List<CheckPlan> plans, List<CheckResult> results,
                                   Map<Analyzer<?, Metric<?>>, Metric<?>> kept, List<MetricValue> extra, long rows,
                                   long quarantined, Dataset<Row> input, Optional<String> clean,
                                   Optional<String> failedExpr, Optional<Dataset<Row>> cached) {
        AnalyzerContext ctx = context(kept);
        List<MetricValue> metrics = new ArrayList<>(metricValues(plans, ctx));
        metrics.addAll(extra);
        return new DeequRun(results, metrics, extra, ctx, ids(plans), rows, quarantined, input, clean, failedExpr, cached);
    }

    private static List<Analyzer<?, Metric<?>>> analyzers(List<CheckPlan> plans) {
        return plans.stream().flatMap(p -> p.analyzer().stream()).toList();
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
     * Runs analyzers over data: every scan-shareable one in one code-generated aggregation ({@link SharedScan#run}),
     * uniqueness and distinct counts in one grouping job per set of columns ({@link SharedScan#grouped}), anything
     * else with Deequ's runner.
     */
    private static AnalyzerContext analyze(Dataset<Row> data, List<Analyzer<?, Metric<?>>> analyzers, Analyzer<?, Metric<?>> size) {
        LinkedHashSet<Analyzer<?, Metric<?>>> all = new LinkedHashSet<>(analyzers);
        all.add(size);
        List<Analyzer<?, Metric<?>>> shared = all.stream().filter(SharedScan::supports).toList();
        List<Analyzer<?, Metric<?>>> grouped = all.stream().filter(SharedScan::supportsGrouped).toList();
        List<Analyzer<?, Metric<?>>> rest = all.stream().filter(a -> !SharedScan.supports(a) && !SharedScan.supportsGrouped(a)).toList();
        Map<Analyzer<?, Metric<?>>, Metric<?>> merged = new LinkedHashMap<>(SharedScan.run(data, shared));
        merged.putAll(SharedScan.grouped(data, grouped));
        if (!rest.isEmpty()) {
            AnalyzerContext others = AnalysisRunner.onData(data).addAnalyzers(Scala.list(rest)).run();
            merged.putAll(scala.collection.JavaConverters.mapAsJavaMap(others.metricMap()));
        }
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

    /** Rows to publish: those failing no quarantining check (all of {@code data} when nothing quarantines). */
    public Dataset<Row> published(Dataset<Row> data) {
        return clean.map(c -> input.filter(c)).orElse(data);
    }

    /** Rows to quarantine, with {@link #FAILED}; empty when nothing quarantines. */
    public Optional<Dataset<Row>> quarantined() {
        return clean.map(c -> input.filter("NOT (" + c + ")").withColumn(FAILED, functions.expr(failedExpr.orElseThrow())));
    }

    /** Releases the input when it had to be persisted (a non-deterministic plan). */
    @Override
    public void close() {
        cached.ifPresent(Dataset::unpersist);
    }
}
