package dev.ingot.core;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
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
        Map<String, String> columns = new LinkedHashMap<>();
        String comment = "";
        boolean inColumns = true;
        for (Row r : spark.sql("DESCRIBE TABLE EXTENDED " + table).collectAsList()) {
            String name = r.getString(0);
            if (name == null || name.isBlank() || name.startsWith("#")) {
                inColumns = false; // the partitioning and detailed sections follow the columns
                continue;
            }
            if (inColumns) {
                columns.put(name, r.isNullAt(2) ? "" : r.getString(2));
            } else if (name.equals("Comment")) {
                comment = r.isNullAt(1) ? "" : r.getString(1);
            }
        }
        Map<String, String> properties = new LinkedHashMap<>();
        for (Row r : spark.sql("SHOW TBLPROPERTIES " + table).collectAsList()) {
            properties.put(r.getString(0), r.getString(1));
        }
        return new CatalogEntry(comment, columns, properties);
    }

    /** The columns that have no comment. */
    public java.util.List<String> uncommented() {
        return columns.entrySet().stream().filter(e -> e.getValue().isBlank()).map(Map.Entry::getKey).toList();
    }
}
