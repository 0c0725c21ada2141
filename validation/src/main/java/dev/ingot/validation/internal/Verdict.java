package dev.ingot.validation.internal;

import com.amazon.deequ.metrics.Metric;
import dev.ingot.core.config.CheckDef;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.validation.CheckResult;
import dev.ingot.validation.CheckStatus;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Decides checks: a measured value against what its {@link CheckPlan} holds it to, into a status and a message a
 * person can read. The one place that says passed, failed, quarantined or error; measuring is elsewhere (the shared
 * scan, {@link Anomalies} for history, {@link Drift} for distances).
 */
final class Verdict {
    private Verdict() {}

    /**
     * What a metric is held to.
     *
     * @param min the least value allowed, if any
     * @param max the largest value allowed, if any
     * @param fraction whether the metric is a fraction of rows or values (0 to 1) held to a least share
     * @param tolerant for a fraction: whether its bound, below 1, allows some rows to fail
     * @param expected the bound as a message says it
     */
    record Bound(OptionalDouble min, OptionalDouble max, boolean fraction, boolean tolerant, String expected) {
        /** A fraction of at least {@code min}, 1 (every row) when absent. */
        static Bound fraction(Optional<Double> min) {
            double m = min.orElse(1.0);
            return new Bound(OptionalDouble.of(m), OptionalDouble.empty(), true, m < 1.0, ">= " + CheckPlan.number(m));
        }

        /** A fraction that must be 1: every value passes. */
        static Bound everyValue() {
            return new Bound(OptionalDouble.of(1.0), OptionalDouble.empty(), true, false, "1 (every value)");
        }

        static Bound atLeast(double min) {
            return new Bound(OptionalDouble.of(min), OptionalDouble.empty(), false, false, ">= " + CheckPlan.number(min));
        }

        static Bound atMost(double max) {
            return new Bound(OptionalDouble.empty(), OptionalDouble.of(max), false, false, "<= " + CheckPlan.number(max));
        }

        /** Within whichever of the bounds are given (a check's constructor makes sure one is). */
        static Bound between(Optional<Double> min, Optional<Double> max) {
            String expected = min.isPresent() && max.isPresent()
                    ? "in [" + CheckPlan.number(min.get()) + ", " + CheckPlan.number(max.get()) + "]"
                    : min.map(m -> ">= " + CheckPlan.number(m)).orElseGet(() -> "<= " + CheckPlan.number(max.orElseThrow()));
            return new Bound(min.map(OptionalDouble::of).orElse(OptionalDouble.empty()),
                    max.map(OptionalDouble::of).orElse(OptionalDouble.empty()), false, false, expected);
        }

        boolean holds(double v) {
            return !Double.isNaN(v) && (min.isEmpty() || v >= min.getAsDouble()) && (max.isEmpty() || v <= max.getAsDouble());
        }
    }

