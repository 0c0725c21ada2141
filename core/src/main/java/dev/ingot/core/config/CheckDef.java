package dev.ingot.core.config;

import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.Identifiers;
import dev.ingot.core.config.CheckSuiteDef.AnomalyDef;
import dev.ingot.core.config.CheckSuiteDef.DriftDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import dev.ingot.core.config.CheckSuiteDef.Severity;
import dev.ingot.core.config.internal.SqlCheck;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.PatternSyntaxException;

/**
 * One check of a suite ({@code checks[i]} of {@code checks/<suite>.yaml}): one record per {@link Kind}, each with
 * exactly the values its kind takes, valid by construction.
 *
 * <p>Every constructor validates its values (columns are valid identifiers, fractions are in [0, 1], min &lt;= max,
 * a regex compiles, a predicate is one Spark SQL expression, a check that needs a bound has one ...) and throws a
 * bad-input {@link IngotException} (exit code 2) naming the check and the fix. So a suite built in Java holds the
 * same promises as one {@link ProjectLoader} read from YAML; the loader reports problems with their file and key
 * path before it builds any record. {@link Checks} builds suites fluently.
 *
 * <p>{@link #kind()} names the record: a {@code switch} over it without {@code default} is exhaustive, and each kind
 * is implemented by exactly one record ({@link Kind#COMPLETENESS} by {@link Completeness}, and so on).
 */
public sealed interface CheckDef {
    /** The kind of check; each record returns one constant. */
    Kind kind();

    /** The column(s) it checks, in order; empty for size and predicate checks, and anomaly checks of the size. */
    List<String> columns();

    /** Error (stops a publish, exit code 1) or warning (reported). */
    Severity severity();

    /** What it guards against; may be empty. */
    String description();

    /** A copy with another severity and description. */
    CheckDef with(Severity severity, String description);

    /** A copy with another severity. */
    default CheckDef withSeverity(Severity severity) {
        return with(severity, description());
    }

    /** A copy with another description. */
    default CheckDef withDescription(String description) {
        return with(severity(), description);
    }

    /** A check of one column. */
    sealed interface ColumnCheck extends CheckDef {
        /** The column checked. */
        String column();

        @Override
        default List<String> columns() {
            return List.of(column());
        }
    }

    /**
     * The fraction of non-null values of a column is at least {@code min}.
     *
     * @param min the least fraction, 0 to 1; empty for 1 (every row)
     */
    record Completeness(String column, Optional<Double> min, Severity severity, String description) implements ColumnCheck {
        public Completeness {
            column = validColumn(Kind.COMPLETENESS, "column", column);
            min = fraction(Kind.COMPLETENESS, "min", min);
            severity = validSeverity(Kind.COMPLETENESS, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.COMPLETENESS;
        }

        @Override
        public Completeness with(Severity severity, String description) {
            return new Completeness(column, min, severity, description);
        }
    }

    /**
     * The fraction of rows whose combination of {@code columns} is unique is at least {@code min}.
     *
     * @param min the least fraction, 0 to 1; empty for 1 (no duplicates)
     */
    record Uniqueness(List<String> columns, Optional<Double> min, Severity severity, String description) implements CheckDef {
        public Uniqueness {
            columns = columnList(Kind.UNIQUENESS, columns);
            min = fraction(Kind.UNIQUENESS, "min", min);
            severity = validSeverity(Kind.UNIQUENESS, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.UNIQUENESS;
        }

        @Override
        public Uniqueness with(Severity severity, String description) {
            return new Uniqueness(columns, min, severity, description);
        }
    }

    /** Every non-null value of a column is one of {@code values}. */
    record ContainedIn(String column, List<String> values, Severity severity, String description) implements ColumnCheck {
        public ContainedIn {
            column = validColumn(Kind.CONTAINED_IN, "column", column);
            if (values == null || values.isEmpty() || values.stream().anyMatch(java.util.Objects::isNull)) {
                throw invalid(Kind.CONTAINED_IN, "'values' is " + (values == null || values.isEmpty() ? "empty"
                        : "a list with a null"), "list at least one allowed value, none of them null");
            }
            values = List.copyOf(values);
            severity = validSeverity(Kind.CONTAINED_IN, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.CONTAINED_IN;
        }

        @Override
        public ContainedIn with(Severity severity, String description) {
            return new ContainedIn(column, values, severity, description);
        }
    }

