package dev.ingot.core;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Validates every identifier that comes from configuration before it can reach SQL.
 *
 * <p>Names of views, sources, suites, models, databases and tables are lower-case snake case, so they mean the same
 * thing in Spark, Hive's metastore (which lower-cases) and on disk. Column names may also use upper case, as source
 * data often does. Nothing else is accepted, which is what keeps a definition from injecting SQL.
 */
public final class Identifiers {
    /** The longest name accepted (Hive's metastore limit on table names is 128; versions add a suffix). */
    public static final int MAX_LENGTH = 100;

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern COLUMN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Identifiers() {}

    /** Why {@code value} is not a valid name, or empty when it is. */
    public static Optional<String> checkName(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.of("a name is empty");
        }
        if (value.length() > MAX_LENGTH) {
            return Optional.of("'" + value + "' is longer than " + MAX_LENGTH + " characters");
        }
        if (!NAME.matcher(value).matches()) {
            return Optional.of("'" + value + "' is not a valid name");
        }
        return Optional.empty();
    }

    /** Why {@code value} is not a valid column name, or empty when it is. */
    public static Optional<String> checkColumn(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.of("a column name is empty");
        }
        if (value.length() > MAX_LENGTH || !COLUMN.matcher(value).matches()) {
            return Optional.of("'" + value + "' is not a valid column name");
        }
        return Optional.empty();
    }

    /** What a valid name looks like, for error messages. */
    public static String nameRule() {
        return "lower-case letters, digits and '_', starting with a letter (e.g. customer_spend), at most "
                + MAX_LENGTH + " characters";
    }

    /** What a valid column name looks like, for error messages. */
    public static String columnRule() {
        return "letters, digits and '_', not starting with a digit (e.g. amount_usd)";
    }

    /** Returns the name, or throws a bad-input error naming {@code what}. */
    public static String requireName(String what, String value) {
        checkName(value).ifPresent(p -> {
            throw Errors.badArgument(what, value, nameRule());
        });
        return value;
    }

    /** Backtick-quotes a column name; a bad-input error when it is not a valid column name. */
    public static String quoteColumn(String column) {
        checkColumn(column).ifPresent(p -> {
            throw Errors.badArgument("column", column, columnRule());
        });
        return "`" + column + "`";
    }
}
