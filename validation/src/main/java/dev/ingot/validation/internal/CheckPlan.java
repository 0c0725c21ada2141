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
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckSuiteDef.CheckDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import dev.ingot.validation.CheckResult;
import dev.ingot.validation.CheckStatus;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * One Ingot check turned into one Deequ analyzer, a row condition when the check can be decided row by row, and the
 * bound its metric is held to.
 *
 * <p>Ingot evaluates the bounds itself instead of chaining Deequ {@code Check} constraints: each check keeps its own
 * analyzer (Deequ still shares one scan between all of them and de-duplicates equal analyzers), the result maps back
 * to the check by construction, no Scala function crosses from Java, and a suite of hundreds of checks is a flat
 * list rather than a deep chain of immutable {@code Check} copies.
 */
public final class CheckPlan {
    /** Deequ's default relative error for approximate quantiles. */
    static final double QUANTILE_RELATIVE_ERROR = 0.01;

    private final CheckSuiteDef suite;
    private final int index;
    private final CheckDef check;
    private final Optional<Analyzer<?, Metric<?>>> analyzer;
    private final Optional<String> rowCondition;

    CheckPlan(CheckSuiteDef suite, int index) {
        this.suite = suite;
        this.index = index;
        this.check = suite.checks().get(index);
        this.rowCondition = rowCondition(check);
        this.analyzer = analyzer(check, rowCondition, Scala.none());
    }

    /** {@code checks/<suite>.yaml}. */
    public static String suiteFile(CheckSuiteDef suite) {
        return "checks/" + suite.name() + ".yaml";
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
        return analyzer(check, rowCondition, scala.Option.apply(where));
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
        return rowCondition;
    }

    /** Whether failing rows of this check go to quarantine instead of stopping the publish. */
    boolean quarantines() {
        return rowCondition.isPresent() && suite.policy() == CheckSuiteDef.Policy.QUARANTINE
                && check.severity() == CheckSuiteDef.Severity.ERROR;
    }

