package dev.ingot.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The lineage of every write: which inputs (with their Delta versions), which definition, which code, which run.
 * Recorded twice, so that either is enough: in the written table's Delta commit info ({@link #commitMetadata}) and as a
 * row of {@code ingot.lineage} ({@link #record}).
 */
public final class Lineage {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The schema of {@code ingot.lineage}. */
    public static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("command", DataTypes.StringType, false)
            .add("output_table", DataTypes.StringType, false)
            .add("output_version", DataTypes.LongType, true)
            .add("operation", DataTypes.StringType, false)
            .add("inputs", DataTypes.StringType, false)
            .add("definition_hash", DataTypes.StringType, true)
            .add("code_version", DataTypes.StringType, false)
            .add("rows_written", DataTypes.LongType, true)
            .add("range_from", DataTypes.TimestampType, true)
            .add("range_to", DataTypes.TimestampType, true)
            .add("started_at", DataTypes.TimestampType, false)
            .add("finished_at", DataTypes.TimestampType, false)
            .add("details", DataTypes.StringType, true);

    private Lineage() {}

    /**
     * One input of a write.
     *
     * @param name what the definitions call it (a source, a feature view, a spine)
     * @param location the table name or path read
     * @param deltaVersion the Delta version read, when the input is a Delta table
     */
    public record Input(String name, String location, Optional<Long> deltaVersion) {
        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("location", location);
            m.put("delta_version", deltaVersion.orElse(null));
            return m;
        }
    }

    /**
     * One write.
     *
     * @param runId the run it belongs to ({@link #newRunId()})
     * @param command the Ingot command
     * @param output the table written
     * @param outputVersion the Delta version the write created
     * @param operation what the write did (e.g. {@code materialize}, {@code tiles}, {@code training_set})
     * @param inputs what it read
     * @param definitionHash the definition it implements, if any
     * @param rowsWritten rows written, if known
     * @param rangeFrom start of the event-time range written, if any
     * @param rangeTo end (exclusive) of that range
     * @param startedAt when the write started
     * @param finishedAt when it committed
     * @param details anything else worth keeping
     */
    public record Entry(String runId, String command, TableName output, Optional<Long> outputVersion, String operation,
                        List<Input> inputs, Optional<String> definitionHash, Optional<Long> rowsWritten,
                        Optional<Instant> rangeFrom, Optional<Instant> rangeTo, Instant startedAt, Instant finishedAt,
                        Map<String, String> details) {
        public Entry {
            inputs = List.copyOf(inputs);
            details = Map.copyOf(details);
        }
    }

    /** A new run id: a random UUID. */
    public static String newRunId() {
        return UUID.randomUUID().toString();
    }

    /** Ingot's version (from the jar manifest; {@code dev} when run from classes). */
    public static String codeVersion() {
        String v = Lineage.class.getPackage().getImplementationVersion();
        return "ingot-" + (v == null ? "dev" : v);
    }

    /** The JSON put in a write's Delta commit info ({@code userMetadata}). */
    public static String commitMetadata(String runId, String command, List<Input> inputs, Optional<String> definitionHash,
                                        Map<String, String> details) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ingot_run_id", runId);
        m.put("command", command);
        m.put("code_version", codeVersion());
        definitionHash.ifPresent(h -> m.put("definition_hash", h));
        m.put("inputs", inputs.stream().map(Input::asMap).toList());
        if (!details.isEmpty()) {
            m.put("details", details);
        }
        return json(m);
    }

    /** Appends a row to {@code ingot.lineage}, creating the table when missing. */
    public static void record(SparkSession spark, Entry e) {
        record(spark, List.of(e));
    }

    /** Appends rows to {@code ingot.lineage} in one commit, creating the table when missing. */
    public static void record(SparkSession spark, List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        ensureTable(spark);
        spark.createDataFrame(entries.stream().map(Lineage::row).toList(), SCHEMA).write().format("delta").mode("append")
                .saveAsTable(Tables.LINEAGE.sql());
    }

    private static Row row(Entry e) {
        return RowFactory.create(e.runId(), e.command(), e.output().toString(), e.outputVersion().orElse(null),
                e.operation(), json(e.inputs().stream().map(Input::asMap).toList()), e.definitionHash().orElse(null),
                codeVersion(), e.rowsWritten().orElse(null), e.rangeFrom().map(Timestamp::from).orElse(null),
                e.rangeTo().map(Timestamp::from).orElse(null), Timestamp.from(e.startedAt()),
                Timestamp.from(e.finishedAt()), e.details().isEmpty() ? null : json(e.details()));
    }

    /** Creates {@code ingot.lineage} when missing. */
    public static void ensureTable(SparkSession spark) {
        Catalog.createDeltaTableIfMissing(spark, Tables.LINEAGE, SCHEMA);
    }

    /**
     * The Delta version of the latest commit of a table, from a listing of its Delta log (no Spark job: {@code DESCRIBE
     * HISTORY} reads and parses commits through a query, which costs a few tenths of a second per call); -1 when the
     * table does not exist yet, as Delta numbers a table with no commit.
     */
    public static long latestVersion(SparkSession spark, TableName table) {
        if (!Catalog.tableExists(spark, table)) {
            return -1;
        }
        return DeltaLog.forTable(spark, new TableIdentifier(table.table(), scala.Option.apply(table.database())))
                .update(false, scala.Option.empty(), scala.Option.empty()).version();
    }

    /** The Delta version of the latest commit of the Delta table at {@code path}, as {@link #latestVersion}. */
    public static long latestVersion(SparkSession spark, String path) {
        return DeltaLog.forTable(spark, path).update(false, scala.Option.empty(), scala.Option.empty()).version();
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
