package dev.ingot.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;

import dev.ingot.core.Catalog;
import dev.ingot.core.internal.DeltaCommits;
import dev.ingot.core.internal.DeltaConflicts;
import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import dev.ingot.core.Lineage;
import dev.ingot.core.Location;
import dev.ingot.core.PublishGate;
import dev.ingot.core.TableDoc;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.TimeRange;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.SourceDef;
import dev.ingot.core.config.Project;
import dev.ingot.features.internal.AsOfJoin;
import dev.ingot.features.internal.Materializer;
import dev.ingot.features.internal.Registry;
import dev.ingot.features.internal.Tiles;
import java.sql.Timestamp;
import java.nio.file.Files;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Feature views of a project over Delta: materialize them, read them (latest, a version, or as of a Delta version
 * or time), see their history, and build point-in-time correct training sets.
 *
 * <pre>{@code
 * FeatureStore store = FeatureStore.of(spark, ProjectLoader.load(Path.of("examples/retail")));
 * store.materialize("customer_spend", Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-02-01T00:00:00Z"));
 * Dataset<Row> training = store.trainingSet(spine, "ts", List.of(FeatureRef.parse("customer_spend", "features")));
 * }</pre>
 *
 * <p>Immutable: the {@code with...} methods return a new store.
 */
public final class FeatureStore {
    /** Ticks per chunk for daily views: a backfill commits every quarter of a year. */
    public static final int CHUNK_DAYS_DEFAULT = 92;
    /** Ticks per chunk for hourly views: one week. */
    public static final int CHUNK_HOURS_DEFAULT = 168;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FeatureStore.class);

    private final SparkSession spark;
    private final Project project;
    private final Registry registry;
    private final Optional<Integer> chunkSteps;
    private final Optional<PublishGate> gate;

    private FeatureStore(SparkSession spark, Project project, Registry registry, Optional<Integer> chunkSteps,
                         Optional<PublishGate> gate) {
        this.spark = spark;
        this.project = project;
        this.registry = registry;
        this.chunkSteps = chunkSteps;
        this.gate = gate;
    }

    /** The feature store of a project, in a session built by {@code IngotSessions}. */
    public static FeatureStore of(SparkSession spark, Project project) {
        Errors.required(spark, "the SparkSession of a feature store");
        Errors.required(project, "the project of a feature store");
        return new FeatureStore(spark, project, new Registry(spark), Optional.empty(), Optional.empty());
    }

    /** Refuses a number of ticks per Delta commit that is not positive (the {@code --chunk} option). */
    public static int checkChunkSteps(int steps) {
        if (steps < 1) {
            throw Errors.badArgument("--chunk", steps, "a positive number of ticks per Delta commit");
        }
        return steps;
    }

    /**
     * This store, with {@code steps} ticks per Delta commit during a materialization (default: 92 for daily views,
     * 168 for hourly ones).
     */
    public FeatureStore withChunkSteps(int steps) {
        return new FeatureStore(spark, project, registry, Optional.of(checkChunkSteps(steps)), gate);
    }

    /**
     * This store, with the quality gate that checks the new rows of views naming {@code checks} before they are
     * published (write-audit-publish). Without one, the gate of {@code ingot-validation} is used when it is on the
     * class path.
     */
    public FeatureStore withGate(PublishGate gate) {
        return new FeatureStore(spark, project, registry, chunkSteps,
                Optional.of(Errors.required(gate, "the quality gate of a feature store")));
    }

    /** The feature views in the order they can be materialized (a view after the view it reads). */
    public List<String> viewsInOrder() {
        return project.featureViewsInOrder();
    }

    /**
     * Computes a view's rows for an event-time range: for an aggregated view, every entity and tick in
     * (from, to] whose windows hold events; for a row-level view, the events in [from, to). Replaces exactly that
     * range in one Delta commit per chunk, so re-running a range never duplicates.
     */
    public MaterializeResult materialize(String view, Instant from, Instant to) {
        return materialize(view, from, to, Lineage.newRunId());
    }

    /**
     * What can be checked of a materialization without Spark, so that a command checks it before it starts a session
     * or writes anything: the view exists, the range is on the view's cadence, and a source's files on local disk
     * exist. {@link #materialize} checks all of it again (and the data).
     *
     * @throws dev.ingot.core.IngotException (bad input) naming the option or the definition's file and key
     */
    public static void checkBeforeRun(Project project, String view, Instant from, Instant to) {
        FeatureViewDef v = requireView(Errors.required(project, "the project of a feature store"), view);
        new TimeRange(from, to);
        Materializer.requireOnCadence(v, from, to);
        SourceDef src = project.sources().get(v.source());
        if (src != null && src.path().isPresent() && !src.path().get().matches(".*[*?\\[{].*")) {
            Location files = Location.parse(src.path().get(), project.dir());
            if (files.isLocal() && !Files.exists(files.localPath())) {
                throw Errors.badData("read source '" + src.name() + "' (" + src.file() + ")", "path '" + files
                        + "' does not exist", "fix 'path' in " + src.file() + " (a relative path is taken from the project directory)");
            }
        }
    }

    /** As {@link #materialize(String, Instant, Instant)}, under a given run id. */
    public MaterializeResult materialize(String view, Instant from, Instant to, String runId) {
        Materializer.requireOnCadence(requireView(project, view), new TimeRange(from, to).from(), to);
        Errors.required(runId, "the run id of a materialization");
        // The run's Spark jobs carry its name (the progress log, Spark's UI); the caller's own description comes back
        // after it, so that later jobs of the same session are not labelled as this run's.
        String description = spark.sparkContext().getLocalProperty("spark.job.description");
        spark.sparkContext().setJobDescription("features materialize " + view + " [" + from + ", " + to + ")");
        try {
            return materializeDescribed(view, from, to, runId);
        } finally {
            spark.sparkContext().setJobDescription(description);
        }
    }

    private MaterializeResult materializeDescribed(String view, Instant from, Instant to, String runId) {
        long t0 = System.nanoTime();
        Optional<PublishGate> g = project.featureViews().containsKey(view)
                && !project.featureViews().get(view).checks().isEmpty() && gate.isEmpty()
                ? PublishGate.discover(spark) : gate;
        Materializer m = new Materializer(spark, project, g);
        Materializer.Prepared p = m.prepare(view);
        double prepared = (System.nanoTime() - t0) / 1e9;
        int steps = chunkSteps.orElse(p.view().cadence().seconds() == 3600 ? CHUNK_HOURS_DEFAULT : CHUNK_DAYS_DEFAULT);
        MaterializeResult r = m.materialize(p, from, to, runId, steps);
        double seconds = (System.nanoTime() - t0) / 1e9;
        LOG.info(String.format(java.util.Locale.ROOT, "%s [%s .. %s): %s, %d rows, %d tiles from raw events, %.1f s "
                + "(reading the source and the registry %.1f s)", r.table(), from, to, r.change(), r.rowsWritten(),
                r.rawTilesComputed(), seconds, prepared));
        return new MaterializeResult(r.view(), r.version(), r.change(), r.table(), r.deltaVersion(), r.from(), r.to(),
                r.rowsWritten(), r.chunks(), r.rawTilesComputed(), seconds, r.gate());
    }

    /** The registry's versions of a view, oldest first. */
    public List<FeatureViewVersion> versions(String view) {
        requireView(view);
        return registry.versions(view);
    }

    /** The latest version of a view; a bad-input error when it was never materialized. */
    public FeatureViewVersion latest(String view) {
        requireView(view);
        return registry.latest(view).orElseThrow(() -> Errors.badData("read feature view '" + view + "'",
                "it has not been materialized yet", "run 'features materialize --view " + view + "'"));
    }

    /** The latest version's table, as it is now. */
    public Dataset<Row> read(String view) {
        return spark.table(latest(view).table().sql());
    }

    /** A version's table, as it is now. */
    public Dataset<Row> read(String view, int version) {
        return spark.table(version(view, version).table().sql());
    }

    /** A version's table as of a Delta version. */
    public Dataset<Row> readAsOf(String view, int version, long deltaVersion) {
        if (deltaVersion < 0) {
            throw Errors.badArgument("Delta version", deltaVersion, "a Delta version from 0");
        }
        return spark.sql("SELECT * FROM " + version(view, version).table().sql() + " VERSION AS OF " + deltaVersion);
    }

    /** A version's table as of a time: as its latest commit at or before {@code time} left it. */
    public Dataset<Row> readAsOf(String view, int version, Instant time) {
        // Resolved here rather than with TIMESTAMP AS OF: Delta 3.3's SQL path turns the instant into local text in
        // the JVM's zone and reads it back in the session's, so a JVM outside UTC would get the wrong version.
        Errors.required(time, "the as-of time");
        TableName table = version(view, version).table();
        long found = -1;
        Instant first = null;
        for (Row c : spark.sql("DESCRIBE HISTORY " + table.sql()).select("version", "timestamp").collectAsList()) {
            Instant at = c.getTimestamp(1).toInstant();
            first = first == null || at.isBefore(first) ? at : first;
            if (!at.isAfter(time)) {
                found = Math.max(found, c.getLong(0));
            }
        }
        if (found < 0) {
            throw Errors.badArgument("as-of time", time, "a time at or after the first commit of " + table + " (" + first + ")");
        }
        return readAsOf(view, version, found);
    }

    private FeatureViewVersion version(String view, int version) {
        return versions(view).stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> Errors.unknownName("version of feature view " + view, Integer.toString(version),
                        versions(view).stream().map(v -> Integer.toString(v.version())).toList(), ""));
    }

    /** Every commit of every version of a view, oldest first, with its lineage. */
    public List<HistoryEntry> history(String view) {
        List<HistoryEntry> out = new ArrayList<>();
        for (FeatureViewVersion v : versions(view)) {
            if (!Catalog.tableExists(spark, v.table())) {
                continue;
            }
            List<Row> commits = spark.sql("DESCRIBE HISTORY " + v.table().sql()).orderBy("version").collectAsList();
            for (Row c : commits) {
                scala.collection.Map<String, String> metrics = c.getMap(c.fieldIndex("operationMetrics"));
                long rows = metrics == null ? 0 : metrics.get("numOutputRows").map(Long::parseLong).getOrElse(() -> 0L);
                String meta = c.getAs("userMetadata");
                Optional<Lineage.CommitInfo> info = Lineage.parse(meta);
                String sources = info.map(i -> String.join(", ", i.inputs().stream().map(Lineage.Input::toString).toList()))
                        .orElse(meta == null ? "" : "(unreadable lineage)");
                out.add(new HistoryEntry(view, v.version(), c.getLong(c.fieldIndex("version")),
                        c.getTimestamp(c.fieldIndex("timestamp")).toInstant(), c.getAs("operation"), rows,
                        info.flatMap(Lineage.CommitInfo::definitionHash), sources,
                        info.map(i -> i.details().getOrDefault("range", "")).orElse(""),
                        info.map(Lineage.CommitInfo::runId)));
            }
        }
        return out;
    }

    /**
     * A point-in-time correct training set: every spine row exactly once, its columns untouched, plus each requested
     * feature from the latest feature row of the entity with feature time <= the spine's time and > that time minus
     * the view's ttl; null when there is none. Features come from each view's latest version, pinned to its current
     * Delta version.
     *
     * @param spine entity keys, an event time, the label and any other columns
     * @param timeColumn the spine's event-time column (a timestamp)
     * @param features the features, by view
     */
    public Dataset<Row> trainingSet(Dataset<Row> spine, String timeColumn, List<FeatureRef> features) {
        return buildTrainingSet(spine, timeColumn, ZoneOffset.UTC, features, false, new ArrayList<>(), new LinkedHashMap<>());
    }

    /**
     * As {@link #trainingSet(Dataset, String, List)}; with {@code fullNames}, feature columns are named
     * {@code <view>__<feature>}, so that views with features of the same name can be joined together.
     */
    public Dataset<Row> trainingSet(Dataset<Row> spine, String timeColumn, List<FeatureRef> features, boolean fullNames) {
        return buildTrainingSet(spine, timeColumn, ZoneOffset.UTC, features, fullNames, new ArrayList<>(), new LinkedHashMap<>());
    }

    /**
     * As {@link #trainingSet(Dataset, String, List, boolean)}, for a spine whose time column may be a
     * {@code timestamp_ntz} (local times, as pandas writes them): its values are taken as local times in
     * {@code timeZone} to find the features; the spine's column itself is returned unchanged.
     */
    public Dataset<Row> trainingSet(Dataset<Row> spine, String timeColumn, ZoneId timeZone, List<FeatureRef> features,
                                    boolean fullNames) {
        return buildTrainingSet(spine, timeColumn, timeZone, features, fullNames, new ArrayList<>(), new LinkedHashMap<>());
    }

    /**
     * Refuses what {@link #trainingSet} and {@link #writeTrainingSet} would refuse of their arguments before reading
     * anything: a spine time that is not a column name, no features or a null among them, a view the project does not
     * define, a view listed twice.
     */
    public static void checkTrainingSetArguments(Project project, String timeColumn, List<FeatureRef> features) {
        Errors.required(project, "the project of a feature store");
        Identifiers.checkColumn(timeColumn).ifPresent(p -> {
            throw Errors.badArgument("--timestamp", timeColumn, "the spine's event-time column: " + Identifiers.columnRule());
        });
        if (Errors.required(features, "the features of a training set").isEmpty()) {
            throw Errors.badArgument("--features", "(none)", "at least one VIEW or VIEW:feature1,feature2");
        }
        Map<String, List<String>> listed = new LinkedHashMap<>();
        for (FeatureRef ref : features) {
            Errors.required(ref, "a feature reference of a training set");
            listed.computeIfAbsent(ref.view(), k -> new ArrayList<>()).add(ref.toString());
            if (!project.featureViews().containsKey(ref.view())) {
                throw Errors.unknownName("feature view", ref.view(), project.featureViews().keySet(),
                        project.dir() + "/feature_views", "name one of those views in --features, or add "
                                + "feature_views/" + ref.view() + ".yaml");
            }
        }
        for (Map.Entry<String, List<String>> e : listed.entrySet()) {
            if (e.getValue().size() > 1) {
                throw Errors.badData("build a training set", "feature view '" + e.getKey() + "' is listed "
                        + e.getValue().size() + " times in --features (" + String.join(", ", e.getValue()) + ")",
                        "list each view once, with every feature wanted from it: " + e.getKey() + ":f1,f2 (or "
                                + e.getKey() + " alone for all its features)");
            }
        }
    }

    /** The output column of a feature: {@code feature}, or {@code view__feature} with full names. */
    public static String outputName(String view, String feature, boolean fullNames) {
        return fullNames ? view + "__" + feature : feature;
    }

    private Dataset<Row> buildTrainingSet(Dataset<Row> spine, String timeColumn, ZoneId timeZone,
                                          List<FeatureRef> features, boolean fullNames, List<Lineage.Input> inputs,
                                          Map<String, String> comments) {
        Errors.required(spine, "the spine of a training set");
        Errors.required(timeZone, "the time zone of the spine's time column");
        checkTrainingSetArguments(project, timeColumn, features);
        List<AsOfJoin.FeatureSide> sides = new ArrayList<>();
        for (FeatureRef ref : features) {
            FeatureViewVersion v = latest(ref.view());
            for (String f : ref.features()) {
                if (!v.featureNames().contains(f)) {
                    throw Errors.unknownName("feature of view " + ref.view() + " (version " + v.version() + ")", f,
                            v.featureNames(), "", "name one of its features in --features as " + ref.view() + ":"
                                    + "f1,f2, or add the feature to feature_views/" + ref.view() + ".yaml and materialize it");
                }
            }
            long dv = Lineage.latestVersion(spark, v.table());
            inputs.add(new Lineage.Input(ref.view(), v.table().toString(), Optional.of(dv)));
            Dataset<Row> table = spark.sql("SELECT * FROM " + v.table().sql() + " VERSION AS OF " + dv);
            List<String> cols = ref.features().isEmpty() ? v.featureNames() : ref.features();
            for (FeatureViewVersion.Feature f : v.features()) {
                String description = f.description() == null || f.description().isBlank() ? ""
                        : f.description().strip() + " ";
                comments.put(outputName(ref.view(), f.name(), fullNames), description + "(feature " + f.name() + " of "
                        + v.table() + ", as of the spine row's " + timeColumn + ")");
            }
            if (fullNames) {
                for (String c : cols) {
                    table = table.withColumnRenamed(c, outputName(ref.view(), c, true));
                }
                cols = cols.stream().map(c -> outputName(ref.view(), c, true)).toList();
            }
            sides.add(new AsOfJoin.FeatureSide(ref.view(), table, v.entities(), Tiles.FEATURE_TIME, cols, v.ttlSeconds()));
        }
        return AsOfJoin.join(spine, timeColumn, timeZone, sides);
    }

    /**
     * Builds a training set from a spine table and writes it as a Delta table (replacing it) in one commit, with its
     * lineage in the commit, in {@code ingot.lineage} and in {@code ml.training_sets}.
     */
    public TrainingSetResult writeTrainingSet(TableName spineTable, String timeColumn, List<FeatureRef> features,
                                              TableName out) {
        return writeTrainingSet(spineTable, timeColumn, features, false, out);
    }

    /** As {@link #writeTrainingSet(TableName, String, List, TableName)}, optionally with {@code view__feature} names. */
    public TrainingSetResult writeTrainingSet(TableName spineTable, String timeColumn, List<FeatureRef> features,
                                              boolean fullNames, TableName out) {
        return writeTrainingSet(spineTable, timeColumn, ZoneOffset.UTC, features, fullNames, out);
    }

    /**
     * As {@link #writeTrainingSet(TableName, String, List, boolean, TableName)}, with the time zone of the spine's
     * {@code timestamp_ntz} times (see {@link #trainingSet(Dataset, String, ZoneId, List, boolean)}).
     */
    public TrainingSetResult writeTrainingSet(TableName spineTable, String timeColumn, ZoneId timeZone,
                                              List<FeatureRef> features, boolean fullNames, TableName out) {
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        String runId = Lineage.newRunId();
        Errors.required(spineTable, "the spine table of a training set");
        Errors.required(out, "the output table of a training set");
        checkTrainingSetArguments(project, timeColumn, features);
        if (!Catalog.tableExists(spark, spineTable)) {
            throw Errors.badData("build training set " + out, "spine table " + spineTable + " does not exist",
                    "pass --spine with an existing table");
        }
        List<Lineage.Input> inputs = new ArrayList<>();
        Dataset<Row> spine;
        if (Catalog.isDeltaTable(spark, spineTable)) {
            // Pinned to the version read, so that the lineage names exactly the rows the training set was built from.
            try {
                long sv = Lineage.latestVersion(spark, spineTable);
                inputs.add(new Lineage.Input("spine", spineTable.toString(), Optional.of(sv)));
                spine = spark.sql("SELECT * FROM " + spineTable.sql() + " VERSION AS OF " + sv);
            } catch (RuntimeException e) {
                throw Errors.jobFailed("read the spine " + spineTable + " at its latest Delta version", e);
            }
        } else {
            inputs.add(new Lineage.Input("spine", spineTable.toString(), Optional.empty()));
            spine = spark.table(spineTable.sql());
        }
        Map<String, String> comments = new LinkedHashMap<>();
        for (org.apache.spark.sql.types.StructField f : spine.schema().fields()) {
            comments.put(f.name(), f.getComment().isDefined() ? f.getComment().get() : "From the spine " + spineTable);
        }
        Dataset<Row> ts = buildTrainingSet(spine, timeColumn, timeZone, features, fullNames, inputs, comments);
        String meta = Lineage.commitMetadata(runId, "training-set", inputs, Optional.empty(),
                Map.of("features", features.toString()));
        // Replaced whole by each build, comment and properties included: they always describe the current version.
        TableDoc doc = TableDoc.of("Training set: the spine " + spineTable + " joined point-in-time with the features "
                        + features + ", each row's features as they were at its " + timeColumn + ". Replaced by each "
                        + "build; its lineage is in ml.training_sets and ingot.lineage.")
                .withColumns(comments)
                .withProperty("ingot.spine", inputs.get(0).location() + inputs.get(0).deltaVersion().map(v -> "@" + v)
                        .orElse(""))
                .withProperty("ingot.spine_time", timeColumn)
                .withProperty("ingot.features", features.toString())
                .withProperty("ingot.created_from", Lineage.Input.describe(inputs))
                .withProperty("ingot.run_id", runId);
        // Plain CREATE for a new table (another build may create it at the same time); an existing one is replaced
        // whole, done again when another build's commit came first: the table ends as one build wrote it.
        Map<String, String> options = Map.of("userMetadata", meta);
        Catalog.createOrWrite(ts, out, doc, options, List.of(), () -> DeltaConflicts.retry("replace " + out,
                () -> Catalog.createDeltaTable(ts, out, doc, options, List.of(), true)));
        // This build's own commit, found by its metadata: another build may have committed after it.
        long version = DeltaCommits.find(spark, location(out), meta, 10).version()
                .orElseGet(() -> Lineage.latestVersion(spark, out));
        Dataset<Row> written = spark.sql("SELECT * FROM " + out.sql() + " VERSION AS OF " + version);
        List<String> featureCols = new ArrayList<>();
        for (String c : written.columns()) {
            if (!List.of(spine.columns()).contains(c)) {
                featureCols.add(c);
            }
        }
        List<Column> aggs = new ArrayList<>();
        aggs.add(count(org.apache.spark.sql.functions.lit(1)));
        featureCols.forEach(c -> aggs.add(count(col(c))));
        Row counts = written.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
        long rows = counts.getLong(0);
        Map<String, Double> nonNull = new LinkedHashMap<>();
        for (int i = 0; i < featureCols.size(); i++) {
            nonNull.put(featureCols.get(i), rows == 0 ? 0.0 : counts.getLong(i + 1) / (double) rows);
        }
        Lineage.record(spark, new Lineage.Entry(runId, "training-set", out, Optional.of(version), "training_set", inputs,
                Optional.empty(), Optional.of(rows), Optional.empty(), Optional.empty(), started, Instant.now(),
                Map.of("features", features.toString(), "spine_time", timeColumn, "full_names", Boolean.toString(fullNames))));
        recordTrainingSet(out, version, spineTable, timeColumn, features, inputs, rows, runId);
        List<String> used = inputs.stream().skip(1).map(i -> i.location() + "@" + i.deltaVersion().orElse(-1L)).toList();
        return new TrainingSetResult(out, version, rows, used, nonNull, (System.nanoTime() - t0) / 1e9);
    }

    private void recordTrainingSet(TableName out, long version, TableName spine, String timeColumn,
                                   List<FeatureRef> features, List<Lineage.Input> inputs, long rows, String runId) {
        StructType schema = new StructType()
                .add("table_name", DataTypes.StringType, false, "The training set's table")
                .add("delta_version", DataTypes.LongType, false, "Its Delta version this build wrote")
                .add("spine", DataTypes.StringType, false, "The spine table (entity keys, times, labels)")
                .add("spine_time", DataTypes.StringType, false, "The spine's time column the features are joined as of")
                .add("features", DataTypes.StringType, false, "The features asked for, by view")
                .add("inputs", DataTypes.StringType, false, "What the build read: name=table@delta_version, the spine's"
                        + " and each feature table's")
                .add("rows", DataTypes.LongType, false, "Rows written")
                .add("run_id", DataTypes.StringType, false, "The build's run (as in ingot.lineage)")
                .add("created_at", DataTypes.TimestampType, false, "When it was built");
        List<String> in = inputs.stream().map(i -> i.name() + "=" + i.location() + "@" + i.deltaVersion().map(String::valueOf).orElse("-")).toList();
        Row r = RowFactory.create(out.toString(), version, spine.toString(), timeColumn, features.toString(),
                String.join(", ", in), rows, runId, Timestamp.from(Instant.now()));
        Catalog.appendDelta(spark.createDataFrame(List.of(r), schema), Tables.TRAINING_SETS, TableDoc.of("Training-set "
                + "lineage: one row per training set built, with the Delta versions of the spine and feature tables it "
                + "was built from. Appended to, never updated."), Map.of());
    }

    /** A table's location, from the catalog. */
    private String location(TableName table) {
        try {
            return spark.sessionState().catalog().getTableMetadata(new org.apache.spark.sql.catalyst.TableIdentifier(
                    table.table(), scala.Option.apply(table.database()))).location().toString();
        } catch (Exception e) { // NoSuchTableException is checked to Java but thrown all the same
            throw Errors.jobFailed("read the catalog entry of " + table, e);
        }
    }

    private void requireView(String view) {
        requireView(project, view);
    }

    private static FeatureViewDef requireView(Project project, String view) {
        if (view == null || !project.featureViews().containsKey(view)) {
            throw Errors.unknownName("feature view", view, project.featureViews().keySet(), project.dir() + "/feature_views");
        }
        return project.featureViews().get(view);
    }
}
