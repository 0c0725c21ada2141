package dev.ingot.core.config;

import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef.AnomalyDef;
import dev.ingot.core.config.CheckSuiteDef.DriftDef;
import dev.ingot.core.config.CheckSuiteDef.Policy;
import dev.ingot.core.config.CheckSuiteDef.Severity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Builds a quality suite in Java, in the style of Deequ's {@code Check}: immutable, each method returns a new value,
 * so a partly built suite can be shared and extended. It builds the same {@link CheckSuiteDef} the loader reads from
 * {@code checks/<name>.yaml}, so {@code Validator} and {@code Gate} treat both alike.
 *
 * <pre>{@code
 * CheckSuiteDef orders = Checks.suite("orders")
 *         .onTable(new TableName("raw", "orders"))
 *         .quarantine()                                    // failing rows of row-level checks go to quarantine
 *         .isComplete("order_id")
 *         .isUnique("order_id")
 *         .hasMin("amount", 0).describedAs("refunds are rows of their own")
 *         .isContainedIn("status", "new", "paid", "shipped")
 *         .hasSize(1000, null).warning()                   // at least 1000 rows, else a warning
 *         .satisfies("shipped_at >= ordered_at", 0.99)     // 99% of rows
 *         .hasNoAnomaly(null, AnomalyDef.relativeChange(Metric.SIZE, 0.3))
 *         .build();
 * ValidationResult r = Validator.of(spark).validate(spark.table("raw.orders"), orders);
 * }</pre>
 *
 * <p>Every check is validated when it is added (the records' constructors), so a wrong value fails on the line that
 * gives it, with a bad-input {@link dev.ingot.core.IngotException} (exit code 2) naming the check and the fix. Checks
 * are errors unless {@link #warning()} follows them. Bounds written {@code Number} may be {@code null} for "no bound".
 */
public final class Checks {
    private final String name;
    private final String description;
    private final Optional<TableName> table;
    private final Policy policy;
    private final List<CheckDef> checks;

    private Checks(String name, String description, Optional<TableName> table, Policy policy, List<CheckDef> checks) {
        this.name = name;
        this.description = description;
        this.table = table;
        this.policy = policy;
        this.checks = checks;
    }

    /** An empty strict suite named {@code name} (lower-case snake case, as a {@code checks/} file would be). */
    public static Checks suite(String name) {
        return suite(name, "");
    }

    /** An empty strict suite with a description. */
    public static Checks suite(String name, String description) {
        Identifiers.checkName(name).ifPresent(p -> {
            throw Errors.invalidDefinition("check suite '" + name + "'", p, "name it with " + Identifiers.nameRule());
        });
        return new Checks(name, description == null ? "" : description, Optional.empty(), Policy.STRICT, List.of());
    }

    /** The table the suite checks when run on its own ({@code table:} in YAML). */
    public Checks onTable(TableName table) {
        return new Checks(name, description, Optional.of(table), policy, checks);
    }

    /** Rows failing an error-level row-level check go to {@code quality.<table>__quarantine}; the rest are published. */
    public Checks quarantine() {
        return withPolicy(Policy.QUARANTINE);
    }

    /** What failing rows do ({@link Policy#STRICT} by default). */
    public Checks withPolicy(Policy policy) {
        return new Checks(name, description, table, policy, checks);
    }

    /** Adds any check, e.g. one built from its record. */
    public Checks add(CheckDef check) {
        if (check == null) {
            throw Errors.invalidDefinition("check suite '" + name + "'", "a check is null", "add a CheckDef record");
        }
        List<CheckDef> l = new ArrayList<>(checks);
        l.add(check);
        return new Checks(name, description, table, policy, List.copyOf(l));
    }

    /** Makes the check just added a warning: recorded and reported, the data still published. */
    public Checks warning() {
        return replaceLast(last().withSeverity(Severity.WARNING));
    }

    /** Makes the check just added an error again (the default). */
    public Checks error() {
        return replaceLast(last().withSeverity(Severity.ERROR));
    }

    /** Describes the check just added: what it guards against, shown in results and reports. */
    public Checks describedAs(String description) {
        return replaceLast(last().withDescription(description));
    }

    /** Every value of {@code column} is non-null. */
    public Checks isComplete(String column) {
        return add(new CheckDef.Completeness(column, Optional.empty(), Severity.ERROR, ""));
    }

    /** At least the fraction {@code min} (0 to 1) of the values of {@code column} is non-null. */
    public Checks hasCompleteness(String column, double min) {
        return add(new CheckDef.Completeness(column, Optional.of(min), Severity.ERROR, ""));
    }

    /** No two rows share the same values of {@code columns}. */
    public Checks isUnique(String... columns) {
        return add(new CheckDef.Uniqueness(Arrays.asList(columns), Optional.empty(), Severity.ERROR, ""));
    }

    /** At least the fraction {@code min} (0 to 1) of the rows is unique in {@code columns}. */
    public Checks hasUniqueness(List<String> columns, double min) {
        return add(new CheckDef.Uniqueness(columns, Optional.of(min), Severity.ERROR, ""));
    }

    /** Every non-null value of {@code column} is one of {@code values}. */
    public Checks isContainedIn(String column, String... values) {
        return add(new CheckDef.ContainedIn(column, Arrays.asList(values), Severity.ERROR, ""));
    }

    /** Every non-null value of {@code column} is at least {@code min}. */
    public Checks hasMin(String column, double min) {
        return add(new CheckDef.Min(column, min, Severity.ERROR, ""));
    }

    /** Every non-null value of {@code column} is at most {@code max}. */
    public Checks hasMax(String column, double max) {
        return add(new CheckDef.Max(column, max, Severity.ERROR, ""));
    }

    /** Every non-null value of {@code column} is in [{@code min}, {@code max}]. */
    public Checks isInRange(String column, double min, double max) {
        return add(new CheckDef.Range(column, min, max, Severity.ERROR, ""));
    }

    /** Every non-null value of {@code column} matches {@code regex} (a Java regular expression). */
    public Checks hasPattern(String column, String regex) {
        return add(new CheckDef.Pattern(column, regex, Optional.empty(), Severity.ERROR, ""));
    }

    /** At least the fraction {@code min} (0 to 1) of the non-null values of {@code column} matches {@code regex}. */
    public Checks hasPattern(String column, String regex, double min) {
        return add(new CheckDef.Pattern(column, regex, Optional.of(min), Severity.ERROR, ""));
    }

    /** The number of rows is within [{@code min}, {@code max}]; either may be null, not both. */
    public Checks hasSize(Number min, Number max) {
        return add(new CheckDef.Size(bound(min), bound(max), Severity.ERROR, ""));
    }

    /** The number of distinct values of {@code column} is within [{@code min}, {@code max}]; either may be null. */
    public Checks hasDistinctCount(String column, Number min, Number max) {
        return add(new CheckDef.DistinctCount(column, bound(min), bound(max), Severity.ERROR, ""));
    }

    /** The approximate {@code quantile} (0 to 1) of {@code column} is within [{@code min}, {@code max}]. */
    public Checks hasQuantile(String column, double quantile, Number min, Number max) {
        return add(new CheckDef.Quantile(column, quantile, bound(min), bound(max), Severity.ERROR, ""));
    }

    /** The mean of {@code column} is within [{@code min}, {@code max}]; either may be null. */
    public Checks hasMean(String column, Number min, Number max) {
        return add(new CheckDef.Mean(column, bound(min), bound(max), Severity.ERROR, ""));
    }

    /** The standard deviation of {@code column} is within [{@code min}, {@code max}]; either may be null. */
    public Checks hasStandardDeviation(String column, Number min, Number max) {
        return add(new CheckDef.StdDev(column, bound(min), bound(max), Severity.ERROR, ""));
    }

    /** Every row satisfies the Spark SQL predicate {@code expr} (a row for which it is null fails). */
    public Checks satisfies(String expr) {
        return add(new CheckDef.Predicate(expr, Optional.empty(), Severity.ERROR, ""));
    }

    /** At least the fraction {@code min} (0 to 1) of the rows satisfies {@code expr}. */
    public Checks satisfies(String expr, double min) {
        return add(new CheckDef.Predicate(expr, Optional.of(min), Severity.ERROR, ""));
    }

    /**
     * The metric of {@code rule} is not an anomaly against its history.
     *
     * @param column the column whose metric is watched; null for the size metric
     */
    public Checks hasNoAnomaly(String column, AnomalyDef rule) {
        return add(new CheckDef.Anomaly(Optional.ofNullable(column), rule, Severity.ERROR, ""));
    }

    /** The distribution of {@code column} has not drifted from the reference of {@code rule}. */
    public Checks hasNoDrift(String column, DriftDef rule) {
        return add(new CheckDef.Drift(column, rule, Severity.ERROR, ""));
    }

    /** The suite, with the checks in the order they were added. */
    public CheckSuiteDef build() {
        return new CheckSuiteDef(name, description, table, policy, checks);
    }

    private CheckDef last() {
        if (checks.isEmpty()) {
            throw Errors.invalidDefinition("check suite '" + name + "'", "a severity or description comes before any check",
                    "call warning(), error() and describedAs() after the check they apply to, e.g. hasMin(\"amount\", 0).warning()");
        }
        return checks.get(checks.size() - 1);
    }

    private Checks replaceLast(CheckDef check) {
        List<CheckDef> l = new ArrayList<>(checks.subList(0, checks.size() - 1));
        l.add(check);
        return new Checks(name, description, table, policy, List.copyOf(l));
    }

    private static Optional<Double> bound(Number n) {
        return n == null ? Optional.empty() : Optional.of(n.doubleValue());
    }
}
