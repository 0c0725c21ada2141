package dev.ingot.core;

import org.apache.spark.sql.SparkSession;

/**
 * Creates Ingot's databases in the session's catalog, each located under the project's warehouse, so that Ingot's
 * tables stay together even when the metastore is shared with other tools.
 *
 * <p>Commands create a database right before their first write to it ({@link #ensureDatabaseOf}), not when their
 * session starts, so that a command that stops on bad input leaves the catalog as it was.
 */
public final class Catalog {
    /** Session setting: the warehouse of the project the session serves ({@link IngotSessions} sets it). */
    public static final String WAREHOUSE_CONF = "spark.ingot.warehouse";

    private Catalog() {}

    /**
     * Creates the database of {@code table} when missing, at {@code <warehouse>/<database>.db}: call it right before
     * the first write to {@code table}.
     */
    public static void ensureDatabaseOf(SparkSession spark, TableName table) {
        String db = table.database();
        if (!spark.catalog().databaseExists(db)) {
            ensureDatabase(spark, warehouse(spark), db,
                    Tables.database(db).map(Tables.Database::comment).orElse("Ingot outputs"));
        }
    }

    /** The warehouse the session serves: the project's ({@value #WAREHOUSE_CONF}), else Spark's warehouse dir. */
    public static Location warehouse(SparkSession spark) {
        String wh = spark.conf().contains(WAREHOUSE_CONF) ? spark.conf().get(WAREHOUSE_CONF)
                : spark.conf().get("spark.sql.warehouse.dir");
        return Location.parse(wh, java.nio.file.Path.of("").toAbsolutePath());
    }

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

    /**
     * Whether a table of the catalog is a Delta table (the catalog's provider for it), as opposed to a Parquet, Hive
     * or other table; false when it does not exist.
     */
    public static boolean isDeltaTable(SparkSession spark, TableName table) {
        if (!tableExists(spark, table)) {
            return false;
        }
        try {
            scala.Option<String> provider = spark.sessionState().catalog().getTableMetadata(
                    new org.apache.spark.sql.catalyst.TableIdentifier(table.table(), scala.Option.apply(table.database())))
                    .provider();
            return provider.isDefined() && provider.get().equalsIgnoreCase("delta");
        } catch (Exception e) { // NoSuchTableException is checked to Java but thrown all the same
            if (e instanceof org.apache.spark.sql.catalyst.analysis.NoSuchTableException) {
                return false; // dropped since tableExists
            }
            throw Errors.jobFailed("read the catalog entry of " + table, e);
        }
    }

    /** Creates an empty Delta table with {@code schema} when the table does not exist yet. */
    public static void createDeltaTableIfMissing(SparkSession spark, TableName table,
                                                 org.apache.spark.sql.types.StructType schema) {
        if (!tableExists(spark, table)) {
            ensureDatabaseOf(spark, table);
            spark.createDataFrame(java.util.List.of(), schema).write().format("delta").mode("ignore")
                    .saveAsTable(table.sql());
        }
    }

    /**
     * Appends rows to a Delta record table ({@code ingot.score_runs}, {@code ingot.job_runs}), creating it when
     * missing; columns added to {@code schema} after the table was created are merged into it.
     */
    public static void appendRows(SparkSession spark, TableName table, org.apache.spark.sql.types.StructType schema,
                                  java.util.List<org.apache.spark.sql.Row> rows) {
        createDeltaTableIfMissing(spark, table, schema);
        spark.createDataFrame(rows, schema).write().format("delta").mode("append").option("mergeSchema", "true")
                .saveAsTable(table.sql());
    }

    /** A SQL string literal for any text: quotes and backslashes escaped. */
    public static String literal(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