    /** The smallest value of a column is at least {@code min} (every non-null value is). */
    record Min(String column, double min, Severity severity, String description) implements ColumnCheck {
        public Min {
            column = validColumn(Kind.MIN, "column", column);
            finite(Kind.MIN, "min", min);
            severity = validSeverity(Kind.MIN, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.MIN;
        }

        @Override
        public Min with(Severity severity, String description) {
            return new Min(column, min, severity, description);
        }
    }

    /** The largest value of a column is at most {@code max} (every non-null value is). */
    record Max(String column, double max, Severity severity, String description) implements ColumnCheck {
        public Max {
            column = validColumn(Kind.MAX, "column", column);
            finite(Kind.MAX, "max", max);
            severity = validSeverity(Kind.MAX, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.MAX;
        }

        @Override
        public Max with(Severity severity, String description) {
            return new Max(column, max, severity, description);
        }
    }

    /** Every non-null value of a column is in [{@code min}, {@code max}]. */
    record Range(String column, double min, double max, Severity severity, String description) implements ColumnCheck {
        public Range {
            column = validColumn(Kind.RANGE, "column", column);
            bounds(Kind.RANGE, Optional.of(min), Optional.of(max), true);
            severity = validSeverity(Kind.RANGE, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.RANGE;
        }

        @Override
        public Range with(Severity severity, String description) {
            return new Range(column, min, max, severity, description);
        }
    }

