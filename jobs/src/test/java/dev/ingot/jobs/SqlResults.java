package dev.ingot.jobs;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Query results in one comparable form, whether {@code bin/ingot sql --format json} printed them or a JDBC client
 * read them: a list of rows, each column name to value, numbers by value, dates and timestamps as text.
 */
public final class SqlResults {
    private SqlResults() {}

    /** The JSON lines of each result of a script ({@code --format json}: results apart by an empty line). */
    public static List<List<Map<String, Object>>> ofJsonLines(String out) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
        List<List<Map<String, Object>>> results = new ArrayList<>();
        for (String block : out.split("\\R\\R", -1)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String line : block.lines().filter(l -> !l.isBlank()).toList()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> row = json.readValue(line, LinkedHashMap.class);
                Map<String, Object> normal = new LinkedHashMap<>();
                row.forEach((k, v) -> normal.put(k, normal(v)));
                rows.add(normal);
            }
            results.add(rows);
        }
        return results;
    }

    /** The rows of a query over JDBC. */
    public static List<Map<String, Object>> rows(Connection c, String query) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), normal(rs.getObject(i)));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** Numbers compared by value (an integer and a decimal of JSON, Long or Double of JDBC), the rest as it is. */
    public static Object normal(Object v) {
        if (v instanceof BigInteger || v instanceof BigDecimal || v instanceof Number) {
            BigDecimal d = new BigDecimal(v.toString());
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        // JDBC gives a DATE as java.sql.Date, whose text is JSON's (yyyy-mm-dd).
        if (v instanceof java.sql.Date date) {
            return date.toString();
        }
        // A TIMESTAMP: Hive's driver gives the server's text (its session time zone, UTC here) as a local date-time,
        // with microseconds; Spark's JSON, an instant of milliseconds (2026-01-03T00:00:00.000Z).
        if (v instanceof java.sql.Timestamp ts) {
            return "ts " + ts.toLocalDateTime().truncatedTo(ChronoUnit.MILLIS);
        }
        if (v instanceof String text && JSON_TIMESTAMP.matcher(text).matches()) {
            return "ts " + OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime()
                    .truncatedTo(ChronoUnit.MILLIS);
        }
        return v;
    }

    private static final Pattern JSON_TIMESTAMP =
            Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)");
}
