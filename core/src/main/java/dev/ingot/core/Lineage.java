package dev.ingot.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
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
 *
 * <p>The one owner of the lineage JSON: what is written ({@link #commitMetadata}, the {@code inputs} and
 * {@code details} columns of {@code ingot.lineage}) is read back only through {@link #parse}, {@link #parseInputs} and
 * {@link #parseDetails}, so that no other class spells its keys.
 */
public final class Lineage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN_ID = "ingot_run_id";
    private static final String COMMAND = "command";
    private static final String CODE_VERSION = "code_version";
    private static final String DEFINITION_HASH = "definition_hash";
    private static final String INPUTS = "inputs";
    private static final String DETAILS = "details";
    private static final String NAME = "name";
    private static final String LOCATION = "location";
    private static final String DELTA_VERSION = "delta_version";
    /** What {@link #codeCommit} says when the build did not know its commit. */
    public static final String UNKNOWN_COMMIT = "unknown";
    private static final String BUILD_COMMIT = readBuildCommit();

    /** The schema of {@code ingot.lineage}, with each column's comment. */
    public static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false, "The run that wrote (one id per command run)")
            .add("command", DataTypes.StringType, false, "The Ingot command that wrote (features materialize, "
                    + "training-set, train, score, ...)")
            .add("output_table", DataTypes.StringType, false, "The table written, database.table")
            .add("output_version", DataTypes.LongType, true, "The Delta version the write made of output_table; null"
                    + " when the write made no commit")
            .add("operation", DataTypes.StringType, false, "What the write was (materialize, tiles, training_set, "
                    + "score, ...)")
            .add("inputs", DataTypes.StringType, false, "JSON list of what the write read: name, location (table or "
                    + "path) and delta_version")
            .add("definition_hash", DataTypes.StringType, true, "Hash of the definition the write implements (a "
                    + "feature view's, a model's ONNX SHA-256), if any")
            .add("code_version", DataTypes.StringType, false, "Ingot's version and commit that wrote")
            .add("rows_written", DataTypes.LongType, true, "Rows the commit wrote")
            .add("range_from", DataTypes.TimestampType, true, "Start of the event-time range written (inclusive), "
                    + "for range writes")
            .add("range_to", DataTypes.TimestampType, true, "End of the event-time range written (exclusive)")
            .add("started_at", DataTypes.TimestampType, false, "When the write started")
            .add("finished_at", DataTypes.TimestampType, false, "When the write finished")
            .add("details", DataTypes.StringType, true, "JSON object of anything else recorded (view, version, "
                    + "model, score_date, ...)");

    /** What the catalog says about {@code ingot.lineage}. */
    public static final TableDoc DOC = TableDoc.of("Lineage of every write Ingot makes: one row per table written by "
            + "a run, with the Delta versions of what it read and of what it wrote. Appended to, never updated.");

    private Lineage() {}

    /**
     * One input of a write.
     *
     * @param name what the definitions call it (a source, a feature view, a spine)
     * @param location the table name or path read
     * @param deltaVersion the Delta version read, when the input is a Delta table
     */
    public record Input(String name, String location, Optional<Long> deltaVersion) {
        public Input {
            Errors.required(name, "Lineage.Input.name");
            Errors.required(location, "Lineage.Input.location");
            Errors.required(deltaVersion, "Lineage.Input.deltaVersion (Optional.empty() for none)");
        }

        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(NAME, name);
            m.put(LOCATION, location);
            m.put(DELTA_VERSION, deltaVersion.orElse(null));
            return m;
        }

        /** {@code name=location@version}, or {@code name=location} when the input is not a Delta table. */
        @Override
        public String toString() {
            return name + "=" + location + deltaVersion.map(v -> "@" + v).orElse("");
        }

        /**
         * Inputs as one table property value ({@code ingot.created_from}): each {@code name=location@version},
         * comma-separated.
         */
        public static String describe(List<Input> inputs) {
            return inputs.stream().map(Input::toString).collect(java.util.stream.Collectors.joining(","));
        }
    }

    /**
     * The lineage a write put in its Delta commit info, as {@link #parse} reads it back.
     *
     * @param runId the run the write belongs to
     * @param command the Ingot command
     * @param codeVersion Ingot's version that wrote it
     * @param definitionHash the definition the write implements, if any
     * @param inputs what it read
     * @param details anything else recorded (e.g. {@code range}, {@code view}, {@code version})
     */
    public record CommitInfo(String runId, String command, String codeVersion, Optional<String> definitionHash,
                             List<Input> inputs, Map<String, String> details) {
        public CommitInfo {
            Errors.required(runId, "Lineage.CommitInfo.runId");
            Errors.required(command, "Lineage.CommitInfo.command");
            Errors.required(codeVersion, "Lineage.CommitInfo.codeVersion");
            Errors.required(definitionHash, "Lineage.CommitInfo.definitionHash (Optional.empty() for none)");
            inputs = List.copyOf(Errors.required(inputs, "Lineage.CommitInfo.inputs"));
            // Sorted, so that the same lineage is always the same text (a write finds its commit by that text).
            details = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(
                    Errors.required(details, "Lineage.CommitInfo.details")));
        }

        /** The JSON of a commit's {@code userMetadata}. */
        public String json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(RUN_ID, runId);
            m.put(COMMAND, command);
            m.put(CODE_VERSION, codeVersion);
            definitionHash.ifPresent(h -> m.put(DEFINITION_HASH, h));
            m.put(INPUTS, inputs.stream().map(Input::asMap).toList());
            if (!details.isEmpty()) {
                m.put(DETAILS, new java.util.TreeMap<>(details)); // sorted: the same text in every JVM
            }
            return Lineage.json(m);
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
            Errors.required(runId, "Lineage.Entry.runId");
            Errors.required(command, "Lineage.Entry.command");
            Errors.required(output, "Lineage.Entry.output");
            Errors.required(operation, "Lineage.Entry.operation");
            inputs = List.copyOf(Errors.required(inputs, "Lineage.Entry.inputs"));
            Errors.required(startedAt, "Lineage.Entry.startedAt");
            Errors.required(finishedAt, "Lineage.Entry.finishedAt");
            details = Map.copyOf(Errors.required(details, "Lineage.Entry.details"));
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

    /**
     * The git commit Ingot was built from, with {@code -dirty} appended when the build's checkout had uncommitted
     * changes to tracked files; {@code unknown} for a build outside a git checkout (a source tarball) or without git.
     * Written at build time into {@code dev/ingot/core/build.properties} (core's pom).
     */
    public static String codeCommit() {
        return BUILD_COMMIT;
    }

    private static String readBuildCommit() {
        Properties p = new Properties();
        try (InputStream in = Lineage.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                return UNKNOWN_COMMIT;
            }
            p.load(in);
        } catch (IOException e) {
            return UNKNOWN_COMMIT;
        }
        String commit = p.getProperty("commit", UNKNOWN_COMMIT).strip();
        if (commit.isEmpty() || commit.equals(UNKNOWN_COMMIT)) {
            return UNKNOWN_COMMIT;
        }
        return commit + ("true".equals(p.getProperty("dirty", "").strip()) ? "-dirty" : "");
    }

    /** The JSON put in a write's Delta commit info ({@code userMetadata}). */
    public static String commitMetadata(String runId, String command, List<Input> inputs, Optional<String> definitionHash,
                                        Map<String, String> details) {
        return new CommitInfo(runId, command, codeVersion(), definitionHash, inputs, details).json();
    }

    /**
     * Reads back what {@link #commitMetadata} wrote in a commit's {@code userMetadata}.
     *
     * @return empty when the text is not Ingot's lineage (another writer's metadata, or not JSON)
     */
    public static Optional<CommitInfo> parse(String userMetadata) {
        if (userMetadata == null) {
            return Optional.empty();
        }
        try {
            JsonNode m = JSON.readTree(userMetadata);
            if (m == null || !m.path(RUN_ID).isTextual()) {
                return Optional.empty();
            }
            return Optional.of(new CommitInfo(m.path(RUN_ID).asText(), m.path(COMMAND).asText(""),
                    m.path(CODE_VERSION).asText(""), Optional.ofNullable(m.path(DEFINITION_HASH).textValue()),
                    inputs(m.path(INPUTS)), details(m.path(DETAILS))));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /** The inputs of a row of {@code ingot.lineage} (its {@code inputs} column); empty for unreadable text. */
    public static List<Input> parseInputs(String json) {
        try {
            return json == null ? List.of() : inputs(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    /** The details of a row of {@code ingot.lineage} (its {@code details} column); empty for none or unreadable text. */
    public static Map<String, String> parseDetails(String json) {
        try {
            return json == null ? Map.of() : details(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

    private static List<Input> inputs(JsonNode array) {
        List<Input> out = new ArrayList<>();
        for (JsonNode in : array) {
            JsonNode v = in.path(DELTA_VERSION);
            out.add(new Input(in.path(NAME).asText(""), in.path(LOCATION).asText(""),
                    v.isNumber() ? Optional.of(v.asLong()) : Optional.empty()));
        }
        return out;
    }

    private static Map<String, String> details(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText("")));
        return out;
    }

    /** Appends a row to {@code ingot.lineage}, creating the table when missing. */
    public static void record(SparkSession spark, Entry e) {
        record(spark, List.of(e));
    }

    /**
     * Appends rows to {@code ingot.lineage} in one commit, creating the table when missing (other runs may append at
     * the same time: {@link Catalog#appendRows}), and reports the writes to
     * the running command's {@link RunFigures}.
     */
    public static void record(SparkSession spark, List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        // Many runs append at once: the table's creation and each append are safe against the others.
        Catalog.appendRows(spark, Tables.LINEAGE, SCHEMA, entries.stream().map(Lineage::row).toList(), DOC);
        RunFigures.written(entries);
    }

    private static Row row(Entry e) {
        return RowFactory.create(e.runId(), e.command(), e.output().toString(), e.outputVersion().orElse(null),
                e.operation(), json(e.inputs().stream().map(Input::asMap).toList()), e.definitionHash().orElse(null),
                codeVersion(), e.rowsWritten().orElse(null), e.rangeFrom().map(Timestamp::from).orElse(null),
                e.rangeTo().map(Timestamp::from).orElse(null), Timestamp.from(e.startedAt()),
                Timestamp.from(e.finishedAt()), e.details().isEmpty() ? null : json(new java.util.TreeMap<>(e.details())));
    }

    /** Creates {@code ingot.lineage} when missing. */
    public static void ensureTable(SparkSession spark) {
        Catalog.createDeltaTableIfMissing(spark, Tables.LINEAGE, SCHEMA, DOC);
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
