package dev.ingot.validation;

import dev.ingot.core.config.CheckDef;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import dev.ingot.core.config.CheckSuiteDef.Severity;
import java.util.List;
import java.util.Optional;

/** Builds checks and suites in tests, as the loader would from YAML. */
final class Suites {
    private static final Severity E = Severity.ERROR;

    private Suites() {}

    static CheckSuiteDef suite(String name, CheckSuiteDef.Policy policy, CheckDef... checks) {
        return new CheckSuiteDef(name, "", Optional.empty(), policy, List.of(checks));
    }

    static CheckSuiteDef strict(String name, CheckDef... checks) {
        return suite(name, CheckSuiteDef.Policy.STRICT, checks);
    }

    /** A check of a kind that takes columns and bounds only; a null bound is absent. */
    static CheckDef check(Kind kind, List<String> columns, Double min, Double max) {
        Optional<Double> lo = Optional.ofNullable(min);
        Optional<Double> hi = Optional.ofNullable(max);
        String c = columns.isEmpty() ? null : columns.get(0);
        return switch (kind) {
            case COMPLETENESS -> new CheckDef.Completeness(c, lo, E, "");
            case UNIQUENESS -> new CheckDef.Uniqueness(columns, lo, E, "");
            case MIN -> new CheckDef.Min(c, min, E, "");
            case MAX -> new CheckDef.Max(c, max, E, "");
            case RANGE -> new CheckDef.Range(c, min, max, E, "");
            case SIZE -> new CheckDef.Size(lo, hi, E, "");
            case DISTINCT_COUNT -> new CheckDef.DistinctCount(c, lo, hi, E, "");
            case MEAN -> new CheckDef.Mean(c, lo, hi, E, "");
            case STDDEV -> new CheckDef.StdDev(c, lo, hi, E, "");
            case CONTAINED_IN, PATTERN, QUANTILE, PREDICATE, ANOMALY, DRIFT ->
                    throw new IllegalArgumentException(kind + " takes more than bounds: use its own helper");
        };
    }

    static CheckDef col(Kind kind, String column, Double min, Double max) {
        return check(kind, List.of(column), min, max);
    }

    static CheckDef containedIn(String column, String... values) {
        return new CheckDef.ContainedIn(column, List.of(values), E, "");
    }

    static CheckDef pattern(String column, String regex, Double min) {
        return new CheckDef.Pattern(column, regex, Optional.ofNullable(min), E, "");
    }

    static CheckDef quantile(String column, double q, Double min, Double max) {
        return new CheckDef.Quantile(column, q, Optional.ofNullable(min), Optional.ofNullable(max), E, "");
    }

    static CheckDef predicate(String expr, Double min) {
        return new CheckDef.Predicate(expr, Optional.ofNullable(min), E, "");
    }

    static CheckDef warning(CheckDef c) {
        return c.withSeverity(Severity.WARNING);
    }
}
