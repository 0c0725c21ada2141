package dev.ingot.core;

import org.apache.spark.sql.SparkSession;

/**
 * Creates Ingot's databases in the session's catalog, each located under the project's warehouse, so that Ingot's
 * tables stay together even when the metastore is shared with other tools.
 */
public final class Catalog {
    private Catalog() {}

    /** Creates {@code features}, {@code quality}, {@code ml}, {@code scores} and {@code ingot} when missing. */
    public static void ensureDatabases(SparkSession spark, Location warehouse) {
        for (Tables.Database db : Tables.DATABASES) {
            ensureDatabase(spark, warehouse, db.name(), db.comment());
        }
    }

    /** Creates one database when missing, at {@code <warehouse>/<name>.db}. */
    public static void ensureDatabase(SparkSession spark, Location warehouse, String name, String comment) {
        Identifiers.requireName("database", name);
        String location = warehouse.resolve(name + ".db").toString();
        spark.sql("CREATE DATABASE IF NOT EXISTS `" + name + "` COMMENT " + literal(comment)
                + " LOCATION " + literal(location));
    }

    /** Whether a table exists in the catalog. */
    public static boolean tableExists(SparkSession spark, TableName table) {
        return spark.catalog().tableExists(table.database(), table.table());
    }

    /** Creates an empty Delta table with {@code schema} when the table does not exist yet. */
    public static void createDeltaTableIfMissing(SparkSession spark, TableName table,
                                                 org.apache.spark.sql.types.StructType schema) {
        if (!tableExists(spark, table)) {
            spark.createDataFrame(java.util.List.of(), schema).write().format("delta").mode("ignore")
                    .saveAsTable(table.sql());
        }
    }

    /** A SQL string literal for any text: quotes and backslashes escaped. */
    public static String literal(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
