package dev.ingot.validation.internal;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.ApproxQuantile;
import com.amazon.deequ.analyzers.Completeness;
import com.amazon.deequ.analyzers.Compliance;
import com.amazon.deequ.analyzers.CountDistinct;
import com.amazon.deequ.analyzers.Maximum;
import com.amazon.deequ.analyzers.Mean;
import com.amazon.deequ.analyzers.Minimum;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.analyzers.StandardDeviation;
import com.amazon.deequ.analyzers.Uniqueness;
import com.amazon.deequ.metrics.Metric;
import dev.ingot.core.Catalog;
import dev.ingot.core.config.CheckDef;
import dev.ingot.core.config.CheckSuiteDef;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import scala.Option;

/**
 * One Ingot check turned into what is measured: one Deequ analyzer, a row condition when the check can be decided
 * row by row, the bound its metric is held to, and the column type it needs. The only place that tells the kinds of
 * check apart; {@link Verdict} decides the measured value against the plan.
 *
 * <p>Ingot evaluates the bounds itself instead of chaining Deequ {@code Check} constraints: each check keeps its own
 * analyzer (Deequ still shares one scan between all of them and de-duplicates equal analyzers), the result maps back
 * to the check by construction, no Scala function crosses from Java, and a suite of hundreds of checks is a flat
 * list rather than a deep chain of immutable {@code Check} copies.
 */
public final class CheckPlan {
    /** Deequ's default relative error for approximate quantiles. */
    static final double QUANTILE_RELATIVE_ERROR = 0.01;

    /** The type of column a check needs. */
    enum ColumnType { ANY, NUMERIC, STRING }

    /**
     * What a kind of check measures.
     *
     * @param analyzer the Deequ analyzer of its metric, restricted to the rows matching a condition (Deequ's
     *     {@code where}); null for drift, which Ingot computes itself
     * @param rowCondition a SQL condition true for a row that passes, for kinds decided per row
     * @param bound what the metric is held to; null for anomaly and drift checks, which have rules of their own
     * @param subject what is measured, for messages (without the columns)
     * @param columnType the type its columns need
     */
    private record Spec(Function<Option<String>, Object> analyzer, Optional<String> rowCondition, Verdict.Bound bound,
                        String subject, ColumnType columnType) {}

    private final CheckSuiteDef suite;
    private final int index;
    private final CheckDef check;
    private final Spec spec;
    private final Optional<Analyzer<?, Metric<?>>> analyzer;

    CheckPlan(CheckSuiteDef suite, int index) {
        this.suite = suite;
        this.index = index;
        this.check = suite.checks().get(index);
        this.spec = spec(check);
        this.analyzer = analyzer(Option.empty());
    }

    /** {@code checks/<suite>.yaml}. */
    public static String suiteFile(CheckSuiteDef suite) {
        return suite.file();
    }

    CheckSuiteDef suite() {
        return suite;
    }

    int index() {
        return index;
    }

    CheckDef check() {
        return check;
    }

    String checkId() {
        return suite.name() + "#" + index;
    }

    /** The Deequ analyzer of the check's metric; empty for drift checks, which Ingot computes itself. */
    Optional<Analyzer<?, Metric<?>>> analyzer() {
        return analyzer;
    }

    /**
     * The same analyzer restricted to the rows matching {@code where} (Deequ's own filter, evaluated inside the shared
     * aggregation), for the analyzers that are computed in the shared scan; empty for grouping analyzers (uniqueness,
     * distinct count), which are computed over filtered data instead.
     */
    Optional<Analyzer<?, Metric<?>>> analyzerWhere(String where) {
        if (analyzer.isEmpty() || grouping()) {
            return Optional.empty();
        }
        return analyzer(Option.apply(where));
    }

    /** Whether the analyzer groups rows (its own aggregation after a shuffle) rather than sharing the scan. */
    boolean grouping() {
        return analyzer.map(a -> (Object) a instanceof Uniqueness || (Object) a instanceof CountDistinct).orElse(false);
    }

    /**
     * A SQL condition that is true for a row that passes the check, for the kinds that can be decided per row
     * (completeness, contained-in, min, max, range, pattern, predicate). Never null: a row passes or fails.
     */
    Optional<String> rowCondition() {
        return spec.rowCondition();
    }

