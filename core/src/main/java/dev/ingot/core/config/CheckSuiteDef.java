package dev.ingot.core.config;

import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableName;
import java.util.List;
import java.util.Optional;

/**
 * A data-quality suite ({@code checks/<name>.yaml}) for any table.
 *
 * @param name the suite's name (the file's base name)
 * @param description free text
 * @param table the table it checks when run on its own; a feature view naming the suite checks its own rows
 * @param policy what happens to rows that fail row-level checks
 * @param checks the checks, in order; each valid by construction (see {@link CheckDef}); {@link Checks} builds a
 *     suite fluently
 * @param file the suite's file, relative to the project directory (e.g. {@code checks/orders.yml}): what messages,
 *     results and reports name
 */
public record CheckSuiteDef(String name, String description, Optional<TableName> table, Policy policy,
                            List<CheckDef> checks, String file) {
    public CheckSuiteDef {
        String suite = name;
        Identifiers.checkName(name).ifPresent(p -> {
            throw Errors.invalidDefinition("check suite '" + suite + "'", p, "name it with " + Identifiers.nameRule());
        });
        description = description == null ? "" : description;
        table = table == null ? Optional.empty() : table;
        if (policy == null) {
            throw Errors.invalidDefinition("check suite '" + name + "'", "it has no policy",
                    "give Policy.STRICT or Policy.QUARANTINE");
        }
        if (checks == null || checks.stream().anyMatch(java.util.Objects::isNull)) {
            throw Errors.invalidDefinition("check suite '" + name + "'", "its list of checks is null or holds a null",
                    "give a list of checks, e.g. from Checks.suite(name)...build()");
        }
        checks = List.copyOf(checks);
        file = DefinitionFiles.orDefault(file, ProjectLoader.CHECKS, name);
    }

    /** A suite built in code: its file is the conventional {@code checks/<name>.yaml}. */
    public CheckSuiteDef(String name, String description, Optional<TableName> table, Policy policy, List<CheckDef> checks) {
        this(name, description, table, policy, checks, null);
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
        /** The largest window a rule may look at. */
        public static final int MAX_WINDOW = 1000;

        public AnomalyDef {
            if (metric == null || strategy == null) {
                throw invalid("it has no " + (metric == null ? "metric" : "strategy"),
                        "give a Metric and a Strategy, e.g. AnomalyDef.relativeChange(Metric.SIZE, 0.3)");
            }
            maxChange = maxChange == null ? Optional.empty() : maxChange;
            sigmas = sigmas == null ? Optional.empty() : sigmas;
            boolean relative = strategy == Strategy.RELATIVE_CHANGE;
            if (relative ? maxChange.isEmpty() : sigmas.isEmpty()) {
                throw invalid("the " + (relative ? "relative_change strategy needs max_change" : "std_dev strategy needs sigmas"),
                        relative ? "give max_change, a fraction (0.3 = 30%)" : "give sigmas (e.g. 3)");
            }
            if (relative ? sigmas.isPresent() : maxChange.isPresent()) {
                throw invalid("only the " + (relative ? "std_dev strategy takes sigmas" : "relative_change strategy takes max_change"),
                        "remove it");
            }
            Optional.of(relative ? maxChange.get() : sigmas.get()).filter(d -> !(d >= 0 && d < Double.POSITIVE_INFINITY))
                    .ifPresent(d -> {
                        throw invalid((relative ? "max_change" : "sigmas") + " is " + d, "write a number from 0");
                    });
            if (window < 1 || window > MAX_WINDOW) {
                throw invalid("window is " + window, "write a whole number of runs from 1 to " + MAX_WINDOW);
            }
        }

        /** The metric may change by at most {@code maxChange} (a fraction: 0.3 = 30%) from the previous run. */
        public static AnomalyDef relativeChange(Metric metric, double maxChange) {
            return new AnomalyDef(metric, Strategy.RELATIVE_CHANGE, Optional.of(maxChange), Optional.empty(), 1);
        }

        /** The metric may be at most {@code sigmas} standard deviations from the mean of the last {@code window} runs. */
        public static AnomalyDef stdDev(Metric metric, double sigmas, int window) {
            return new AnomalyDef(metric, Strategy.STD_DEV, Optional.empty(), Optional.of(sigmas), window);
        }

        private static IngotException invalid(String problem, String fix) {
            return Errors.invalidDefinition("anomaly rule", problem, fix);
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
        /** The fewest and most bins a rule may use. */
        public static final int MIN_BINS = 2;
        public static final int MAX_BINS = 100;

        public DriftDef {
            reference = reference == null ? Optional.empty() : reference;
            psiMax = psiMax == null ? Optional.empty() : psiMax;
            ksMax = ksMax == null ? Optional.empty() : ksMax;
            if (psiMax.isEmpty() && ksMax.isEmpty()) {
                throw invalid("it has no threshold", "give psi_max (e.g. 0.2), ks_max (e.g. 0.1) or both");
            }
            psiMax.filter(d -> !(d >= 0 && d < Double.POSITIVE_INFINITY)).ifPresent(d -> {
                throw invalid("psi_max is " + d, "write a number from 0 (0.2 is a common threshold)");
            });
            ksMax.filter(d -> !(d >= 0 && d <= 1)).ifPresent(d -> {
                throw invalid("ks_max is " + d, "write a number from 0 to 1 (0.1 is a common threshold)");
            });
            if (bins < MIN_BINS || bins > MAX_BINS) {
                throw invalid("bins is " + bins, "write a whole number from " + MIN_BINS + " to " + MAX_BINS);
            }
        }

        private static IngotException invalid(String problem, String fix) {
            return Errors.invalidDefinition("drift rule", problem, fix);
        }
    }
}
