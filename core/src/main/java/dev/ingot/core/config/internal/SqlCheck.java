package dev.ingot.core.config.internal;

import java.util.Optional;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;

/** Checks SQL text from definitions with Spark's own parser: no session, no job. */
public final class SqlCheck {
    private SqlCheck() {}

    /** Why {@code sql} is not one Spark SQL expression, or empty when it is. */
    public static Optional<String> expression(String sql) {
        Expression e;
        try {
            e = CatalystSqlParser$.MODULE$.parseExpression(sql);
        } catch (Exception ex) {
            // Not RuntimeException: Spark's ParseException is an AnalysisException, a checked exception to Java.
            return Optional.of(firstLine(String.valueOf(ex.getMessage())));
        }
        // The parser takes "amount total" as "amount AS total": almost always a missing operator, and a column's
        // name comes from the definition, never from an alias.
        if (e instanceof Alias a) {
            return Optional.of("it ends in the alias '" + a.name() + "' (a missing operator, or an AS that does not belong)");
        }
        return Optional.empty();
    }

    /** Why {@code ddl} is not a Spark SQL type, or empty when it is. */
    public static Optional<String> dataType(String ddl) {
        // Not DataType.fromDDL: it falls back to a table schema, so "a int" would pass as struct<a:int>.
        try {
            CatalystSqlParser$.MODULE$.parseDataType(ddl);
            return Optional.empty();
        } catch (Exception e) {
            return Optional.of(firstLine(String.valueOf(e.getMessage())));
        }
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