    private static String col(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static Optional<String> rowCondition(CheckDef c) {
        String col = c.columns().isEmpty() ? null : col(c.columns().get(0));
        String cond = switch (c.kind()) {
            case COMPLETENESS -> col + " IS NOT NULL";
            case CONTAINED_IN -> col + " IS NULL OR " + col + " IN ("
                    + c.values().stream().map(Catalog::literal).collect(Collectors.joining(", ")) + ")";
            case MIN -> col + " IS NULL OR " + col + " >= " + number(c.min().orElseThrow());
            case MAX -> col + " IS NULL OR " + col + " <= " + number(c.max().orElseThrow());
            case RANGE -> col + " IS NULL OR (" + col + " >= " + number(c.min().orElseThrow()) + " AND " + col + " <= "
                    + number(c.max().orElseThrow()) + ")";
            case PATTERN -> col + " IS NULL OR " + col + " RLIKE " + Catalog.literal(c.regex().orElseThrow());
            case PREDICATE -> "(" + c.expr().orElseThrow() + ")";
            default -> null;
        };
        // A condition that is NULL for a row (e.g. amount >= 0 on a null amount) fails the row, as Deequ's
        // Compliance counts it.
        return Optional.ofNullable(cond).map(s -> "coalesce(" + s + ", false)");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Optional<Analyzer<?, Metric<?>>> analyzer(CheckDef c, Optional<String> rowCondition,
                                                            scala.Option<String> where) {
        String column = c.columns().isEmpty() ? null : c.columns().get(0);
        Object a = switch (c.kind()) {
            case DRIFT -> null;
            case ANOMALY -> switch (c.anomaly().orElseThrow().metric()) {
                case SIZE -> new Size(where);
                case COMPLETENESS -> new Completeness(column, where, Scala.none());
                case MEAN -> new Mean(column, where);
                case STDDEV -> new StandardDeviation(column, where);
                case MIN -> new Minimum(column, where, Scala.none());
                case MAX -> new Maximum(column, where, Scala.none());
                case DISTINCT_COUNT -> new CountDistinct(Scala.list(c.columns()));
            };
            case COMPLETENESS -> new Completeness(column, where, Scala.none());
            case UNIQUENESS -> new Uniqueness(Scala.list(c.columns()), Scala.none(), Scala.none());
            case MIN -> new Minimum(column, where, Scala.none());
            case MAX -> new Maximum(column, where, Scala.none());
            case SIZE -> new Size(where);
            case DISTINCT_COUNT -> new CountDistinct(Scala.list(c.columns()));
            case QUANTILE -> new ApproxQuantile(column, c.quantile().orElseThrow(), QUANTILE_RELATIVE_ERROR, where);
            case MEAN -> new Mean(column, where);
            case STDDEV -> new StandardDeviation(column, where);
            // The instance names the condition, so that two checks with the same condition share one metric.
            case CONTAINED_IN, RANGE, PATTERN, PREDICATE -> new Compliance(complianceName(c), rowCondition.orElseThrow(),
                    where, Scala.list(c.columns()), Scala.none());
        };
        return Optional.ofNullable((Analyzer) a);
    }

    private static String complianceName(CheckDef c) {
        return switch (c.kind()) {
            case CONTAINED_IN -> c.columns().get(0) + " contained in " + c.values();
            case RANGE -> c.columns().get(0) + " in [" + number(c.min().orElseThrow()) + ", " + number(c.max().orElseThrow()) + "]";
            case PATTERN -> c.columns().get(0) + " matches " + c.regex().orElseThrow();
            default -> c.expr().orElseThrow();
        };
    }

    /** The lower bound a fraction metric is held to: the check's {@code min}, 1 when absent. */
    private double fractionMin() {
        return check.min().orElse(1.0);
    }

    private boolean fraction() {
        return check.kind() == Kind.COMPLETENESS || check.kind() == Kind.UNIQUENESS || check.kind() == Kind.PATTERN
                || check.kind() == Kind.PREDICATE || check.kind() == Kind.CONTAINED_IN || check.kind() == Kind.RANGE;
    }

    /** What the metric is expected to be, for messages. */
    private String expected() {
        return switch (check.kind()) {
            case COMPLETENESS, UNIQUENESS, PATTERN, PREDICATE -> ">= " + number(fractionMin());
            case CONTAINED_IN, RANGE -> "1 (every value)";
            case MIN -> ">= " + number(check.min().orElseThrow());
            case MAX -> "<= " + number(check.max().orElseThrow());
            default -> check.min().isPresent() && check.max().isPresent()
                    ? "in [" + number(check.min().get()) + ", " + number(check.max().get()) + "]"
                    : check.min().map(m -> ">= " + number(m)).orElseGet(() -> "<= " + number(check.max().orElseThrow()));
        };
    }

    private boolean within(double v) {
        if (Double.isNaN(v)) {
            return false;
        }
        return switch (check.kind()) {
            case COMPLETENESS, UNIQUENESS, PATTERN, PREDICATE -> v >= fractionMin();
            case CONTAINED_IN, RANGE -> v >= 1.0;
            default -> check.min().map(m -> v >= m).orElse(true) && check.max().map(m -> v <= m).orElse(true);
        };
    }

    private String subject() {
        String what = switch (check.kind()) {
            case COMPLETENESS -> "completeness";
            case UNIQUENESS -> "uniqueness";
            case CONTAINED_IN -> "fraction of values in " + check.values();
            case MIN -> "minimum";
            case MAX -> "maximum";
            case RANGE -> "fraction of values in [" + number(check.min().orElseThrow()) + ", " + number(check.max().orElseThrow()) + "]";
            case PATTERN -> "fraction matching /" + check.regex().orElseThrow() + "/";
            case SIZE -> "row count";
            case DISTINCT_COUNT -> "distinct count";
            case QUANTILE -> "quantile " + number(check.quantile().orElseThrow());
            case MEAN -> "mean";
            case STDDEV -> "standard deviation";
            case PREDICATE -> "fraction satisfying '" + check.expr().orElseThrow() + "'";
            case ANOMALY -> check.anomaly().orElseThrow().metric().name().toLowerCase(java.util.Locale.ROOT);
            case DRIFT -> "drift";
        };
        return check.columns().isEmpty() ? what : what + " of " + String.join(", ", check.columns());
    }

    /**
     * Decides the check from its metric.
     *
     * @param metric the metric Deequ computed for {@link #analyzer()}, if any
     * @param rows rows the metric was computed on
     * @param quarantined for a check whose failing rows were routed to quarantine: how many were
     */
    CheckResult evaluate(Optional<Metric<?>> metric, long rows, OptionalLong quarantined) {
        String metricName = metric.map(Metric::name).orElse(analyzer.map(a -> a.getClass().getSimpleName()).orElse(""));
        OptionalDouble value = OptionalDouble.empty();
        String failure = null;
        if (metric.isEmpty()) {
            failure = "no metric was computed";
        } else if (metric.get().value().isFailure()) {
            Throwable t = metric.get().value().failed().get();
            failure = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        } else {
            value = OptionalDouble.of(((Number) metric.get().value().get()).doubleValue());
        }
        long failing = -1;
        if (quarantined.isPresent()) {
            failing = quarantined.getAsLong();
        } else if (value.isPresent() && fraction() && check.kind() != Kind.UNIQUENESS) {
            failing = Math.round((1 - value.getAsDouble()) * rows);
        }
        String rowsNote = failing > 0 ? " (" + failing + " of " + rows + " rows fail)" : "";
        CheckStatus status;
        String message;
        if (value.isEmpty()) {
            // Nothing to measure in no rows (an incremental run with nothing new): only a size check can object.
            if (rows == 0) {
                status = CheckStatus.PASSED;
                message = subject() + ": no rows to check";
            } else {
                status = CheckStatus.ERROR;
                message = subject() + " could not be computed: " + failure;
            }
        } else {
            double v = value.getAsDouble();
            boolean ok = within(v);
            // min: 1.0 is the default bound of a fraction written out: every published row passes. A lower explicit
            // bound (0.99) still limits how many rows may be quarantined before the whole publish fails.
            boolean explicitFraction = fraction() && check.min().isPresent() && check.min().get() < 1.0;
            if (quarantined.isPresent() && failing > 0 && (ok || !explicitFraction)) {
                // The bad rows are quarantined; an explicit fraction bound below 1 still limits how many may be.
                status = CheckStatus.QUARANTINED;
                message = subject() + " is " + fmt(v) + rowsNote + ": failing rows quarantined";
            } else {
                status = ok || (quarantined.isPresent() && failing == 0) ? CheckStatus.PASSED : CheckStatus.FAILED;
                message = subject() + " is " + fmt(v) + (status == CheckStatus.PASSED ? "" : ", expected " + expected())
                        + rowsNote;
            }
        }
        return new CheckResult(suite.name(), suiteFile(suite), index, check.kind(), check.columns(), check.severity(),
                check.description(), status, metricName, value, failing, message);
    }

    /**
     * Decides an anomaly check: Deequ's strategy over the metric's history and its new value.
     *
     * @param metric the new value's metric
     * @param history earlier values, oldest first, at most {@code window} of them
     * @param anomalous whether the strategy flagged the new value (empty when there is too little history)
     */
    CheckResult anomalyResult(Optional<Metric<?>> metric, List<Double> history, Optional<Boolean> anomalous) {
        CheckSuiteDef.AnomalyDef rule = check.anomaly().orElseThrow();
        String metricName = metric.map(Metric::name).orElse("");
        OptionalDouble value = metric.filter(m -> m.value().isSuccess()).map(m -> OptionalDouble.of(((Number) m.value().get()).doubleValue()))
                .orElse(OptionalDouble.empty());
        String bound = rule.strategy() == CheckSuiteDef.Strategy.RELATIVE_CHANGE
                ? "a change of at most " + fmt(rule.maxChange().orElseThrow() * 100) + "% from the previous run"
                : "within " + fmt(rule.sigmas().orElseThrow()) + " standard deviations of the mean of the last "
                        + history.size() + " runs";
        CheckStatus status;
        String message;
        String last = history.isEmpty() ? "" : " (previous: " + fmt(history.get(history.size() - 1)) + ")";
        if (value.isEmpty()) {
            status = CheckStatus.ERROR;
            message = subject() + " could not be computed";
        } else if (anomalous.isEmpty()) {
            status = CheckStatus.PASSED;
            message = subject() + " is " + fmt(value.getAsDouble()) + ": not enough history yet (" + history.size() + " runs)";
        } else if (anomalous.get()) {
            status = CheckStatus.FAILED;
            message = subject() + " is " + fmt(value.getAsDouble()) + last + ", an anomaly: expected " + bound;
        } else {
            status = CheckStatus.PASSED;
            message = subject() + " is " + fmt(value.getAsDouble()) + last + ", " + bound;
        }
        return new CheckResult(suite.name(), suiteFile(suite), index, check.kind(), check.columns(), check.severity(),
                check.description(), status, metricName, value, -1, message);
    }

    /** Decides a drift check from its distance to the reference, or passes it when there is no reference yet. */
    CheckResult driftResult(Optional<Drift.Distance> distance, String reference) {
        CheckSuiteDef.DriftDef rule = check.drift().orElseThrow();
        if (distance.isEmpty()) {
            return new CheckResult(suite.name(), suiteFile(suite), index, check.kind(), check.columns(), check.severity(),
                    check.description(), CheckStatus.PASSED, "PSI", OptionalDouble.empty(), -1,
                    "drift of " + check.columns().get(0) + ": no reference yet (" + reference + ")");
        }
        Drift.Distance d = distance.get();
        boolean psiOk = rule.psiMax().map(m -> d.psi() <= m).orElse(true);
        boolean ksOk = rule.ksMax().map(m -> d.ks() <= m).orElse(true);
        // The result carries the statistic that has a threshold, PSI first; both are in the metrics.
        boolean usePsi = rule.psiMax().isPresent() && (!psiOk || ksOk || rule.ksMax().isEmpty());
        String msg = "drift of " + check.columns().get(0) + " from " + reference + ": PSI " + fmt(d.psi())
                + rule.psiMax().map(m -> (d.psi() <= m ? " <= " : " > ") + fmt(m)).orElse("")
                + ", KS " + fmt(d.ks()) + rule.ksMax().map(m -> (d.ks() <= m ? " <= " : " > ") + fmt(m)).orElse("");
        return new CheckResult(suite.name(), suiteFile(suite), index, check.kind(), check.columns(), check.severity(),
                check.description(), psiOk && ksOk ? CheckStatus.PASSED : CheckStatus.FAILED, usePsi ? "PSI" : "KS",
                OptionalDouble.of(usePsi ? d.psi() : d.ks()), -1, msg);
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(java.util.Locale.ROOT, "%.6g", v).replaceAll("\\.?0+(e|$)", "$1");
    }

    /** The check's plans for every suite, in order. */
    static List<CheckPlan> of(List<CheckSuiteDef> suites) {
        return suites.stream().flatMap(s -> java.util.stream.IntStream.range(0, s.checks().size())
                .mapToObj(i -> new CheckPlan(s, i))).toList();
    }
}