    /**
     * The fraction of non-null values of a string column matching {@code regex} (a Java regular expression, as
     * Spark's {@code RLIKE} reads it) is at least {@code min}.
     *
     * @param min the least fraction, 0 to 1; empty for 1 (every value)
     */
    record Pattern(String column, String regex, Optional<Double> min, Severity severity, String description)
            implements ColumnCheck {
        public Pattern {
            column = validColumn(Kind.PATTERN, "column", column);
            if (regex == null || regex.isEmpty()) {
                throw invalid(Kind.PATTERN, "'regex' is empty", "give a Java regular expression, e.g. ^o-[0-9]+$");
            }
            try {
                java.util.regex.Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw invalid(Kind.PATTERN, "'" + regex + "' is not a valid regular expression: " + e.getDescription(),
                        "fix the pattern");
            }
            min = fraction(Kind.PATTERN, "min", min);
            severity = validSeverity(Kind.PATTERN, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.PATTERN;
        }

        @Override
        public Pattern with(Severity severity, String description) {
            return new Pattern(column, regex, min, severity, description);
        }
    }

    /** The number of rows is within the bounds; at least one of them is given. */
    record Size(Optional<Double> min, Optional<Double> max, Severity severity, String description) implements CheckDef {
        public Size {
            min = optional(min);
            max = optional(max);
            bounds(Kind.SIZE, min, max, true);
            severity = validSeverity(Kind.SIZE, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.SIZE;
        }

        @Override
        public List<String> columns() {
            return List.of();
        }

        @Override
        public Size with(Severity severity, String description) {
            return new Size(min, max, severity, description);
        }
    }

    /** The number of distinct values of a column is within the bounds; at least one of them is given. */
    record DistinctCount(String column, Optional<Double> min, Optional<Double> max, Severity severity,
                         String description) implements ColumnCheck {
        public DistinctCount {
            column = validColumn(Kind.DISTINCT_COUNT, "column", column);
            min = optional(min);
            max = optional(max);
            bounds(Kind.DISTINCT_COUNT, min, max, true);
            severity = validSeverity(Kind.DISTINCT_COUNT, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.DISTINCT_COUNT;
        }

        @Override
        public DistinctCount with(Severity severity, String description) {
            return new DistinctCount(column, min, max, severity, description);
        }
    }

    /**
     * An approximate quantile of a numeric column is within the bounds; at least one of them is given.
     *
     * @param quantile which quantile, 0 to 1 (0.5 for the median)
     */
    record Quantile(String column, double quantile, Optional<Double> min, Optional<Double> max, Severity severity,
                    String description) implements ColumnCheck {
        public Quantile {
            column = validColumn(Kind.QUANTILE, "column", column);
            if (!(quantile >= 0 && quantile <= 1)) {
                throw invalid(Kind.QUANTILE, "'quantile' is " + quantile + ", not between 0 and 1",
                        "write a quantile from 0 to 1 (0.5 for the median)");
            }
            min = optional(min);
            max = optional(max);
            bounds(Kind.QUANTILE, min, max, true);
            severity = validSeverity(Kind.QUANTILE, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.QUANTILE;
        }

        @Override
        public Quantile with(Severity severity, String description) {
            return new Quantile(column, quantile, min, max, severity, description);
        }
    }

    /** The mean of a numeric column is within the bounds; at least one of them is given. */
    record Mean(String column, Optional<Double> min, Optional<Double> max, Severity severity, String description)
            implements ColumnCheck {
        public Mean {
            column = validColumn(Kind.MEAN, "column", column);
            min = optional(min);
            max = optional(max);
            bounds(Kind.MEAN, min, max, true);
            severity = validSeverity(Kind.MEAN, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.MEAN;
        }

        @Override
        public Mean with(Severity severity, String description) {
            return new Mean(column, min, max, severity, description);
        }
    }

    /** The (population) standard deviation of a numeric column is within the bounds; at least one of them is given. */
    record StdDev(String column, Optional<Double> min, Optional<Double> max, Severity severity, String description)
            implements ColumnCheck {
        public StdDev {
            column = validColumn(Kind.STDDEV, "column", column);
            min = optional(min);
            max = optional(max);
            bounds(Kind.STDDEV, min, max, true);
            severity = validSeverity(Kind.STDDEV, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.STDDEV;
        }

        @Override
        public StdDev with(Severity severity, String description) {
            return new StdDev(column, min, max, severity, description);
        }
    }

    /**
     * The fraction of rows satisfying a Spark SQL predicate is at least {@code min}; a row for which it is null fails.
     *
     * @param expr one Spark SQL boolean expression over the data's columns, e.g. {@code amount >= 0}
     * @param min the least fraction, 0 to 1; empty for 1 (every row)
     */
    record Predicate(String expr, Optional<Double> min, Severity severity, String description) implements CheckDef {
        public Predicate {
            if (expr == null || expr.isBlank()) {
                throw invalid(Kind.PREDICATE, "'expr' is empty", "write a SQL predicate such as amount >= 0");
            }
            String sql = expr;
            SqlCheck.expression(sql).ifPresent(p -> {
                throw invalid(Kind.PREDICATE, "'" + sql + "' is not valid Spark SQL: " + p,
                        "write a SQL predicate such as amount >= 0");
            });
            min = fraction(Kind.PREDICATE, "min", min);
            severity = validSeverity(Kind.PREDICATE, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.PREDICATE;
        }

        @Override
        public List<String> columns() {
            return List.of();
        }

        @Override
        public Predicate with(Severity severity, String description) {
            return new Predicate(expr, min, severity, description);
        }
    }

    /**
     * A metric compared with its own history in {@code quality.metrics} by one of Deequ's anomaly strategies.
     *
     * @param column the column whose metric is watched; empty for the size metric, which is of the whole table
     * @param rule the metric and strategy
     */
    record Anomaly(Optional<String> column, AnomalyDef rule, Severity severity, String description) implements CheckDef {
        public Anomaly {
            if (rule == null) {
                throw invalid(Kind.ANOMALY, "it has no rule", "give an AnomalyDef (metric, strategy and its bound)");
            }
            column = optional(column);
            if (rule.metric().needsColumn() && column.isEmpty()) {
                throw invalid(Kind.ANOMALY, "the " + name(rule.metric()) + " metric is of a column, and none is given",
                        "name the column whose " + name(rule.metric()) + " is watched");
            }
            if (!rule.metric().needsColumn() && column.isPresent()) {
                throw invalid(Kind.ANOMALY, "the size metric is of the whole table, not of a column",
                        "give no column");
            }
            column.ifPresent(c -> validColumn(Kind.ANOMALY, "column", c));
            severity = validSeverity(Kind.ANOMALY, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.ANOMALY;
        }

        @Override
        public List<String> columns() {
            return column.map(List::of).orElse(List.of());
        }

        @Override
        public Anomaly with(Severity severity, String description) {
            return new Anomaly(column, rule, severity, description);
        }
    }

    /**
     * A numeric column's distribution compared with a reference: population stability index and Kolmogorov-Smirnov.
     *
     * @param rule the reference and thresholds
     */
    record Drift(String column, DriftDef rule, Severity severity, String description) implements ColumnCheck {
        public Drift {
            column = validColumn(Kind.DRIFT, "column", column);
            if (rule == null) {
                throw invalid(Kind.DRIFT, "it has no rule", "give a DriftDef (reference and thresholds)");
            }
            severity = validSeverity(Kind.DRIFT, severity);
            description = text(description);
        }

        @Override
        public Kind kind() {
            return Kind.DRIFT;
        }

        @Override
        public Drift with(Severity severity, String description) {
            return new Drift(column, rule, severity, description);
        }
    }

    // ---- the rules every record shares ----

    private static IngotException invalid(Kind kind, String problem, String fix) {
        return Errors.invalidDefinition(name(kind) + " check", problem, fix);
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static String validColumn(Kind kind, String key, String column) {
        Identifiers.checkColumn(column).ifPresent(p -> {
            throw invalid(kind, "'" + key + "': " + p, "use " + Identifiers.columnRule());
        });
        return column;
    }

    private static List<String> columnList(Kind kind, List<String> columns) {
        if (columns == null || columns.isEmpty()) {
            throw invalid(kind, "'columns' is empty", "list at least one column");
        }
        Set<String> seen = new HashSet<>();
        for (String c : columns) {
            validColumn(kind, "columns", c);
            if (!seen.add(c)) {
                throw invalid(kind, "'" + c + "' is listed twice in 'columns'", "list each column once");
            }
        }
        return List.copyOf(columns);
    }

    private static <T> Optional<T> optional(Optional<T> value) {
        return value == null ? Optional.empty() : value;
    }

    private static Optional<Double> fraction(Kind kind, String key, Optional<Double> value) {
        Optional<Double> v = optional(value);
        v.ifPresent(d -> {
            if (!(d >= 0 && d <= 1)) {
                throw invalid(kind, "'" + key + "' is " + d + ", not a fraction",
                        "write a fraction from 0 to 1 (0.99 = 99% of the rows)");
            }
        });
        return v;
    }

    private static void finite(Kind kind, String key, double value) {
        if (!Double.isFinite(value)) {
            throw invalid(kind, "'" + key + "' is " + value, "write a finite number");
        }
    }

    private static void bounds(Kind kind, Optional<Double> min, Optional<Double> max, boolean required) {
        if (required && min.isEmpty() && max.isEmpty()) {
            throw invalid(kind, "it has no bound", "give 'min', 'max' or both");
        }
        min.ifPresent(m -> finite(kind, "min", m));
        max.ifPresent(m -> finite(kind, "max", m));
        if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
            throw invalid(kind, "min " + min.get() + " is greater than max " + max.get(), "swap them, so that min <= max");
        }
    }

    private static Severity validSeverity(Kind kind, Severity severity) {
        if (severity == null) {
            throw invalid(kind, "it has no severity", "give Severity.ERROR or Severity.WARNING");
        }
        return severity;
    }

    private static String text(String description) {
        return description == null ? "" : description;
    }
}
