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
        PREDICATE("expr", "min");

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
     */
    public record CheckDef(Kind kind, List<String> columns, Severity severity, String description,
                           Optional<Double> min, Optional<Double> max, List<String> values, Optional<String> regex,
                           Optional<Double> quantile, Optional<String> expr) {
        public CheckDef {
            columns = List.copyOf(columns);
            values = List.copyOf(values);
        }
    }
}
