package dev.ingot.core;

import java.util.List;
import java.util.Map;
import dev.ingot.core.internal.CommitMetadata;
import dev.ingot.core.internal.DeltaConflicts;
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
     * and properties in the commit that creates it. A table that exists, or that another run creates at the same
     * time, is left as it is.
     */
    public static void createDeltaTableIfMissing(SparkSession spark, TableName table, StructType schema, TableDoc doc) {
        if (!tableExists(spark, table)) {
            try {
                createDeltaTable(spark.createDataFrame(List.of(), schema), table, doc, Map.of(), List.of(), false);
            } catch (TableExists e) {
                // created meanwhile by another run: as wanted
            }
        }
    }

    /**
     * Appends rows to a Delta record table ({@code ingot.score_runs}, {@code ingot.job_runs}, {@code ingot.lineage}),
     * creating it with {@code doc} when missing; columns added to {@code schema} after the table was created are
     * merged into it. Many runs may append at once: an append that loses a race is done again
     * ({@link DeltaConflicts#retry}).
     */
    public static void appendRows(SparkSession spark, TableName table, StructType schema, List<Row> rows,
                                  TableDoc doc) {
        createDeltaTableIfMissing(spark, table, schema, doc);
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        DeltaConflicts.retry("append to " + table, () -> df.write().format("delta").mode("append")
                .option("mergeSchema", "true").saveAsTable(table.sql()));
    }

    /**
     * Appends rows to a Delta table with the writer {@code options} (e.g. {@code mergeSchema}); when the table is
     * missing, creates it from the rows with {@code doc}'s comments and properties, in the same single commit. Many
     * runs may append at once ({@link #createOrWrite}, {@link DeltaConflicts#retry}).
     */
    public static void appendDelta(Dataset<Row> rows, TableName table, TableDoc doc, Map<String, String> options) {
        createOrWrite(rows, table, doc, options, List.of(), () -> DeltaConflicts.retry("append to " + table,
                () -> rows.write().format("delta").mode("append").options(options).saveAsTable(table.sql())));
    }

    /**
     * Creates a Delta table from {@code rows} in one commit with plain CREATE (never replacing a table), or, when
     * the table exists or another run creates it at the same time, runs {@code intoExisting}, which writes the rows
     * into it (an append, a replaceWhere). The run that loses the race to create waits for the winner's catalog entry
     * first, so {@code intoExisting} always finds the table.
     *
     * @return whether this call created the table
     */
    public static boolean createOrWrite(Dataset<Row> rows, TableName table, TableDoc doc, Map<String, String> options,
                                        List<String> partitionColumns, Runnable intoExisting) {
        if (!tableExists(rows.sparkSession(), table)) {
            try {
                createDeltaTable(rows, table, doc, options, partitionColumns, false);
                return true;
            } catch (TableExists e) {
                // created meanwhile by another run: write into it
            }
        }
        intoExisting.run();
        return false;
    }

    /**
     * Writes rows as a Delta table in one commit that also records {@code doc}: the table comment, the columns'
     * comments (in the rows' schema) and the properties. Creates the table's database when missing.
     *
     * @param options writer options (e.g. {@code userMetadata}, the commit's metadata, which the creating commit keeps)
     * @param partitionColumns the columns to partition by, none for an unpartitioned table
     * @param replace whether a table of that name is replaced (CREATE OR REPLACE: a new version of the same table,
     *                its history kept); when false and the table exists, or another run creates it at the same time,
     *                {@link TableExists} is thrown (once the other run's catalog entry is there) and nothing was
     *                committed
     */
    public static void createDeltaTable(Dataset<Row> rows, TableName table, TableDoc doc, Map<String, String> options,
                                        List<String> partitionColumns, boolean replace) {
        SparkSession spark = rows.sparkSession();
        ensureDatabaseOf(spark, table);
        Map<String, String> writerOptions = new java.util.LinkedHashMap<>(options);
        String userMetadata = writerOptions.remove(USER_METADATA);
        // Delta 3.3 does not put a userMetadata writer option of CREATE TABLE AS SELECT in the commit it makes; its
        // session setting it does read. Set on a clone of the session (never on the caller's, which other threads may
        // be writing with), with the same query plan: no rows are converted or computed twice.
        Dataset<Row> source = userMetadata == null ? rows : CommitMetadata.on(rows, userMetadata);
        // DataFrameWriterV2 is a builder that changes itself, so its calls need not be chained.
        DataFrameWriterV2<Row> w = doc.describe(source).writeTo(table.sql());
        w.using("delta");
        w.options(writerOptions);
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
            if (!replace && createdMeanwhile(spark, table, e)) {
                throw new TableExists(table);
            }
            throw e instanceof RuntimeException r ? r : Errors.jobFailed("create the Delta table " + table, e);
        }
    }

    /** The writer option, and Delta's name, of a commit's user metadata. */
    private static final String USER_METADATA = "userMetadata";
    /** How long a run that lost the race to create a table waits for the winner's catalog entry. */
    private static final long CREATION_WAIT_MILLIS = 60_000;

    /**
     * Whether a CREATE failed because another run created the table at the same time: both wrote the first commit
     * of its Delta log (Delta's ProtocolChangedException, "multiple writers are writing to an empty directory"), or
     * found the other's log or catalog entry. Then waits until the winner's catalog entry is there.
     */
    private static boolean createdMeanwhile(SparkSession spark, TableName table, Exception e) {
        String text = String.valueOf(e.getMessage());
        boolean race = DeltaConflicts.isConflict(e) || tableExists(spark, table)
                || text.contains("LOCATION_ALREADY_EXISTS") || text.contains("NON_EMPTY_LOCATION")
                || text.contains("already exists") || text.contains("is not empty");
        if (!race) {
            return false;
        }
        long deadline = System.currentTimeMillis() + CREATION_WAIT_MILLIS;
        while (!tableExists(spark, table)) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
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