    /** Whether failing rows of this check go to quarantine instead of stopping the publish. */
    boolean quarantines() {
        return spec.rowCondition().isPresent() && suite.policy() == CheckSuiteDef.Policy.QUARANTINE
                && check.severity() == CheckSuiteDef.Severity.ERROR;
    }

    /** The bound the metric is held to; null for anomaly and drift checks. */
    Verdict.Bound bound() {
        return spec.bound();
    }

    /** What is measured, for messages: e.g. {@code completeness of customer_id}. */
    String subject() {
        return check.columns().isEmpty() ? spec.subject() : spec.subject() + " of " + String.join(", ", check.columns());
    }

    /** The type the check's columns need. */
    ColumnType columnType() {
        return spec.columnType();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Optional<Analyzer<?, Metric<?>>> analyzer(Option<String> where) {
        return spec.analyzer() == null ? Optional.empty() : Optional.of((Analyzer) spec.analyzer().apply(where));
    }

    private static String col(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    // ---- one spec per kind: the only switch over the kinds of check ----

    private static Spec spec(CheckDef check) {
        return switch (check.kind()) {
            case COMPLETENESS -> completeness((CheckDef.Completeness) check);
            case UNIQUENESS -> uniqueness((CheckDef.Uniqueness) check);
            case CONTAINED_IN -> containedIn((CheckDef.ContainedIn) check);
            case MIN -> min((CheckDef.Min) check);
            case MAX -> max((CheckDef.Max) check);
            case RANGE -> range((CheckDef.Range) check);
            case PATTERN -> pattern((CheckDef.Pattern) check);
            case SIZE -> size((CheckDef.Size) check);
            case DISTINCT_COUNT -> distinctCount((CheckDef.DistinctCount) check);
            case QUANTILE -> quantile((CheckDef.Quantile) check);
            case MEAN -> mean((CheckDef.Mean) check);
            case STDDEV -> stdDev((CheckDef.StdDev) check);
            case PREDICATE -> predicate((CheckDef.Predicate) check);
            case ANOMALY -> anomaly((CheckDef.Anomaly) check);
            case DRIFT -> new Spec(null, Optional.empty(), null, "drift", ColumnType.NUMERIC);
        };
    }

    /**
     * A check decided per row by a condition: a Deequ Compliance over it, named by {@code name} so that two checks
     * with the same condition share one metric. A condition that is NULL for a row (e.g. amount >= 0 on a null
     * amount) fails the row, as Deequ's Compliance counts it.
     */
    private static Spec compliance(List<String> columns, String name, String condition, Verdict.Bound bound,
                                   String subject, ColumnType type) {
        String cond = "coalesce(" + condition + ", false)";
        return new Spec(w -> new Compliance(name, cond, w, Scala.list(columns), Option.empty()), Optional.of(cond), bound,
                subject, type);
    }

    private static Spec completeness(CheckDef.Completeness c) {
        return new Spec(w -> new Completeness(c.column(), w, Option.empty()),
                Optional.of("coalesce(" + col(c.column()) + " IS NOT NULL, false)"), Verdict.Bound.fraction(c.min()),
                "completeness", ColumnType.ANY);
    }

    private static Spec uniqueness(CheckDef.Uniqueness c) {
        return new Spec(w -> new Uniqueness(Scala.list(c.columns()), Option.empty(), Option.empty()), Optional.empty(),
                Verdict.Bound.fraction(c.min()), "uniqueness", ColumnType.ANY);
    }

    private static Spec containedIn(CheckDef.ContainedIn c) {
        String col = col(c.column());
        return compliance(c.columns(), c.column() + " contained in " + c.values(), col + " IS NULL OR " + col + " IN ("
                        + c.values().stream().map(Catalog::literal).collect(Collectors.joining(", ")) + ")",
                Verdict.Bound.everyValue(), "fraction of values in " + c.values(), ColumnType.ANY);
    }

    private static Spec min(CheckDef.Min c) {
        String col = col(c.column());
        return new Spec(w -> new Minimum(c.column(), w, Option.empty()),
                Optional.of("coalesce(" + col + " IS NULL OR " + col + " >= " + number(c.min()) + ", false)"),
                Verdict.Bound.atLeast(c.min()), "minimum", ColumnType.NUMERIC);
    }

    private static Spec max(CheckDef.Max c) {
        String col = col(c.column());
        return new Spec(w -> new Maximum(c.column(), w, Option.empty()),
                Optional.of("coalesce(" + col + " IS NULL OR " + col + " <= " + number(c.max()) + ", false)"),
                Verdict.Bound.atMost(c.max()), "maximum", ColumnType.NUMERIC);
    }

    private static Spec range(CheckDef.Range c) {
        String col = col(c.column());
        String in = "[" + number(c.min()) + ", " + number(c.max()) + "]";
        return compliance(c.columns(), c.column() + " in " + in, col + " IS NULL OR (" + col + " >= " + number(c.min())
                + " AND " + col + " <= " + number(c.max()) + ")", Verdict.Bound.everyValue(), "fraction of values in " + in,
                ColumnType.NUMERIC);
    }

    private static Spec pattern(CheckDef.Pattern c) {
        String col = col(c.column());
        return compliance(c.columns(), c.column() + " matches " + c.regex(), col + " IS NULL OR " + col + " RLIKE "
                + Catalog.literal(c.regex()), Verdict.Bound.fraction(c.min()), "fraction matching /" + c.regex() + "/",
                ColumnType.STRING);
    }

    private static Spec predicate(CheckDef.Predicate c) {
        return compliance(List.of(), c.expr(), "(" + c.expr() + ")", Verdict.Bound.fraction(c.min()),
                "fraction satisfying '" + c.expr() + "'", ColumnType.ANY);
    }

    private static Spec size(CheckDef.Size c) {
        return new Spec(Size::new, Optional.empty(), Verdict.Bound.between(c.min(), c.max()), "row count", ColumnType.ANY);
    }

    private static Spec distinctCount(CheckDef.DistinctCount c) {
        return new Spec(w -> new CountDistinct(Scala.list(c.columns())), Optional.empty(),
                Verdict.Bound.between(c.min(), c.max()), "distinct count", ColumnType.ANY);
    }

    private static Spec quantile(CheckDef.Quantile c) {
        return new Spec(w -> new ApproxQuantile(c.column(), c.quantile(), QUANTILE_RELATIVE_ERROR, w), Optional.empty(),
                Verdict.Bound.between(c.min(), c.max()), "quantile " + number(c.quantile()), ColumnType.NUMERIC);
    }

    private static Spec mean(CheckDef.Mean c) {
        return new Spec(w -> new Mean(c.column(), w), Optional.empty(), Verdict.Bound.between(c.min(), c.max()), "mean",
                ColumnType.NUMERIC);
    }

    private static Spec stdDev(CheckDef.StdDev c) {
        return new Spec(w -> new StandardDeviation(c.column(), w), Optional.empty(), Verdict.Bound.between(c.min(), c.max()),
                "standard deviation", ColumnType.NUMERIC);
    }

    private static Spec anomaly(CheckDef.Anomaly c) {
        String column = c.column().orElse(null);
        Function<Option<String>, Object> analyzer = switch (c.rule().metric()) {
            case SIZE -> Size::new;
            case COMPLETENESS -> w -> new Completeness(column, w, Option.empty());
            case MEAN -> w -> new Mean(column, w);
            case STDDEV -> w -> new StandardDeviation(column, w);
            case MIN -> w -> new Minimum(column, w, Option.empty());
            case MAX -> w -> new Maximum(column, w, Option.empty());
            case DISTINCT_COUNT -> w -> new CountDistinct(Scala.list(c.columns()));
        };
        boolean numeric = c.rule().metric() != CheckSuiteDef.Metric.COMPLETENESS
                && c.rule().metric() != CheckSuiteDef.Metric.DISTINCT_COUNT;
        return new Spec(analyzer, Optional.empty(), null, c.rule().metric().name().toLowerCase(Locale.ROOT),
                numeric ? ColumnType.NUMERIC : ColumnType.ANY);
    }

    /** The check's plans for every suite, in order. */
    static List<CheckPlan> of(List<CheckSuiteDef> suites) {
        return suites.stream().flatMap(s -> java.util.stream.IntStream.range(0, s.checks().size())
                .mapToObj(i -> new CheckPlan(s, i))).toList();
    }
}
