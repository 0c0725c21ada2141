package dev.ingot.core;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
        try {
            spark.sql("CREATE DATABASE IF NOT EXISTS `" + name + "` COMMENT " + literal(comment)
                    + " LOCATION " + literal(location));
        } catch (RuntimeException e) {
            // Another process created it at the same moment, and a shared metastore's unique key refused the second
            // entry (JdbcMetastore.ensureUniqueKeys): as wanted.
            if (!(uniqueKeyRefused(e) && spark.catalog().databaseExists(name))) {
                throw e;
            }
        }
    }

    /** Whether a metastore refused a second entry of one name (a unique key: PostgreSQL's, MySQL's wording). */
    private static boolean uniqueKeyRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("duplicate key") || m.contains("unique constraint") || m.contains("Duplicate entry")) {
                return true;
            }
        }
        return false;
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
     * Where a table of the catalog keeps its files (its location URI, e.g. {@code file:/warehouse/ml.db/runs}), from
     * the catalog entry: no Spark job and no read of the table (DESCRIBE DETAIL computes the Delta table's size and
     * file count, a Spark job).
     */
    public static String location(SparkSession spark, TableName table) {
        try {
            return spark.sessionState().catalog().getTableMetadata(new org.apache.spark.sql.catalyst.TableIdentifier(
                    table.table(), scala.Option.apply(table.database()))).location().toString();
        } catch (Exception e) { // NoSuchTableException is checked to Java but thrown all the same
            if (e instanceof org.apache.spark.sql.catalyst.analysis.NoSuchTableException) {
                throw Errors.badData("read the catalog entry of " + table, "the table does not exist",
                        "create it first (the command that writes it)");
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
            if (!replace) {
                switch (createdMeanwhile(spark, table, e)) {
                    case CREATED -> throw new TableExists(table);
                    case CLEARED -> {
                        // A dead run's leftovers were in the way and are out of it now: create once more. Any
                        // failure of this second try is this run's own.
                        try {
                            w.create();
                            return;
                        } catch (Exception again) {
                            if (again instanceof TableAlreadyExistsException
                                    || createdMeanwhile(spark, table, again) == Race.CREATED) {
                                throw new TableExists(table);
                            }
                            throw again instanceof RuntimeException r ? r
                                    : Errors.jobFailed("create the Delta table " + table, again);
                        }
                    }
                    case NONE -> { }
                }
            }
            throw e instanceof RuntimeException r ? r : Errors.jobFailed("create the Delta table " + table, e);
        }
    }

    /** The writer option, and Delta's name, of a commit's user metadata. */
    private static final String USER_METADATA = "userMetadata";
    /**
     * Session setting: how long a run that lost the race to create a table waits for the winner's catalog entry, in
     * seconds; also how old a commit of a table folder without a catalog entry must be to count as a dead run's.
     */
    public static final String CREATION_WAIT = "spark.ingot.catalog.creationWaitSeconds";
    /**
     * The default of {@link #CREATION_WAIT}: a creator registers its table in the catalog right after its first
     * commit, in well under a second; a minute leaves room for a slow metastore.
     */
    public static final long CREATION_WAIT_DEFAULT = 60;
    private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);
    private static final Pattern RUN_ID = Pattern.compile("ingot_run_id\\\\?\"\\s*:\\s*\\\\?\"([^\"\\\\]+)");

    /** What a failed CREATE met: no race, another run's table, or a dead run's leftovers, now out of the way. */
    private enum Race { NONE, CREATED, CLEARED }

    /**
     * Why a CREATE (not a replace) failed, when another run is part of it.
     * <ul>
     *   <li>{@link Race#CREATED}: another run created the table at the same time (both wrote the first commit of its
     *   Delta log: Delta's ProtocolChangedException, "multiple writers are writing to an empty directory"; or this
     *   run found the other's log or catalog entry), and its catalog entry is there now (waited for).</li>
     *   <li>{@link Race#CLEARED}: the table's folder held what a dead run left (it was killed while creating the
     *   table, so its catalog entry never came), and that is out of the way now:
     *   <ul>
     *     <li>data files without a Delta log (killed before its first commit): an empty {@code _delta_log} is made,
     *     under which Delta creates the table and leaves files no commit names alone (VACUUM removes them). Nothing
     *     is removed, in case the files are a live creator's, still writing: the two then race to commit first.</li>
     *     <li>a Delta log without a catalog entry (killed between the first commit and its registration): once its
     *     newest commit is {@link #CREATION_WAIT} old and still no entry came, the folder is moved aside to
     *     {@code <table>.dead-<time>}, next to it, and logged at WARN with the dead run's id (from the commit's
     *     metadata).</li>
     *   </ul></li>
     * </ul>
     */
    private static Race createdMeanwhile(SparkSession spark, TableName table, Exception e) {
        String text = String.valueOf(e.getMessage());
        boolean race = DeltaConflicts.isConflict(e) || uniqueKeyRefused(e) || tableExists(spark, table)
                || text.contains("LOCATION_ALREADY_EXISTS") || text.contains("NON_EMPTY_LOCATION")
                || text.contains("already exists") || text.contains("is not empty");
        if (!race) {
            return Race.NONE;
        }
        long waitMillis = 1000 * creationWaitSeconds(spark);
        long deadline = System.currentTimeMillis() + waitMillis;
        while (!tableExists(spark, table)) {
            Leftovers left = Leftovers.of(spark, table);
            if (left.files() && !left.log()) {
                left.makeLog();
                return Race.CLEARED;
            }
            if (left.log() && System.currentTimeMillis() - left.newestCommit() > waitMillis) {
                left.moveAside(table);
                return Race.CLEARED;
            }
            if (System.currentTimeMillis() > deadline + (left.log() ? 2 * waitMillis : 0)) {
                return Race.NONE; // nothing in the way, or a log that keeps changing without a catalog entry
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return Race.NONE;
            }
        }
        return Race.CREATED;
    }

    private static long creationWaitSeconds(SparkSession spark) {
        try {
            return Math.max(1, Long.parseLong(spark.conf().get(CREATION_WAIT, Long.toString(CREATION_WAIT_DEFAULT))));
        } catch (NumberFormatException e) {
            return CREATION_WAIT_DEFAULT;
        }
    }

    /** What is in the folder of a table the catalog does not have. */
    private record Leftovers(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path folder, boolean files,
                             boolean log, long newestCommit, java.util.Optional<String> runId) {
        static Leftovers of(SparkSession spark, TableName table) {
            try {
                java.net.URI uri = spark.sessionState().catalog().defaultTablePath(
                        new org.apache.spark.sql.catalyst.TableIdentifier(table.table(), scala.Option.apply(table.database())));
                org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(uri);
                org.apache.hadoop.fs.FileSystem fs = folder.getFileSystem(spark.sessionState().newHadoopConf());
                if (!fs.exists(folder)) {
                    return new Leftovers(fs, folder, false, false, 0, java.util.Optional.empty());
                }
                boolean files = fs.listStatus(folder).length > 0;
                org.apache.hadoop.fs.Path logDir = new org.apache.hadoop.fs.Path(folder, "_delta_log");
                org.apache.hadoop.fs.FileStatus[] commits = fs.exists(logDir)
                        ? fs.listStatus(logDir, p -> p.getName().matches("\\d{20}\\.json"))
                        : new org.apache.hadoop.fs.FileStatus[0];
                long newest = 0;
                org.apache.hadoop.fs.Path first = null;
                for (org.apache.hadoop.fs.FileStatus c : commits) {
                    newest = Math.max(newest, c.getModificationTime());
                    if (first == null || c.getPath().getName().compareTo(first.getName()) < 0) {
                        first = c.getPath();
                    }
                }
                java.util.Optional<String> runId = java.util.Optional.empty();
                if (first != null) {
                    try (java.io.InputStream in = fs.open(first)) {
                        java.util.regex.Matcher m = RUN_ID.matcher(new String(in.readAllBytes(),
                                java.nio.charset.StandardCharsets.UTF_8));
                        runId = m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
                    }
                }
                return new Leftovers(fs, folder, files, commits.length > 0, newest, runId);
            } catch (java.io.IOException e) {
                throw Errors.jobFailed("look into the folder of " + table, e);
            }
        }

        void makeLog() {
            try {
                fs.mkdirs(new org.apache.hadoop.fs.Path(folder, "_delta_log"));
                LOG.warn("{} holds files that no Delta commit names (a run that died before its first commit left "
                        + "them): the table is created over them, and VACUUM removes them", folder);
            } catch (java.io.IOException e) {
                throw Errors.jobFailed("create the Delta log in " + folder, e);
            }
        }

        void moveAside(TableName table) {
            org.apache.hadoop.fs.Path aside = new org.apache.hadoop.fs.Path(folder.getParent(), folder.getName()
                    + ".dead-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                    .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now()));
            try {
                if (!fs.rename(folder, aside) && fs.exists(folder)) {
                    throw new java.io.IOException("rename returned false");
                }
            } catch (java.io.IOException e) {
                throw Errors.jobFailed("move the folder " + folder + " (a Delta table without a catalog entry) aside",
                        e);
            }
            LOG.warn("{} held a Delta table that the catalog does not have ({}): a run killed while creating {} "
                    + "(between its first commit and its catalog entry) left it. Moved aside to {}: delete it once "
                    + "you know you do not need it", folder, runId.map(r -> "written by run " + r)
                    .orElse("no Ingot run id in its first commit"), table, aside);
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
