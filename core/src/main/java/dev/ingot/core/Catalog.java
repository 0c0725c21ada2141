package dev.ingot.core;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriterV2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.TableAlreadyExistsException;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

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

    /**
     * Creates an empty Delta table with {@code schema} when the table does not exist yet, with {@code doc}'s comments
     * and properties in the commit that creates it. A table that exists is left as it is.
     */
    public static void createDeltaTableIfMissing(SparkSession spark, TableName table, StructType schema, TableDoc doc) {
        if (!tableExists(spark, table)) {
            try {
                createDeltaTable(spark.createDataFrame(List.of(), schema), table, doc, Map.of(), List.of(), false);
            } catch (TableExists e) {
                // created meanwhile by another process: as wanted
            }
        }
    }

    /**
     * Appends rows to a Delta record table ({@code ingot.score_runs}, {@code ingot.job_runs}), creating it with
     * {@code doc} when missing; columns added to {@code schema} after the table was created are merged into it.
     */
    public static void appendRows(SparkSession spark, TableName table, StructType schema, List<Row> rows,
                                  TableDoc doc) {
        createDeltaTableIfMissing(spark, table, schema, doc);
        spark.createDataFrame(rows, schema).write().format("delta").mode("append").option("mergeSchema", "true")
                .saveAsTable(table.sql());
    }

    /**
     * Appends rows to a Delta table with the writer {@code options} (e.g. {@code mergeSchema}); when the table is
     * missing, creates it from the rows with {@code doc}'s comments and properties, in the same single commit.
     */
    public static void appendDelta(Dataset<Row> rows, TableName table, TableDoc doc, Map<String, String> options) {
        if (!tableExists(rows.sparkSession(), table)) {
            try {
                createDeltaTable(rows, table, doc, options, List.of(), false);
                return;
            } catch (TableExists e) {
                // created meanwhile by another process: append to it
            }
        }
        rows.write().format("delta").mode("append").options(options).saveAsTable(table.sql());
    }

    /**
     * Writes rows as a Delta table in one commit that also records {@code doc}: the table comment, the columns'
     * comments (in the rows' schema) and the properties. Creates the table's database when missing.
     *
     * @param options writer options (e.g. {@code userMetadata}, the commit's metadata)
     * @param partitionColumns the columns to partition by, none for an unpartitioned table
     * @param replace whether a table of that name is replaced (CREATE OR REPLACE: a new version of the same table,
     *                its history kept); when false and the table exists, {@link TableExists} is thrown
     */
    public static void createDeltaTable(Dataset<Row> rows, TableName table, TableDoc doc, Map<String, String> options,
                                        List<String> partitionColumns, boolean replace) {
        SparkSession spark = rows.sparkSession();
        ensureDatabaseOf(spark, table);
        // DataFrameWriterV2 is a builder that changes itself, so its calls need not be chained.
        DataFrameWriterV2<Row> w = doc.describe(rows).writeTo(table.sql());
        w.using("delta");
        w.options(options);
        w.tableProperty("comment", doc.comment());
        doc.properties().forEach(w::tableProperty);
        if (!partitionColumns.isEmpty()) {
            w.partitionedBy(functions.col(partitionColumns.get(0)), partitionColumns.subList(1, partitionColumns.size())
                    .stream().map(functions::col).toArray(Column[]::new));
        }
        try {
            if (replace) {
                w.createOrReplace();
            } else {
                w.create();
            }
        } catch (Exception e) { // TableAlreadyExistsException is checked to Java but thrown all the same
            if (e instanceof TableAlreadyExistsException) {
                throw new TableExists(table);
            }
            throw e instanceof RuntimeException r ? r : Errors.jobFailed("create the Delta table " + table, e);
        }
    }

    /** Thrown by {@link #createDeltaTable} when asked to create (not replace) a table that exists. */
    public static final class TableExists extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TableExists(TableName table) {
            super("Table " + table + " exists already");
        }
    }

    /** A SQL string literal for any text: quotes and backslashes escaped. */
    public static String literal(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
