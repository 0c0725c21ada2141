package dev.ingot.core;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What the catalog says about a table, read the way a SQL user reads it: {@code DESCRIBE TABLE EXTENDED} (the columns
 * with their comments, the table's comment) and {@code SHOW TBLPROPERTIES}.
 *
 * @param comment the table comment, empty when none
 * @param columns each column, in order, with its comment (empty when none)
 * @param properties the table properties
 */
public record CatalogEntry(String comment, Map<String, String> columns, Map<String, String> properties) {
    /** Reads the entry of {@code table} ({@code database.table}). */
    public static CatalogEntry of(SparkSession spark, String table) {
        return of(sql -> spark.sql(sql).collectAsList().stream().map(r -> {
            String[] row = new String[r.length()];
            for (int i = 0; i < row.length; i++) {
                row[i] = r.isNullAt(i) ? null : r.get(i).toString();
            }
            return row;
        }).toList(), table);
    }

    /** Reads the entry of {@code table} over JDBC, as a user of {@code ingot sql-server} reads it. */
    public static CatalogEntry of(java.sql.Connection c, String table) {
        return of(sql -> {
            java.util.List<String[]> rows = new java.util.ArrayList<>();
            try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery(sql)) {
                int n = r.getMetaData().getColumnCount();
                while (r.next()) {
                    String[] row = new String[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = r.getString(i + 1);
                    }
                    rows.add(row);
                }
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(sql, e);
            }
            return rows;
        }, table);
    }

    private static CatalogEntry of(java.util.function.Function<String, java.util.List<String[]>> sql, String table) {
        Map<String, String> columns = new LinkedHashMap<>();
        String comment = "";
        boolean inColumns = true;
        for (String[] r : sql.apply("DESCRIBE TABLE EXTENDED " + table)) {
            String name = r[0];
            if (name == null || name.isBlank() || name.startsWith("#")) {
                inColumns = false; // the partitioning and detailed sections follow the columns
                continue;
            }
            if (inColumns) {
                columns.put(name, r[2] == null ? "" : r[2]);
            } else if (name.equals("Comment")) {
                comment = r[1] == null ? "" : r[1];
            }
        }
        Map<String, String> properties = new LinkedHashMap<>();
        for (String[] r : sql.apply("SHOW TBLPROPERTIES " + table)) {
            properties.put(r[0], r[1]);
        }
        return new CatalogEntry(comment, columns, properties);
    }

    /** The columns that have no comment. */
    public java.util.List<String> uncommented() {
        return columns.entrySet().stream().filter(e -> e.getValue().isBlank()).map(Map.Entry::getKey).toList();
    }
}
