package dev.ingot.training.internal;

import dev.ingot.core.Catalog;
import dev.ingot.core.internal.DeltaConflicts;
import dev.ingot.core.internal.SmallDeltaTables;
import dev.ingot.core.internal.SmallDeltaWrites;
import dev.ingot.core.Errors;
import dev.ingot.core.Location;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableName;
import dev.ingot.core.TableDoc;
import dev.ingot.core.Tables;
import dev.ingot.training.ArtifactInfo;
import dev.ingot.training.Experiment;
import dev.ingot.training.LogBatch;
import dev.ingot.training.Metric;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.RegisteredModel;
import dev.ingot.training.Run;
import dev.ingot.training.RunInfo;
import dev.ingot.training.RunStatus;
import dev.ingot.training.TrackingStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code local} tracking store: Delta tables in the {@code ml} database and artifact files under
 * {@code <warehouse>/_artifacts/<run_id>/} (through Hadoop's FileSystem, so a warehouse on S3 or HDFS works too).
 *
 * <p>Each logical operation is one Delta commit per table it touches. Inserts that must stay unique (an experiment
 * name, a run key, a model version number, an alias) are one Delta transaction that reads the table and appends the
 * rows whose key is absent ({@link SmallDeltaWrites}), so that two writers racing on the same key conflict in Delta
 * instead of both inserting; alias moves are one transaction, so a reader sees the old or the new version, never
 * none.
 */
public final class LocalTrackingStore implements TrackingStore {
    private static final StructType EXPERIMENTS = new StructType()
            .add("experiment_id", DataTypes.StringType, false, "The experiment's id")
            .add("name", DataTypes.StringType, false, "Its name")
            .add("created_at", DataTypes.TimestampType, false, "When it was created");
    private static final StructType RUNS = new StructType()
            .add("run_id", DataTypes.StringType, false, "The run's id")
            .add("experiment_id", DataTypes.StringType, false, "The experiment it belongs to (ml.experiments)")
            .add("run_name", DataTypes.StringType, false, "Its display name")
            .add("run_key", DataTypes.StringType, false, "The caller's idempotency key (model, spec digest, data "
                    + "version): starting a run with a known key returns that run")
            .add("status", DataTypes.StringType, false, "RUNNING, FINISHED, FAILED or KILLED")
            .add("start_time", DataTypes.TimestampType, false, "When it started")
            .add("end_time", DataTypes.TimestampType, true, "When it ended; null while running")
            .add("artifact_uri", DataTypes.StringType, false, "Where its artifacts (the ONNX model, reports) are, "
                    + "under the warehouse's _artifacts")
            .add("user_id", DataTypes.StringType, false, "The OS user who ran it");
    private static final StructType PARAMS = new StructType()
            .add("run_id", DataTypes.StringType, false, "The run (ml.runs)")
            .add("key", DataTypes.StringType, false, "Parameter name")
            .add("value", DataTypes.StringType, false, "Parameter value, as text");
    private static final StructType METRICS = new StructType()
            .add("run_id", DataTypes.StringType, false, "The run (ml.runs)")
            .add("key", DataTypes.StringType, false, "Metric name (auc, log_loss, ...)")
            .add("value", DataTypes.DoubleType, false, "Metric value")
            .add("step", DataTypes.LongType, false, "Step it was logged at (0 for a final metric)")
            .add("timestamp", DataTypes.TimestampType, false, "When it was logged");
    private static final StructType RUN_TAGS = new StructType()
            .add("run_id", DataTypes.StringType, false, "The run (ml.runs)")
            .add("key", DataTypes.StringType, false, "Tag name (ingot.* tags hold lineage: training set, feature "
                    + "versions, code)")
            .add("value", DataTypes.StringType, false, "Tag value")
            .add("updated_at", DataTypes.TimestampType, false, "When it was last set");
    private static final StructType MODELS = new StructType()
            .add("name", DataTypes.StringType, false, "The registered model's name")
            .add("description", DataTypes.StringType, false, "Its description")
            .add("created_at", DataTypes.TimestampType, false, "When it was registered");
    /** MLflow's ModelVersionStatus: a version is usable once READY. */
    private static final String PENDING = "PENDING_REGISTRATION";
    private static final String READY = "READY";
    private static final String STATUS_COMMENT = PENDING + " while its tags are being written, then " + READY
            + "; null (a version written before Ingot had this column) is " + READY + ". Only " + READY
            + " versions are listed, returned or aliased";
    private static final StructType VERSIONS = new StructType()
            .add("name", DataTypes.StringType, false, "The registered model (ml.registered_models)")
            .add("version", DataTypes.LongType, false, "Version number, from 1")
            .add("run_id", DataTypes.StringType, false, "The run that logged it (ml.runs)")
            .add("source", DataTypes.StringType, false, "Where its artifact is (the run's artifact path)")
            .add("description", DataTypes.StringType, false, "Its description")
            .add("created_at", DataTypes.TimestampType, false, "When it was registered")
            .add("status", DataTypes.StringType, true, STATUS_COMMENT);
    private static final StructType VERSION_TAGS = new StructType()
            .add("name", DataTypes.StringType, false, "The registered model")
            .add("version", DataTypes.LongType, false, "Its version (ml.model_versions)")
            .add("key", DataTypes.StringType, false, "Tag name (the ONNX digest and signature, score keys, ...)")
            .add("value", DataTypes.StringType, false, "Tag value")
            .add("updated_at", DataTypes.TimestampType, false, "When it was last set");
    private static final StructType ALIASES = new StructType()
            .add("name", DataTypes.StringType, false, "The registered model")
            .add("alias", DataTypes.StringType, false, "The alias (champion, challenger, ...)")
            .add("version", DataTypes.LongType, false, "The version it points at")
            .add("updated_at", DataTypes.TimestampType, false, "When it was last moved");
    private record Table(StructType schema, TableDoc doc) {
        Table(StructType schema, String comment) {
            this(schema, TableDoc.of(comment + " (Ingot's local tracking store, used when ingot.yaml sets no MLflow "
                    + "tracking server)"));
        }
    }

    private static final Map<TableName, Table> SCHEMAS = Map.of(
            Tables.EXPERIMENTS, new Table(EXPERIMENTS, "Experiments, which group training runs"),
            Tables.RUNS, new Table(RUNS, "Training runs, one row each"),
            Tables.RUN_PARAMS, new Table(PARAMS, "Parameters of each training run"),
            Tables.RUN_METRICS, new Table(METRICS, "Metrics of each training run, every step logged"),
            Tables.RUN_TAGS, new Table(RUN_TAGS, "Tags of each training run, among them its lineage"),
            Tables.REGISTERED_MODELS, new Table(MODELS, "Registered models"),
            Tables.MODEL_VERSIONS, new Table(VERSIONS, "Model versions: which run made each"),
            Tables.MODEL_VERSION_TAGS, new Table(VERSION_TAGS, "Tags of each model version"),
            Tables.MODEL_ALIASES, new Table(ALIASES, "Which version each alias of a model points at"));
    /** Concurrent writers racing on one key: retry a few times, then give up. */
    private static final int MAX_CONFLICT_RETRIES = 5;

    private final SparkSession spark;
    private final Path artifactRoot;
    private final FileSystem fs;
    /** Reads of the store's tables: in this JVM by Delta Kernel, no Spark job (see {@link #rows}). */
    private final SmallDeltaTables tables;
    /** Keyed writes to the store's tables: a Delta transaction each, no MERGE (see {@link SmallDeltaWrites}). */
    private final SmallDeltaWrites writes;
    // Runs, experiments, models and versions are never deleted here: once seen, they need not be read again. This
    // saves a Delta read per call, which is most of a call's time on a small store.
    private final Set<String> knownRuns = ConcurrentHashMap.newKeySet();
    private final Set<String> knownExperiments = ConcurrentHashMap.newKeySet();
    private final Set<String> knownModels = ConcurrentHashMap.newKeySet();
    private final Set<String> knownVersions = ConcurrentHashMap.newKeySet();
    private final Map<TableName, String> locations = new ConcurrentHashMap<>();

    private LocalTrackingStore(SparkSession spark, Path artifactRoot, FileSystem fs) {
        this.spark = spark;
        this.artifactRoot = artifactRoot;
        this.fs = fs;
        this.tables = SmallDeltaTables.of(spark.sparkContext().hadoopConfiguration());
        this.writes = SmallDeltaWrites.of(spark, tables);
    }

    /** The store of a warehouse; creates the {@code ml} database and its tables when missing. */
    public static LocalTrackingStore open(SparkSession spark, Location warehouse) {
        // createDeltaTableIfMissing creates the ml database (under the session's warehouse) before the first table.
        SCHEMAS.forEach((table, t) -> Catalog.createDeltaTableIfMissing(spark, table, t.schema(), t.doc()));
        addStatusColumn(spark);
        Path root = new Path(warehouse.resolve(Tables.ARTIFACTS_DIR).uri());
        try {
            FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
            return new LocalTrackingStore(spark, fs.makeQualified(root), fs);
        } catch (IOException e) {
            throw Errors.badData("open the local tracking store", "cannot use the warehouse '" + warehouse + "' for"
                    + " artifacts (" + e.getMessage() + ")", "check the warehouse setting in ingot.yaml");
        }
    }

    /**
     * Gives a {@code ml.model_versions} created before versions had a status its {@code status} column (null in
     * existing rows: READY). Once: a table that has it is left alone. Two stores opening at once may both try: the
     * loser's ALTER fails (a conflict or a duplicate column), after which the column is there, as wanted.
     */
    private static void addStatusColumn(SparkSession spark) {
        if (hasStatusColumn(spark)) {
            return;
        }
        try {
            spark.sql("ALTER TABLE " + Tables.MODEL_VERSIONS.sql() + " ADD COLUMNS (status STRING COMMENT "
                    + Catalog.literal(STATUS_COMMENT) + ")");
        } catch (RuntimeException e) {
            if (!hasStatusColumn(spark)) {
                throw e;
            }
        }
    }

    private static boolean hasStatusColumn(SparkSession spark) {
        // The table's schema from its latest snapshot: no Spark job (DESCRIBE DETAIL ran one on every open).
        return List.of(spark.table(Tables.MODEL_VERSIONS.sql()).schema().fieldNames()).contains("status");
    }

    /** Whether a version is usable: READY, or written before versions had a status. */
    private static boolean isReady(Row version) {
        String status = status(version);
        return status == null || status.equals(READY);
    }

    /** A {@code ml.model_versions} row's status: null in a table written before the column was added. */
    private static String status(Row version) {
        return version.length() > 6 ? version.getString(6) : null;
    }

    @Override
    public String describe() {
        return "local (Delta tables " + Tables.EXPERIMENTS + ", " + Tables.RUNS + ", " + Tables.RUN_PARAMS + ", "
                + Tables.RUN_METRICS + ", " + Tables.RUN_TAGS + ", " + Tables.REGISTERED_MODELS + ", "
                + Tables.MODEL_VERSIONS + ", " + Tables.MODEL_VERSION_TAGS + ", " + Tables.MODEL_ALIASES
                + "; artifacts under " + artifactRoot + ")";
    }

    // ---- experiments and runs

    @Override
    public Experiment experiment(String name) {
        TrackingKeys.requireExperimentName(name);
        Optional<Experiment> found = findExperiment(is(1, name));
        if (found.isPresent()) {
            return found.get();
        }
        String id = newId();
        if (insertAbsent(Tables.EXPERIMENTS, EXPERIMENTS, List.of(RowFactory.create(id, name, now())), 1) == 1) {
            knownExperiments.add(id);
            return new Experiment(id, name);
        }
        return findExperiment(is(1, name)).orElseThrow();
    }

    private Optional<Experiment> remember(Optional<Experiment> e) {
        e.ifPresent(x -> knownExperiments.add(x.id()));
        return e;
    }

    private Optional<Experiment> findExperiment(Predicate<Row> where) {
        // Two racing creators may both have inserted before the MERGE check existed: the first one wins.
        return remember(rows(Tables.EXPERIMENTS, where).stream()
                .min(Comparator.comparing((Row r) -> (Timestamp) r.get(2)).thenComparing(r -> r.getString(0)))
                .map(r -> new Experiment(r.getString(0), r.getString(1))));
    }

    @Override
    public RunInfo startRun(String experimentId, String runKey, String runName, Map<String, String> tags) {
        TrackingKeys.requireExperimentId(experimentId);
        TrackingKeys.requireRunKey(runKey);
        Errors.required(runName, "run name");
        Errors.required(tags, "run tags");
        Optional<RunInfo> existing = findRun(experimentId, runKey);
        if (existing.isPresent()) {
            // The run's row and its start tags are two commits: a start killed between them left the run without
            // them (its run key tag among them). The retry adds the missing ones.
            Map<String, String> missing = new java.util.LinkedHashMap<>(tags);
            missing.put(RUN_KEY_TAG, runKey);
            missing.keySet().removeAll(runTags(existing.get().runId()).keySet());
            if (!missing.isEmpty()) {
                Timestamp at = now();
                append(Tables.RUN_TAGS, RUN_TAGS, missing.entrySet().stream()
                        .map(e -> RowFactory.create(existing.get().runId(), e.getKey(), e.getValue(), at)).toList());
            }
            return existing.get();
        }
        if (!knownExperiments.contains(experimentId)
                && findExperiment(is(0, experimentId)).isEmpty()) {
            throw Errors.badArgument("experiment id", experimentId, "an id returned by experiment(name)");
        }
        LogBatch start = LogBatch.empty().withTags(tags).withTag(RUN_KEY_TAG, runKey);
        String runId = newId();
        String uri = artifactDir(runId).toString();
        Timestamp started = now();
        long inserted = insertAbsent(Tables.RUNS, RUNS, List.of(RowFactory.create(runId, experimentId, runName,
                runKey, RunStatus.RUNNING.name(), started, null, uri, System.getProperty("user.name", ""))), 1, 3);
        if (inserted == 0) {
            // Another writer started the run with this key first.
            return findRun(experimentId, runKey).orElseThrow();
        }
        knownRuns.add(runId);
        append(Tables.RUN_TAGS, RUN_TAGS, start.tags().entrySet().stream()
                .map(e -> RowFactory.create(runId, e.getKey(), e.getValue(), started)).toList());
        return new RunInfo(runId, experimentId, runName, runKey, RunStatus.RUNNING, started.toInstant(),
                Optional.empty(), uri);
    }

    @Override
    public Optional<RunInfo> findRun(String experimentId, String runKey) {
        TrackingKeys.requireExperimentId(experimentId);
        TrackingKeys.requireRunKey(runKey);
        return runs(is(1, experimentId).and(is(3, runKey)));
    }

    private Optional<RunInfo> runs(Predicate<Row> where) {
        Optional<RunInfo> run = rows(Tables.RUNS, where).stream()
                .min(Comparator.comparing((Row r) -> (Timestamp) r.get(5)).thenComparing(r -> r.getString(0)))
                .map(r -> new RunInfo(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
                        RunStatus.valueOf(r.getString(4)), instant(r.get(5)), Optional.ofNullable(r.get(6))
                        .map(LocalTrackingStore::instant), r.getString(7)));
        run.ifPresent(r -> knownRuns.add(r.runId()));
        return run;
    }

    private RunInfo requireRun(String runId) {
        TrackingKeys.requireRunId(runId);
        return runs(is(0, runId)).orElseThrow(() -> unknownRun(runId));
    }

    private void requireKnownRun(String runId) {
        TrackingKeys.requireRunId(runId);
        if (!knownRuns.contains(runId)) {
            requireRun(runId);
        }
    }

    private static IngotException unknownRun(String runId) {
        return Errors.badData("read run " + runId, "the local tracking store has no such run",
                "use a run id returned by startRun (see " + Tables.RUNS + ")");
    }

    @Override
    public void log(String runId, LogBatch batch) {
        requireKnownRun(runId);
        Errors.required(batch, "log batch");
        if (!batch.params().isEmpty()) {
            Map<String, String> logged = new HashMap<>();
            rows(Tables.RUN_PARAMS, is(0, runId)).forEach(r -> logged.put(r.getString(1), r.getString(2)));
            List<Row> fresh = new ArrayList<>();
            batch.params().forEach((k, v) -> {
                String before = logged.get(k);
                if (before == null) {
                    fresh.add(RowFactory.create(runId, k, v));
                } else if (!before.equals(v)) {
                    throw Errors.badData("log param '" + k + "' to run " + runId, "it was already logged with value '"
                            + before + "' (new value '" + v + "')", "params cannot change once logged: use a new run,"
                            + " or a tag for values that change");
                }
            });
            append(Tables.RUN_PARAMS, PARAMS, fresh);
        }
        if (!batch.metrics().isEmpty()) {
            // A retried attempt (a train killed after logging its metrics, before the run ended) logs the same
            // metrics again: a value already logged at that step is kept once.
            Set<String> logged = new java.util.HashSet<>();
            rows(Tables.RUN_METRICS, is(0, runId))
                    .forEach(r -> logged.add(r.getString(1) + "\u0000" + r.getDouble(2) + "\u0000" + r.getLong(3)));
            append(Tables.RUN_METRICS, METRICS, batch.metrics().stream()
                    .filter(m -> !logged.contains(m.key() + "\u0000" + m.value() + "\u0000" + m.step()))
                    .map(m -> RowFactory.create(runId, m.key(), m.value(), m.step(), Timestamp.from(m.timestamp())))
                    .toList());
        }
        if (!batch.tags().isEmpty()) {
            Timestamp at = now();
            List<Row> rows = batch.tags().entrySet().stream()
                    .map(e -> RowFactory.create(runId, e.getKey(), e.getValue(), at)).toList();
            // New keys only (the usual case): a plain append, which does not rewrite the table.
            if (java.util.Collections.disjoint(runTags(runId).keySet(), batch.tags().keySet())) {
                append(Tables.RUN_TAGS, RUN_TAGS, rows);
            } else {
                upsert(Tables.RUN_TAGS, rows, 0, 1);
            }
        }
    }

    @Override
    public void endRun(String runId, RunStatus status) {
        TrackingKeys.requireEndStatus(status);
        requireRun(runId);
        Timestamp end = now();
        update(Tables.RUNS, is(0, runId), r -> with(with(r, 4, status.name()), 6, end));
    }

    @Override
    public Run run(String runId) {
        Run data = runData(runId);
        return new Run(data.info(), data.params(), data.latestMetrics(), data.tags(), listArtifacts(runId));
    }

    @Override
    public Run runData(String runId) {
        RunInfo info = requireRun(runId);
        Map<String, String> params = new HashMap<>();
        rows(Tables.RUN_PARAMS, is(0, runId)).forEach(r -> params.put(r.getString(1), r.getString(2)));
        Map<String, Metric> latest = new HashMap<>();
        Comparator<Metric> order = metricOrder();
        for (Metric m : metrics(runId, null)) {
            latest.merge(m.key(), m, (a, b) -> order.compare(a, b) >= 0 ? a : b);
        }
        return new Run(info, params, latest, runTags(runId), List.of());
    }

    /** MLflow's "latest": the highest step, then the latest timestamp, then the highest value. */
    private static Comparator<Metric> metricOrder() {
        return Comparator.comparingLong(Metric::step).thenComparing(Metric::timestamp).thenComparingDouble(Metric::value);
    }

    private List<Metric> metrics(String runId, String key) {
        Predicate<Row> where = is(0, runId);
        return rows(Tables.RUN_METRICS, key == null ? where : where.and(is(1, key))).stream()
                .map(r -> new Metric(r.getString(1), r.getDouble(2), r.getLong(3), instant(r.get(4)))).toList();
    }

    private Map<String, String> runTags(String runId) {
        Map<String, String> tags = new HashMap<>();
        rows(Tables.RUN_TAGS, is(0, runId)).forEach(r -> tags.put(r.getString(1), r.getString(2)));
        return tags;
    }

    @Override
    public List<Metric> metricHistory(String runId, String key) {
        requireRun(runId);
        TrackingKeys.requireKey("metric", key);
        return metrics(runId, key).stream().sorted(metricOrder()).toList();
    }

    // ---- artifacts

    private Path artifactDir(String runId) {
        TrackingKeys.requireRunId(runId);
        return new Path(artifactRoot, runId);
    }

    @Override
    public void uploadArtifact(String runId, String path, byte[] bytes) {
        Errors.required(bytes, "bytes of artifact " + path);
        write(runId, path, out -> out.write(bytes));
    }

    @Override
    public void uploadArtifact(String runId, String path, java.nio.file.Path file) {
        TrackingKeys.requireArtifactFile(path, file);
        write(runId, path, out -> Files.copy(file, out));
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private void write(String runId, String path, Writer writer) {
        TrackingKeys.requireArtifactPath(path);
        requireKnownRun(runId);
        Path target = new Path(artifactDir(runId), path);
        io("upload artifact " + path + " of run " + runId, () -> {
            try (OutputStream out = fs.create(target, true)) {
                writer.write(out);
            }
            return null;
        });
    }

    @Override
    public List<ArtifactInfo> listArtifacts(String runId) {
        Path dir = artifactDir(runId);
        String prefix = dir.toUri().getPath() + "/";
        return io("list the artifacts of run " + runId, () -> {
            List<ArtifactInfo> out = new ArrayList<>();
            if (!fs.exists(dir)) {
                return out;
            }
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
            while (it.hasNext()) {
                LocatedFileStatus f = it.next();
                out.add(new ArtifactInfo(f.getPath().toUri().getPath().substring(prefix.length()), f.getLen()));
            }
            out.sort(Comparator.comparing(ArtifactInfo::path));
            return out;
        });
    }

    @Override
    public byte[] downloadArtifact(String runId, String path) {
        TrackingKeys.requireArtifactPath(path);
        Path file = new Path(artifactDir(runId), path);
        return io("download artifact " + path + " of run " + runId, () -> {
            if (!fs.isFile(file)) {
                throw Errors.badData("download artifact " + path + " of run " + runId, "there is no such file under "
                        + artifactDir(runId), "list the run's artifacts (listArtifacts) for the paths it has");
            }
            // Read past Hadoop's .crc checksum (the local file system keeps one): a file changed on disk would fail
            // there as an I/O error (exit 3) before a caller's SHA-256 check could name it as bad input (exit 2).
            // The registry's digest is the check that holds on every store; object stores keep no .crc anyway.
            FileSystem raw = fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
            try (InputStream in = raw.open(file)) {
                return in.readAllBytes();
            }
        });
    }

    private interface IoAction<T> {
        T run() throws IOException;
    }

    private static <T> T io(String doing, IoAction<T> action) {
        try {
            return action.run();
        } catch (IOException e) {
            throw Errors.jobFailed(doing, new UncheckedIOException(e));
        }
    }

    // ---- registry

    @Override
    public RegisteredModel registeredModel(String name, String description) {
        TrackingKeys.requireModelName(name);
        Optional<RegisteredModel> found = findModel(name);
        if (found.isPresent()) {
            return found.get();
        }
        Timestamp at = now();
        String text = description == null ? "" : description;
        if (insertAbsent(Tables.REGISTERED_MODELS, MODELS, List.of(RowFactory.create(name, text, at)), 0) == 1) {
            knownModels.add(name);
            return new RegisteredModel(name, text, at.toInstant());
        }
        return findModel(name).orElseThrow();
    }

    private Optional<RegisteredModel> findModel(String name) {
        Optional<RegisteredModel> m = rows(Tables.REGISTERED_MODELS, is(0, name)).stream().findFirst()
                .map(r -> new RegisteredModel(r.getString(0), r.getString(1), instant(r.get(2))));
        m.ifPresent(x -> knownModels.add(x.name()));
        return m;
    }

    @Override
    public ModelVersion createModelVersion(String model, String runId, String artifactPath, Map<String, String> tags,
                                           String description) {
        TrackingKeys.requireNewVersion(model, artifactPath, tags);
        requireKnownRun(runId);
        Path source = new Path(artifactDir(runId), artifactPath);
        if (!io("check artifact " + artifactPath + " of run " + runId, () -> fs.exists(source))) {
            throw Errors.badData("register a version of model " + model, "run " + runId + " has no artifact '"
                    + artifactPath + "'", "upload the model's files under that path first (uploadArtifact)");
        }
        if (!knownModels.contains(model)) {
            registeredModel(model, "");
        }
        Timestamp at = now();
        for (int attempt = 0; ; attempt++) {
            long next = 1 + rows(Tables.MODEL_VERSIONS, is(0, model)).stream()
                    .mapToLong(r -> r.getLong(1)).max().orElse(0);
            String text = description == null ? "" : description;
            // The row claims the number (a loser of a race inserts nothing and tries the next one), PENDING: no
            // reader sees the version until its tags are written and it is READY. A kill in between leaves a pending
            // version, which the same run's createModelVersionOnce completes.
            long inserted = insertAbsent(Tables.MODEL_VERSIONS, VERSIONS, List.of(RowFactory.create(model, next,
                    runId, source.toString(), text, at, PENDING)), 0, 1);
            if (inserted == 1) {
                // A new version has no tags yet: append.
                append(Tables.MODEL_VERSION_TAGS, VERSION_TAGS, tags.entrySet().stream()
                        .map(e -> RowFactory.create(model, next, e.getKey(), e.getValue(), at)).toList());
                markReady(model, next, text);
                return new ModelVersion(model, next, runId, source.toString(), text, tags, List.of(),
                        at.toInstant());
            }
            if (attempt >= MAX_CONFLICT_RETRIES) {
                throw Errors.jobFailed("register a version of model " + model,
                        new IllegalStateException("other writers kept taking version " + next));
            }
        }
    }

    private void markReady(String model, long version, String description) {
        update(Tables.MODEL_VERSIONS, is(0, model).and(is(1, version)),
                r -> with(with(r, 6, READY), 4, description));
        knownVersions.add(model + "\u0000" + version);
    }

    @Override
    public ModelVersion createModelVersionOnce(String model, String runId, String artifactPath,
                                               Map<String, String> tags, String description) {
        TrackingKeys.requireNewVersion(model, artifactPath, tags);
        String source = new Path(artifactDir(runId), artifactPath).toString();
        Optional<ModelVersion> earlier = modelVersions(model).stream()
                .filter(v -> v.runId().equals(runId) && v.source().equals(source)).findFirst();
        if (earlier.isEmpty()) {
            // A registration of this run killed before its version was READY: complete that version (its number,
            // as a clean registration would have had it) with these tags, replacing what the killed attempt wrote.
            Optional<Row> pending = rows(Tables.MODEL_VERSIONS, is(0, model).and(is(2, runId)).and(is(3, source))
                    .and(r -> PENDING.equals(status(r)))).stream().min(Comparator.comparingLong(r -> r.getLong(1)));
            if (pending.isEmpty()) {
                return createModelVersion(model, runId, artifactPath, tags, description);
            }
            long version = pending.get().getLong(1);
            List<String> stale = rows(Tables.MODEL_VERSION_TAGS, is(0, model).and(is(1, version))).stream()
                    .map(r -> r.getString(2)).filter(k -> !tags.containsKey(k)).toList();
            if (!stale.isEmpty()) {
                delete(Tables.MODEL_VERSION_TAGS, is(0, model).and(is(1, version)).and(r -> stale.contains(r.get(2))));
            }
            if (!tags.isEmpty()) {
                upsertVersionTags(model, version, tags);
            }
            String text = description == null ? "" : description;
            markReady(model, version, text);
            return new ModelVersion(model, version, runId, source, text, tags, List.of(),
                    instant(pending.get().get(5)));
        }
        // A READY version lacks tags only when an Ingot without version status (its row and tags two commits, the
        // row visible at once) was killed between them: add the tags it lacks (those it has stay).
        ModelVersion v = earlier.get();
        Map<String, String> missing = new java.util.LinkedHashMap<>(tags);
        missing.keySet().removeAll(v.tags().keySet());
        if (missing.isEmpty()) {
            return v;
        }
        Timestamp at = now();
        insertAbsent(Tables.MODEL_VERSION_TAGS, VERSION_TAGS, missing.entrySet().stream()
                .map(e -> RowFactory.create(model, v.version(), e.getKey(), e.getValue(), at)).toList(), 0, 1, 2);
        Map<String, String> all = new HashMap<>(v.tags());
        all.putAll(missing);
        return new ModelVersion(v.model(), v.version(), v.runId(), v.source(), v.description(), all, v.aliases(),
                v.created());
    }

    @Override
    public Optional<ModelVersion> modelVersion(String model, long version) {
        return versions(model, version).stream().findFirst();
    }

    @Override
    public List<ModelVersion> modelVersions(String model) {
        return versions(model, null);
    }

    private List<ModelVersion> versions(String model, Long version) {
        TrackingKeys.requireModelName(model);
        Predicate<Row> ofModel = is(0, model);
        Predicate<Row> where = version == null ? ofModel : ofModel.and(is(1, version));
        List<Row> rows = rows(Tables.MODEL_VERSIONS, where.and(LocalTrackingStore::isReady)).stream()
                .sorted(Comparator.comparingLong(r -> r.getLong(1))).toList();
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<Long, Map<String, String>> tags = new HashMap<>();
        rows(Tables.MODEL_VERSION_TAGS, where).forEach(r ->
                tags.computeIfAbsent(r.getLong(1), v -> new HashMap<>()).put(r.getString(2), r.getString(3)));
        Map<Long, List<String>> aliases = new HashMap<>();
        rows(Tables.MODEL_ALIASES, version == null ? ofModel : ofModel.and(is(2, version))).forEach(r ->
                aliases.computeIfAbsent(r.getLong(2), v -> new ArrayList<>()).add(r.getString(1)));
        return rows.stream().map(r -> new ModelVersion(r.getString(0), r.getLong(1), r.getString(2), r.getString(3),
                r.getString(4), tags.getOrDefault(r.getLong(1), Map.of()), aliases.getOrDefault(r.getLong(1), List.of()),
                instant(r.get(5)))).toList();
    }

    private void requireVersion(String model, long version) {
        TrackingKeys.requireModelName(model);
        TrackingKeys.requireVersion(version);
        if (knownVersions.contains(model + "\u0000" + version)) {
            return;
        }
        boolean exists = rows(Tables.MODEL_VERSIONS, is(0, model).and(is(1, version))
                .and(LocalTrackingStore::isReady)).size() > 0;
        if (!exists) {
            throw Errors.badData("use version " + version + " of model " + model, "there is no such version in "
                    + Tables.MODEL_VERSIONS, "pick a registered version (models list)");
        }
        knownVersions.add(model + "\u0000" + version);
    }

    @Override
    public void setAlias(String model, String alias, long version) {
        TrackingKeys.requireAlias(alias);
        requireVersion(model, version);
        upsert(Tables.MODEL_ALIASES, List.of(RowFactory.create(model, alias, version, now())), 0, 1);
    }

    @Override
    public Optional<ModelVersion> versionByAlias(String model, String alias) {
        TrackingKeys.requireModelName(model);
        TrackingKeys.requireAlias(alias);
        return rows(Tables.MODEL_ALIASES, is(0, model).and(is(1, alias))).stream().findFirst()
                .flatMap(r -> modelVersion(model, r.getLong(2)));
    }

    @Override
    public void deleteAlias(String model, String alias) {
        TrackingKeys.requireModelName(model);
        TrackingKeys.requireAlias(alias);
        delete(Tables.MODEL_ALIASES, is(0, model).and(is(1, alias)));
    }

    @Override
    public void setVersionTag(String model, long version, String key, String value) {
        TrackingKeys.requireKey("model version tag", key);
        requireVersion(model, version);
        upsertVersionTags(model, version, Map.of(key, value));
    }

    private void upsertVersionTags(String model, long version, Map<String, String> tags) {
        Timestamp at = now();
        upsert(Tables.MODEL_VERSION_TAGS, tags.entrySet().stream()
                .map(e -> RowFactory.create(model, version, e.getKey(), e.getValue(), at)).toList(), 0, 1, 2);
    }

    @Override
    public void close() {
        // The session and file system belong to the caller.
    }

    // ---- Delta helpers

    /**
     * The table's Delta location, looked up once in the catalog. Reading and writing by path skips a metastore round
     * trip per call, which is a third of a small read's time (measured: 260 ms by name, 100 ms by path).
     */
    private String location(TableName name) {
        return locations.computeIfAbsent(name, t -> Catalog.location(spark, t));
    }

    /**
     * The rows of one of the store's tables that {@code where} keeps, positional in the table's column order (the
     * schemas above). Read by Delta Kernel in this JVM: a command reads these tables dozens of times, and Spark's read
     * of a table of a few hundred rows is two jobs and a query plan each time (most of a registry call's time). The
     * tables stay small: a row per run, version, alias, tag, param and metric.
     */
    private List<Row> rows(TableName name, Predicate<Row> where) {
        return tables.rows(location(name)).stream().filter(where).toList();
    }

    /** Rows whose column {@code index} equals {@code value}. */
    private static Predicate<Row> is(int index, Object value) {
        return r -> Objects.equals(r.get(index), value);
    }

    private void append(TableName target, StructType schema, List<Row> rows) {
        if (!rows.isEmpty()) {
            spark.createDataFrame(rows, schema).write().format("delta").mode("append").save(location(target));
        }
    }

    /**
     * Inserts the rows whose key (the values of {@code keyColumns}) the table does not hold yet: one Delta transaction
     * that conflicts with a writer that committed since it read, retried then ({@link SmallDeltaWrites}).
     *
     * @return how many rows were inserted
     */
    private long insertAbsent(TableName target, StructType schema, List<Row> rows, int... keyColumns) {
        return retryOnConflict(() -> writes.insertAbsent(location(target), schema, rows, key(keyColumns)));
    }

    /** Inserts {@code rows}, replacing those of the same key: one transaction, retried on a conflict. */
    private void upsert(TableName target, List<Row> rows, int... keyColumns) {
        retryOnConflict(() -> {
            writes.upsert(location(target), rows, key(keyColumns));
            return null;
        });
    }

    /** Replaces the rows {@code where} keeps by {@code change} of them: one transaction, retried on a conflict. */
    private void update(TableName target, Predicate<Row> where, java.util.function.UnaryOperator<Row> change) {
        retryOnConflict(() -> writes.update(location(target), where, change));
    }

    /** Removes the rows {@code where} keeps: one transaction, retried on a conflict. */
    private void delete(TableName target, Predicate<Row> where) {
        retryOnConflict(() -> writes.delete(location(target), where));
    }

    private static java.util.function.Function<Row, Object> key(int... columns) {
        return r -> java.util.Arrays.stream(columns).mapToObj(r::get).toList();
    }

    /** {@code r} with column {@code index} set to {@code value}. */
    private static Row with(Row r, int index, Object value) {
        Object[] values = new Object[r.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = i == index ? value : r.get(i);
        }
        return RowFactory.create(values);
    }

    private static <T> T retryOnConflict(Supplier<T> action) {
        return DeltaConflicts.retry("write the local tracking store", action);
    }

    private static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static Timestamp now() {
        return Timestamp.from(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    private static Instant instant(Object value) {
        return value instanceof Instant i ? i : ((Timestamp) value).toInstant();
    }
}
