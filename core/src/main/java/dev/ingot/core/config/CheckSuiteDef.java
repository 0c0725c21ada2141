package dev.ingot.core.config;

import dev.ingot.core.TableName;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A data-quality suite ({@code checks/<name>.yaml}) for any table.
 *
 * @param name the suite's name (the file's base name)
 * @param description free text
 * @param table the table it checks when run on its own; a feature view naming the suite checks its own rows
 * @param policy what happens to rows that fail row-level checks
 * @param checks the checks, in order
 */
public record CheckSuiteDef(String name, String description, Optional<TableName> table, Policy policy,
                            List<CheckDef> checks) {
    public CheckSuiteDef {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        Objects.requireNonNull(policy, "policy");
        checks = List.copyOf(checks);
    }

    /** What a failing row-level check does. */
    public enum Policy {
        /** Any failing error-level check stops the publish. */
        STRICT,
        /** Failing rows go to {@code quality.<table>__quarantine}; the rest are published. */
        QUARANTINE
    }

    /** How bad a failed check is. */
    public enum Severity {
        /** The data is not published; exit code 1. */
        ERROR,
        /** Recorded and reported; the data is published. */
        WARNING
    }

    /** Kinds of check, with the keys each takes. */
    public enum Kind {
        COMPLETENESS("column", "min"),
        UNIQUENESS("columns", "min"),
        CONTAINED_IN("column", "values"),
        MIN("column", "min"),
        MAX("column", "max"),
        RANGE("column", "min", "max"),
        PATTERN("column", "regex", "min"),
        SIZE("min", "max"),
        DISTINCT_COUNT("column", "min", "max"),
        QUANTILE("column", "quantile", "min", "max"),
        MEAN("column", "min", "max"),
        STDDEV("column", "min", "max"),
        PREDICATE("expr", "min"),
        /** A metric compared with its own history (quality.metrics) by one of Deequ's anomaly strategies. */
        ANOMALY("metric", "column", "strategy", "max_change", "sigmas", "window"),
        /** A column's distribution compared with a reference: population stability index and Kolmogorov-Smirnov. */
        DRIFT("column", "reference", "psi_max", "ks_max", "bins");

        private final List<String> keys;

        Kind(String... keys) {
            this.keys = List.of(keys);
        }

        /** The keys this kind takes besides kind, severity and description. */
        public List<String> keys() {
            return keys;
        }
    }

    /**
     * One check.
     *
     * @param kind what it checks
     * @param columns the column(s) it checks (empty for size and predicate)
     * @param severity error or warning
     * @param description what it guards against
     * @param min lower bound: a fraction for completeness, uniqueness, pattern and predicate; a value otherwise
     * @param max upper bound
     * @param values allowed values (contained_in)
     * @param regex pattern (pattern)
     * @param quantile which quantile, 0 to 1 (quantile)
     * @param expr a Spark SQL predicate every row should satisfy (predicate)
     * @param anomaly the rule of an anomaly check
     * @param drift the rule of a drift check
     */
    public record CheckDef(Kind kind, List<String> columns, Severity severity, String description,
                           Optional<Double> min, Optional<Double> max, List<String> values, Optional<String> regex,
                           Optional<Double> quantile, Optional<String> expr, Optional<AnomalyDef> anomaly,
                           Optional<DriftDef> drift) {
        public CheckDef {
            columns = List.copyOf(columns);
            values = List.copyOf(values);
            Objects.requireNonNull(anomaly, "anomaly");
            Objects.requireNonNull(drift, "drift");
        }

        /** A check of a kind that is neither anomaly nor drift. */
        public CheckDef(Kind kind, List<String> columns, Severity severity, String description, Optional<Double> min,
                        Optional<Double> max, List<String> values, Optional<String> regex, Optional<Double> quantile,
                        Optional<String> expr) {
            this(kind, columns, severity, description, min, max, values, regex, quantile, expr, Optional.empty(),
                    Optional.empty());
        }
    }

    /** Metrics an anomaly check can watch. */
    public enum Metric {
        SIZE, COMPLETENESS, MEAN, STDDEV, MIN, MAX, DISTINCT_COUNT;

        /** Whether the metric is of a column (all but size). */
        public boolean needsColumn() {
            return this != SIZE;
        }
    }

    /** Deequ's anomaly detection strategies, as Ingot names them. */
    public enum Strategy {
        /** The metric changes by more than {@code max_change} (a fraction) from the previous run. */
        RELATIVE_CHANGE,
        /** The metric is more than {@code sigmas} standard deviations from the mean of the last {@code window} runs. */
        STD_DEV
    }

    /**
     * The rule of an anomaly check.
     *
     * @param metric the metric watched ({@code column} of the check names its column)
     * @param strategy how a new value is compared with the history
     * @param maxChange relative_change: the largest change allowed, a fraction (0.3 = 30%)
     * @param sigmas std_dev: how many standard deviations are allowed
     * @param window how many previous runs the strategy looks at
     */
    public record AnomalyDef(Metric metric, Strategy strategy, Optional<Double> maxChange, Optional<Double> sigmas,
                             int window) {
        public AnomalyDef {
            Objects.requireNonNull(metric, "metric");
            Objects.requireNonNull(strategy, "strategy");
        }
    }

    /**
     * The rule of a drift check.
     *
     * @param reference the table holding the reference distribution; empty for the previous version of the table
     *     checked (for rows about to be published: the target's current rows)
     * @param psiMax the largest population stability index allowed
     * @param ksMax the largest Kolmogorov-Smirnov distance allowed
     * @param bins bins of the population stability index (quantiles of the reference)
     */
    public record DriftDef(Optional<TableName> reference, Optional<Double> psiMax, Optional<Double> ksMax, int bins) {
        public DriftDef {
            Objects.requireNonNull(reference, "reference");
        }
    }
}