    /**
     * Decides a check from its metric.
     *
     * @param p the check's plan
     * @param metric the metric Deequ computed for {@link CheckPlan#analyzer()}, if any
     * @param rows rows the metric was computed on
     * @param quarantined for a check whose failing rows were routed to quarantine: how many were
     */
    static CheckResult bounds(CheckPlan p, Optional<Metric<?>> metric, long rows, OptionalLong quarantined) {
        Bound bound = p.bound();
        String metricName = metric.map(Metric::name).orElse(p.analyzer().map(a -> a.getClass().getSimpleName()).orElse(""));
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
        } else if (value.isPresent() && bound.fraction() && p.rowCondition().isPresent()) {
            failing = Math.round((1 - value.getAsDouble()) * rows);
        }
        String rowsNote = failing > 0 ? " (" + failing + " of " + rows + " rows fail)" : "";
        CheckStatus status;
        String message;
        if (value.isEmpty()) {
            // Nothing to measure in no rows (an incremental run with nothing new): only a size check can object.
            if (rows == 0) {
                status = CheckStatus.PASSED;
                message = p.subject() + ": no rows to check";
            } else {
                status = CheckStatus.ERROR;
                message = p.subject() + " could not be computed: " + failure;
            }
        } else {
            double v = value.getAsDouble();
            boolean ok = bound.holds(v);
            // min: 1.0 is the default bound of a fraction written out: every published row passes. A lower explicit
            // bound (0.99) still limits how many rows may be quarantined before the whole publish fails.
            if (quarantined.isPresent() && failing > 0 && (ok || !bound.tolerant())) {
                status = CheckStatus.QUARANTINED;
                message = p.subject() + " is " + fmt(v) + rowsNote + ": failing rows quarantined";
            } else {
                status = ok || (quarantined.isPresent() && failing == 0) ? CheckStatus.PASSED : CheckStatus.FAILED;
                message = p.subject() + " is " + (status == CheckStatus.PASSED ? fmt(v)
                        : Numbers.beside(v, bound.expected(), 6) + ", expected " + bound.expected()) + rowsNote;
            }
        }
        return result(p, status, metricName, value, failing, message);
    }

    /**
     * Decides an anomaly check: Deequ's strategy over the metric's history and its new value.
     *
     * @param metric the new value's metric
     * @param history earlier values, oldest first, at most {@code window} of them
     * @param anomalous whether the strategy flagged the new value (empty when there is too little history)
     */
    static CheckResult anomaly(CheckPlan p, Optional<Metric<?>> metric, List<Double> history, Optional<Boolean> anomalous) {
        CheckSuiteDef.AnomalyDef rule = ((CheckDef.Anomaly) p.check()).rule();
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
            message = p.subject() + " could not be computed";
        } else if (anomalous.isEmpty()) {
            status = CheckStatus.PASSED;
            message = p.subject() + " is " + fmt(value.getAsDouble()) + ": not enough history yet (" + history.size() + " runs)";
        } else if (anomalous.get()) {
            status = CheckStatus.FAILED;
            message = p.subject() + " is " + fmt(value.getAsDouble()) + last + ", an anomaly: expected " + bound;
        } else {
            status = CheckStatus.PASSED;
            message = p.subject() + " is " + fmt(value.getAsDouble()) + last + ", " + bound;
        }
        return result(p, status, metricName, value, -1, message);
    }

    /** Decides a drift check from its distance to the reference, or passes it when there is no reference yet. */
    static CheckResult drift(CheckPlan p, Optional<Drift.Distance> distance, String reference) {
        CheckDef.Drift check = (CheckDef.Drift) p.check();
        CheckSuiteDef.DriftDef rule = check.rule();
        if (distance.isEmpty()) {
            return result(p, CheckStatus.PASSED, "PSI", OptionalDouble.empty(), -1,
                    "drift of " + check.column() + ": no reference yet (" + reference + ")");
        }
        Drift.Distance d = distance.get();
        boolean psiOk = rule.psiMax().map(m -> d.psi() <= m).orElse(true);
        boolean ksOk = rule.ksMax().map(m -> d.ks() <= m).orElse(true);
        // The result carries the statistic that has a threshold, PSI first; both are in the metrics.
        boolean usePsi = rule.psiMax().isPresent() && (!psiOk || ksOk || rule.ksMax().isEmpty());
        String msg = "drift of " + check.column() + " from " + reference + ": PSI " + fmt(d.psi())
                + rule.psiMax().map(m -> (d.psi() <= m ? " <= " : " > ") + fmt(m)).orElse("")
                + ", KS " + fmt(d.ks()) + rule.ksMax().map(m -> (d.ks() <= m ? " <= " : " > ") + fmt(m)).orElse("");
        return result(p, psiOk && ksOk ? CheckStatus.PASSED : CheckStatus.FAILED, usePsi ? "PSI" : "KS",
                OptionalDouble.of(usePsi ? d.psi() : d.ks()), -1, msg);
    }

    private static CheckResult result(CheckPlan p, CheckStatus status, String metric, OptionalDouble value, long failing,
                                      String message) {
        CheckDef c = p.check();
        return new CheckResult(p.suite().name(), CheckPlan.suiteFile(p.suite()), p.index(), c.kind(), c.columns(),
                c.severity(), c.description(), status, metric, value, failing, message);
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+(e|$)", "$1");
    }
}
