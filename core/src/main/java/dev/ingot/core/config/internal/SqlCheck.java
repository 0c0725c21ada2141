package dev.ingot.core.config.internal;

import java.util.Optional;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.types.DataType;

/** Checks SQL text from definitions with Spark's own parser: no session, no job. */
public final class SqlCheck {
    private SqlCheck() {}

    /** Why {@code sql} is not one Spark SQL expression, or empty when it is. */
    public static Optional<String> expression(String sql) {
        try {
            CatalystSqlParser$.MODULE$.parseExpression(sql);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(firstLine(String.valueOf(e.getMessage())));
        }
    }

    /** Why {@code ddl} is not a Spark SQL type, or empty when it is. */
    public static Optional<String> dataType(String ddl) {
        try {
            DataType.fromDDL(ddl);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(firstLine(String.valueOf(e.getMessage())));
        }
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
