package dev.ingot.jobs.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.ingot.core.Catalog;
import dev.ingot.core.internal.DeltaCommits;
import dev.ingot.core.internal.DeltaConflicts;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.Identifiers;
import dev.ingot.core.Lineage;
import dev.ingot.core.RunFigures;
import dev.ingot.core.ModelSignature;
import dev.ingot.core.TableDoc;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.OnnxModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import dev.ingot.core.config.SigningSettings;
import dev.ingot.scoring.BatchLatencies;
import dev.ingot.scoring.InputBinding;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.scoring.OutputBinding;
import dev.ingot.scoring.Scorer;
import dev.ingot.scoring.ScoringPath;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.security.PublicKey;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingot score}: a table scored by a registered model (or an ONNX file) with ONNX Runtime in the executors, into
 * {@code scores.<name>}, one partition per scoring date; a re-run of the same date and model version replaces its
 * rows. The model's digest is checked against the registry and its inputs against the table before anything runs.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score a table with a model: NAME@ALIAS, NAME/VERSION, NAME (its champion) from the registry, or "
                + "a .onnx file. The model's SHA-256 is checked against the registry and its inputs against the table "
                + "before any task; rows are scored by ONNX Runtime in the executors and written to scores.<out> "
                + "(Delta, partitioned by score_date) with the entity keys, the outputs, and the model's name, version, "
                + "run id, digest and scoring time. Re-running a date with the same model version replaces its rows.",
                "Rows with a null or NaN input: --nulls error (exit 2), quarantine (to quality.<out>__quarantine with "
                        + "the reason) or impute (passed to the model as NaN, for models whose graph imputes)."})
public final class ScoreCommand implements Callable<Integer> {
    /** Score table column: the model's name. */
    static final String MODEL_NAME = "model_name";
    /** Score table column: the registry version (null for a model scored from a file). */
    static final String MODEL_VERSION = "model_version";
    /** Score table column: the run that logged the model (null for a file). */
    static final String MODEL_RUN_ID = "model_run_id";
    /** Score table column: the SHA-256 of the ONNX model scored. */
    static final String MODEL_SHA256 = "model_sha256";
    /** Score table column: when the rows were scored. */
    static final String SCORED_AT = "scored_at";
    /** Score table column and partition: the scoring date. */
    static final String SCORE_DATE = "score_date";
    /** Quarantine column: why the row was not scored. */
    static final String REASON = "reason";
    /** Prefix of the shadow model's columns: its outputs ({@code shadow_label}, ...) and its version columns. */
    static final String SHADOW_PREFIX = "shadow_";
    /** Score table column: the shadow model's registry version (null in rows scored without {@code --shadow}). */
    static final String SHADOW_MODEL_VERSION = SHADOW_PREFIX + MODEL_VERSION;
    /** Score table column: the run that logged the shadow model. */
    static final String SHADOW_MODEL_RUN_ID = SHADOW_PREFIX + MODEL_RUN_ID;
    /** Score table column: the SHA-256 of the shadow model. */
    static final String SHADOW_MODEL_SHA256 = SHADOW_PREFIX + MODEL_SHA256;

    static final Pattern REF = Pattern.compile("([A-Za-z0-9_][A-Za-z0-9_.\\-]*)(?:/([0-9]+)|@([\\w\\-]+))?");

    /** What to do with rows whose model inputs are null or NaN. */
    enum NullPolicy { ERROR, QUARANTINE, IMPUTE }

    @Mixin
    ProjectOptions options;

    @Mixin
    GpuOption gpu;

    @Mixin
    Reports reports;

    @Option(names = "--model", required = true, paramLabel = "NAME@ALIAS|NAME/VERSION|PATH",
            description = "The model: fraud@champion, fraud/3, fraud (its champion), or a path to a .onnx file.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "TABLE", description = "The table to score (database.table).")
    String input;

    @Option(names = "--out", required = true, paramLabel = "NAME", description = "Write scores.NAME.")
    String out;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The scoring date (partition; default: today, UTC).")
    String date;

    @Option(names = "--keys", split = ",", paramLabel = "COL[,COL...]",
            description = "Entity-key columns copied onto each score row (default: the spec's keys, or the entities of "
                    + "its feature views).")
    List<String> keys;

    @Option(names = "--nulls", paramLabel = "error|quarantine|impute", defaultValue = "error",
            description = "Rows with a null or NaN model input (default: ${DEFAULT-VALUE}).")
    String nulls;

    @Option(names = "--shadow", paramLabel = "ALIAS",
            description = "Also score every row with this alias of the same registered model (e.g. challenger), in the "
                    + "same pass, into shadow_* columns of the same rows: its outputs and shadow_model_version, "
                    + "shadow_model_run_id, shadow_model_sha256. Verified as the main model is. Compare the two with "
                    + "'ingot models compare'.")
    String shadow;

    @Option(names = "--batch-size", paramLabel = "ROWS", defaultValue = "" + Scorer.BATCH_SIZE_DEFAULT,
            description = "Rows per ONNX Runtime call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--path", paramLabel = "auto|columnar|rows", defaultValue = "auto",
            description = "How rows reach ONNX Runtime: columnar (the input's Parquet/Delta column batches, no row copy),"
                    + " rows, or auto: columnar when the input can be read so, else rows (default: ${DEFAULT-VALUE}).")
    String path;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The model to score with, and where it came from. */
    record Resolved(String name, Optional<Long> version, Optional<String> runId, OnnxModel onnx,
                            Map<String, List<String>> inputs, OutputBinding outputs, List<String> keys,
                            List<Lineage.Input> trainedOn) {}

    /** The {@code --shadow} model, its scorer, and its own batch latencies. */
    private record Shadow(Resolved model, Scorer scorer, BatchLatencies latencies) {}

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        Project p = options.load();
        TableName inputTable = TableName.parse(input);
        TableName scores = Tables.scores(out);
        TableName quarantine = Tables.quarantine(scores);
        LocalDate day = day();
        NullPolicy policy = policy();
        ScoringPath scoringPath = scoringPath();
        if (batchSize < 1 || batchSize > Scorer.BATCH_SIZE_MAX) {
            throw Errors.badArgument("--batch-size", batchSize, "a number of rows from 1 to " + Scorer.BATCH_SIZE_MAX);
        }
        Optional<Path> file = model.toLowerCase(Locale.ROOT).endsWith(".onnx") ? Optional.of(file(p)) : Optional.empty();
        Matcher ref = REF.matcher(model);
        if (file.isEmpty() && !ref.matches()) {
            throw Errors.badArgument("--model", model, "NAME@ALIAS (fraud@champion), NAME/VERSION (fraud/3), NAME or a"
                    + " path to a .onnx file");
        }
        checkShadowOption(file.isPresent());
        if (file.isEmpty()) {
            // A registry version is read from the tracking store: its token must resolve before Spark starts.
            ProjectOptions.requireSecrets(p, SecretUse.TRACKING);
        }
        SparkSession spark = Sessions.open(p, "score", gpu.policy());
        // Executor CPU of every task from here on: the null-count pass, inference and the writes of the scores.
        try (CpuMeter cpu = CpuMeter.start(spark)) {
            Resolved m;
            Optional<Resolved> shadowModel = Optional.empty();
            if (file.isPresent()) {
                OnnxModel onnx = OnnxModel.read(file.get());
                String base = file.get().getFileName().toString();
                m = new Resolved(base.substring(0, base.length() - ".onnx".length()), Optional.empty(), Optional.empty(),
                        onnx, Map.of(), OutputBinding.none(), keys == null ? List.of() : keys, List.of());
            } else {
                try (TrackingStore store = Registry.open(p, "score", () -> spark)) {
                    m = fromRegistry(p, store, ref);
                    shadowModel = shadowOf(p, store, m);
                }
            }
            if (m.keys().isEmpty()) {
                throw Errors.badArgument("--keys", "", "the entity-key columns to copy onto each score row (" + m.name()
                        + " names none: no 'keys' in its spec and no feature views)");
            }
            if (!Catalog.tableExists(spark, inputTable)) {
                throw Errors.badArgument("--input", inputTable, "an existing table (database.table)");
            }
            long inputVersion = Catalog.isDeltaTable(spark, inputTable) ? Lineage.latestVersion(spark, inputTable) : -1;
            // Read at the version recorded in the lineage, so the rows scored are the rows the lineage names.
            Dataset<Row> data = inputVersion >= 0
                    ? spark.read().format("delta").option("versionAsOf", inputVersion).table(inputTable.sql())
                    : spark.table(inputTable.sql());

            Scorer scorer = ModelRegistration.scorer(m.onnx(), m.inputs(), m.outputs()).withBatchSize(batchSize)
                    .withPath(scoringPath);
            Optional<Shadow> sh = shadowModel.map(s -> new Shadow(s, ModelRegistration.scorer(s.onnx(), s.inputs(),
                    s.outputs()).withBatchSize(batchSize).withPath(scoringPath), BatchLatencies.register(spark)));
            List<String> problems = new ArrayList<>(scorer.problems(data.schema()));
            sh.ifPresent(s -> problems.addAll(shadowProblems(spark, scores, data, s)));
            List<String> columns = List.of(data.columns());
            m.keys().stream().filter(k -> !columns.contains(k)).forEach(k -> problems.add("key column '" + k
                    + "' is not in the input table (columns: " + String.join(", ", columns) + ")"));
            if (!problems.isEmpty()) {
                throw Errors.badData("score " + inputTable + " with " + m.onnx().source(), String.join("; ", problems),
                        "bind each model input to existing columns of the right type (model inputs: " + m.onnx().inputs()
                                + "), and name existing key columns");
            }
            // A row must suit both models: the shadow's columns are checked for nulls and kept as the main model's are.
            LinkedHashSet<String> allBound = new LinkedHashSet<>(scorer.binding().allColumns());
            sh.ifPresent(s -> allBound.addAll(s.scorer().binding().allColumns()));
            List<String> bound = List.copyOf(allBound);
            LinkedHashSet<String> keep = new LinkedHashSet<>(m.keys());
            keep.addAll(bound);
            Dataset<Row> rows = data.select(keep.stream().map(c -> col(Identifiers.quoteColumn(c))).toArray(Column[]::new));

            // One pass counts the rows and, per bound column, those whose value the model cannot take as it is.
            Map<String, Column> missing = missing(data, bound);
            Column any = missing.values().stream().reduce(Column::or).orElse(lit(false));
            Dataset<Row> good = policy == NullPolicy.QUARANTINE ? rows.where(any.unary_$bang()) : rows;
            Optional<String> notColumnar = scoringPath == ScoringPath.ROWS ? Optional.empty() : scorer.columnarProblem(good);
            if (scoringPath == ScoringPath.COLUMNAR && notColumnar.isPresent()) {
                throw Errors.badArgument("--path", path, "auto or rows: " + inputTable + " cannot be scored from column"
                        + " batches here, because " + notColumnar.get());
            }
            Row counts = nullCounts(rows, missing).first();
            long total = counts.getLong(0);
            long bad = counts.isNullAt(1) ? 0 : counts.getLong(1);
            Map<String, Long> perColumn = new LinkedHashMap<>();
            int i = 2;
            for (String c : missing.keySet()) {
                long n = counts.isNullAt(i) ? 0 : counts.getLong(i);
                i++;
                if (n > 0) {
                    perColumn.put(c, n);
                }
            }
            if (bad > 0 && policy == NullPolicy.ERROR) {
                throw Errors.badData("score " + inputTable, "model inputs are null or NaN: " + describe(perColumn, total)
                        + " (nothing was written)", "fill them, or pass --nulls quarantine (those rows go to " + quarantine
                        + ") or --nulls impute (NaN reaches the model, for models whose graph imputes)");
            }
            if (bad > 0 && policy == NullPolicy.IMPUTE) {
                List<String> notNaN = perColumn.keySet().stream().filter(c -> !isFloat(data, c)).toList();
                if (!notNaN.isEmpty()) {
                    throw Errors.badData("score " + inputTable + " with --nulls impute", "columns " + notNaN + " are null in "
                            + "some rows and are not floating-point, so they have no NaN to pass (" + describe(perColumn, total)
                            + ")", "pass --nulls quarantine, or fill them before scoring");
                }
            }

            Instant now = Instant.now();
            String runId = Lineage.newRunId();
            Map<String, String> details = new LinkedHashMap<>();
            details.put("model", m.name());
            m.version().ifPresent(v -> details.put("model_version", Long.toString(v)));
            m.runId().ifPresent(r -> details.put("model_run_id", r));
            details.put("score_date", day.toString());
            details.put("null_policy", policy.name().toLowerCase(Locale.ROOT));
            sh.ifPresent(s -> shadowDetails(details, s.model()));
            List<Lineage.Input> inputs = lineageInputs(new Lineage.Input("input", inputTable.toString(),
                    inputVersion >= 0 ? Optional.of(inputVersion) : Optional.empty()), m, sh);
            String meta = Lineage.commitMetadata(runId, "score", inputs, Optional.of(m.onnx().sha256()), details);
            Column[] lineage = lineage(m, now, day);
            String where = SCORE_DATE + " = DATE'" + day + "' AND " + MODEL_NAME + " = " + Catalog.literal(m.name()) + " AND "
                    + m.version().map(v -> MODEL_VERSION + " = " + v).orElse(MODEL_VERSION + " IS NULL AND " + MODEL_SHA256
                    + " = " + Catalog.literal(m.onnx().sha256()));

            BatchLatencies latencies = BatchLatencies.register(spark);
            Dataset<Row> scored = scorer.score(withShadowScores(good, sh), latencies);
            Map<String, String> modelColumns = modelColumnComments(scorer, sh);
            write(spark, output(scored, m.keys(), scorer, lineage, shadowColumns(spark, scores, sh)), scores, where, meta,
                    sh.isPresent(), TableDoc.of("Scores of " + inputTable + " by model " + m.name() + ": one row per "
                            + "input row, score date and model version, each naming the model version, run and ONNX "
                            + "digest that made it. Partitioned by score_date; scoring a date again with the same model "
                            + "version replaces its rows.").withColumns(keyComments(m.keys(), inputTable))
                            .withColumns(modelColumns).withProperties(creation(m, inputTable, inputs)));
            long quarantined = 0;
            if (policy == NullPolicy.QUARANTINE && (bad > 0 || Catalog.tableExists(spark, quarantine))) {
                List<Column> reasons = new ArrayList<>();
                missing.forEach((c, cond) -> reasons.add(when(cond, lit(c))));
                List<Column> qCols = new ArrayList<>();
                keep.forEach(c -> qCols.add(col(Identifiers.quoteColumn(c))));
                qCols.add(concat_ws(", ", reasons.toArray(Column[]::new)).as("null_columns"));
                qCols.add(lit("null or NaN model input").as(REASON));
                qCols.addAll(List.of(lineage));
                Map<String, String> inputColumns = new LinkedHashMap<>();
                keep.forEach(c -> inputColumns.put(c, "As in " + inputTable));
                write(spark, rows.where(any).select(qCols.toArray(Column[]::new)), quarantine, where, meta, false,
                        TableDoc.of("Rows of " + inputTable + " that " + scores + " could not score (a null or NaN model "
                                + "input, with --nulls quarantine), with the model that would have scored them.")
                                .withColumns(inputColumns).withColumns(keyComments(m.keys(), inputTable))
                                .withColumn("null_columns", "The model inputs that were null or NaN in the row")
                                .withColumn(REASON, "Why the row was not scored").withColumns(modelColumns)
                                .withProperties(creation(m, inputTable, inputs)));
                quarantined = bad;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpuSeconds = cpu.seconds();
            long written = total - quarantined;
            RunFigures.rowsRead(total);
            // Another run may have committed to the table since (another date): the lineage names this run's commit.
            long scoresVersion = committed(spark, scores, meta);
            Lineage.record(spark, new Lineage.Entry(runId, "score", scores, Optional.of(scoresVersion),
                    "score", inputs, Optional.of(m.onnx().sha256()), Optional.of(written), Optional.empty(), Optional.empty(),
                    now, Instant.now(), details));
            ScoreDrift.Scored scoredRows = new ScoreDrift.Scored(runId, now, day, scores, scoresVersion, where);
            List<String> measuredVersions = new ArrayList<>();
            m.version().ifPresent(v -> measuredVersions.add(m.name() + "/" + v));
            sh.flatMap(s -> s.model().version().map(v -> s.model().name() + "/" + v)).ifPresent(measuredVersions::add);
            ScoreDrift.forgetOthers(spark, scoredRows, measuredVersions);
            ScoreDrift.Outcome drift = ScoreDrift.measure(spark, p, m.name(), m.version(), scoredRows,
                    scorer.appended().stream().map(f -> f.name()).toList(), "", reports.resolve(p));
            Optional<ScoreDrift.Outcome> shadowDrift = sh.map(s -> shadowDrift(spark, p, m, s, scoredRows, drift,
                    reports.resolve(p)));
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "%s: %,d rows scored by %s%s (sha256 %s) from %s%s%n", scores, written, m.name(),
                    m.version().map(v -> " v" + v).orElse(" (file " + m.onnx().source() + ")"), m.onnx().sha256().substring(0, 12),
                    inputTable, inputVersion >= 0 ? " @ Delta v" + inputVersion : "");
            sh.ifPresent(s -> printShadow(o, m, s.model()));
            o.println(scoringPath == ScoringPath.ROWS ? "scoring path: rows (--path rows)" : notColumnar.map(why ->
                    "scoring path: rows (the input cannot be read as column batches: " + why + ")")
                    .orElse("scoring path: columnar (the input's column batches, no row copy)"));
            if (quarantined > 0) {
                o.printf(Locale.ROOT, "%s: %,d rows with null or NaN inputs (%s)%n", quarantine, quarantined,
                        describe(perColumn, total));
            } else if (bad > 0) {
                o.printf(Locale.ROOT, "null or NaN inputs passed to the model as NaN: %s%n", describe(perColumn, total));
            }
            ScoreRuns.Run measured = new ScoreRuns.Run(runId, started, Instant.now(), m.name(), m.version(),
                    m.onnx().sha256(), inputTable, inputVersion >= 0 ? Optional.of(inputVersion) : Optional.empty(), scores,
                    scoresVersion, day, written, quarantined, seconds, batchSize, latencies.batches(),
                    new ScoreRuns.Latency(latencies.millis(0.50), latencies.millis(0.95), latencies.millis(0.99)),
                    cpuSeconds, p.settings().price(), sh.map(ScoreCommand::shadowRun),
                    drift.psi(), shadowDrift.flatMap(ScoreDrift.Outcome::psi));
            ScoreRuns.record(spark, measured);
            o.printf(Locale.ROOT, "score_date %s; %,.0f rows/s; %.1f s elapsed%n", day, total / Math.max(seconds, 1e-9), seconds);
            o.print(measured.summary());
            o.print(drift.summary());
            shadowDrift.ifPresent(d -> o.print(d.summary()));
            o.flush();
            return ExitCode.OK.code();
        }
    }

    /** The registry's version, its ONNX bytes checked against the recorded digest, and its binding. */
    Resolved fromRegistry(Project p, TrackingStore store, Matcher ref) {
        String name = ref.group(1);
        ModelVersion v;
        if (ref.group(2) != null) {
            v = Registry.version(store, p, name, Long.parseLong(ref.group(2)));
        } else {
            v = Registry.byAlias(store, p, name, ref.group(3) != null ? ref.group(3) : Registry.CHAMPION);
        }
        String source = "runs:/" + v.runId() + "/" + Registry.ONNX_ARTIFACT;
        Map<String, String> runTags = store.runData(v.runId()).tags();
        String expected = Optional.ofNullable(v.tags().get(Registry.ONNX_SHA256)).orElse(runTags.get(Registry.ONNX_SHA256));
        if (expected == null) {
            throw Errors.badData("score with " + name + " v" + v.version(), "the registry records no SHA-256 ("
                    + Registry.ONNX_SHA256 + ") for it, so its ONNX model cannot be verified (nothing was written)",
                    "score a version trained or registered with ONNX export ('ingot train' / 'ingot models register')");
        }
        byte[] bytes = store.downloadArtifact(v.runId(), Registry.ONNX_ARTIFACT);
        String actual = OnnxModel.sha256(bytes);
        if (!actual.equals(expected)) {
            throw Errors.badData("score with " + name + " v" + v.version(), source + " has SHA-256 " + actual
                    + ", and the registry recorded " + expected + " for it: the file changed after it was registered"
                    + " (nothing was written)", "find out who changed the artifact; register or train the model again");
        }
        verifySignature(p, name, v, runTags, actual);
        OnnxModel onnx = OnnxModel.load(bytes, source);
        String tagged = Optional.ofNullable(v.tags().get(Registry.ONNX_INPUTS)).orElse(runTags.get(Registry.ONNX_INPUTS));
        String outs = Optional.ofNullable(v.tags().get(Registry.ONNX_OUTPUTS)).orElse(runTags.get(Registry.ONNX_OUTPUTS));
        Map<String, String> all = new LinkedHashMap<>(runTags);
        all.putAll(v.tags());
        return new Resolved(name, Optional.of(v.version()), Optional.of(v.runId()), onnx, ModelRegistration.inputs(tagged),
                ModelRegistration.outputs(outs), keys != null ? keys : defaultKeys(p, name, v), trainedOn(all));
    }

    /**
     * The training set and the feature tables a trained version was fitted on, at their Delta versions, from its run
     * tags ({@code ingot.training_set}, {@code ingot.feature_tables}): inputs of the score's lineage. A model made
     * elsewhere has none.
     */
    static List<Lineage.Input> trainedOn(Map<String, String> tags) {
        List<Lineage.Input> in = new ArrayList<>();
        String ts = tags.get(Registry.TRAINING_SET);
        if (ts != null && !ts.isBlank()) {
            String tv = tags.getOrDefault(Registry.TRAINING_SET_VERSION, "");
            in.add(new Lineage.Input("training_set", ts, tv.matches("[0-9]+") ? Optional.of(Long.parseLong(tv))
                    : Optional.empty()));
        }
        for (String t : tags.getOrDefault(Registry.FEATURE_TABLES, "").split(",")) {
            int at = t.lastIndexOf('@');
            if (at > 0 && t.substring(at + 1).matches("[0-9]+")) {
                in.add(new Lineage.Input("feature_table", t.substring(0, at), Optional.of(Long.parseLong(t.substring(at + 1)))));
            } else if (!t.isBlank()) {
                in.add(new Lineage.Input("feature_table", t.trim(), Optional.empty()));
            }
        }
        return List.copyOf(in);
    }

    /**
     * The input read, then what the models were trained on, so that a score leads back to the training set and
     * feature table versions of each model (the shadow's named {@code shadow_*}).
     */
    private static List<Lineage.Input> lineageInputs(Lineage.Input input, Resolved m, Optional<Shadow> sh) {
        List<Lineage.Input> inputs = new ArrayList<>();
        inputs.add(input);
        inputs.addAll(m.trainedOn());
        sh.ifPresent(s -> s.model().trainedOn().forEach(t -> inputs.add(new Lineage.Input(SHADOW_PREFIX + t.name(),
                t.location(), t.deltaVersion()))));
        return List.copyOf(inputs);
    }

    /** {@code --shadow} takes an alias of a registered model: checked before any session starts. */
    private void checkShadowOption(boolean fileModel) {
        if (shadow == null) {
            return;
        }
        if (fileModel) {
            throw Errors.badArgument("--shadow", shadow, "no --shadow with a .onnx file as --model: a shadow is another "
                    + "alias of the same registered model. Register the file ('ingot models register'), then score "
                    + "NAME@ALIAS --shadow ALIAS");
        }
        if (!shadow.matches("[\\w\\-]+")) {
            throw Errors.badArgument("--shadow", shadow, "an alias of the model given by --model (e.g. challenger)");
        }
    }

    /** The {@code --shadow} alias of the main model's registered name, resolved and verified as the main model is. */
    private Optional<Resolved> shadowOf(Project p, TrackingStore store, Resolved main) {
        if (shadow == null) {
            return Optional.empty();
        }
        Matcher alias = REF.matcher(main.name() + "@" + shadow);
        if (!alias.matches()) {
            throw Errors.badArgument("--shadow", shadow, "an alias of the model given by --model (e.g. challenger)");
        }
        Resolved s = fromRegistry(p, store, alias);
        return Optional.of(new Resolved(s.name(), s.version(), s.runId(), s.onnx(), s.inputs(), s.outputs(), main.keys(),
                s.trainedOn()));
    }

    /**
     * The shadow's binding problems against the input, each naming the shadow, and each shadow column the scores table
     * already has with another type (a shadow of another kind than the one scored into it before).
     */
    private static List<String> shadowProblems(SparkSession spark, TableName scores, Dataset<Row> data, Shadow s) {
        String who = "shadow " + s.model().name() + " v" + s.model().version().orElseThrow() + ": ";
        List<String> p = new ArrayList<>();
        s.scorer().problems(data.schema()).forEach(x -> p.add(who + x));
        if (Catalog.tableExists(spark, scores)) {
            org.apache.spark.sql.types.StructType table = spark.table(scores.sql()).schema();
            for (org.apache.spark.sql.types.StructField f : s.scorer().appended()) {
                String name = SHADOW_PREFIX + f.name();
                if (List.of(table.fieldNames()).contains(name)
                        && !table.apply(name).dataType().sameType(f.dataType().asNullable())) {
                    p.add(who + scores + " has column '" + name + "' of type " + table.apply(name).dataType().simpleString()
                            + ", and this shadow writes " + f.dataType().simpleString() + " (a model of another kind was "
                            + "its shadow before: score into another --out)");
                }
            }
        }
        return p;
    }

    /**
     * The rows with the shadow's outputs appended as {@code shadow_*}. The shadow scores first, so that the main
     * model's outputs keep their names; both are lazy map-partitions over the same rows, so Spark runs them in one
     * stage over one read of the input.
     */
    private static Dataset<Row> withShadowScores(Dataset<Row> rows, Optional<Shadow> sh) {
        if (sh.isEmpty()) {
            return rows;
        }
        Dataset<Row> scored = sh.get().scorer().score(rows, sh.get().latencies());
        List<Column> cols = new ArrayList<>();
        for (String c : rows.columns()) {
            cols.add(col(Identifiers.quoteColumn(c)));
        }
        sh.get().scorer().appended().forEach(f -> cols.add(col(f.name()).as(SHADOW_PREFIX + f.name())));
        return scored.select(cols.toArray(Column[]::new));
    }

    /**
     * The shadow columns of a score row: the shadow's outputs and version columns; without {@code --shadow}, typed
     * nulls for each shadow column the table already has, so that its schema stays one for runs with and without.
     */
    private static List<Column> shadowColumns(SparkSession spark, TableName scores, Optional<Shadow> sh) {
        List<Column> cols = new ArrayList<>();
        if (sh.isPresent()) {
            Resolved s = sh.get().model();
            sh.get().scorer().appended().forEach(f -> cols.add(col(SHADOW_PREFIX + f.name())));
            cols.add(lit(s.version().orElseThrow()).as(SHADOW_MODEL_VERSION));
            cols.add(lit(s.runId().orElseThrow()).as(SHADOW_MODEL_RUN_ID));
            cols.add(lit(s.onnx().sha256()).as(SHADOW_MODEL_SHA256));
        } else if (Catalog.tableExists(spark, scores)) {
            for (org.apache.spark.sql.types.StructField f : spark.table(scores.sql()).schema().fields()) {
                if (f.name().startsWith(SHADOW_PREFIX)) {
                    cols.add(lit(null).cast(f.dataType()).as(f.name()));
                }
            }
        }
        return cols;
    }

    private static void shadowDetails(Map<String, String> details, Resolved s) {
        details.put(SHADOW_MODEL_VERSION, Long.toString(s.version().orElseThrow()));
        details.put(SHADOW_MODEL_RUN_ID, s.runId().orElseThrow());
        details.put(SHADOW_MODEL_SHA256, s.onnx().sha256());
    }

    private void printShadow(PrintWriter o, Resolved main, Resolved s) {
        o.printf(Locale.ROOT, "shadow: %s@%s = v%d (sha256 %s) scored the same rows into %s* columns%n", s.name(), shadow,
                s.version().orElseThrow(), s.onnx().sha256().substring(0, 12), SHADOW_PREFIX);
        if (s.version().equals(main.version())) {
            o.printf(Locale.ROOT, "note: %s@%s is v%d, the main model itself: its shadow columns repeat the main ones%n",
                    s.name(), shadow, s.version().orElseThrow());
        }
    }

    /**
     * The shadow's drift against its own version's test window, from its {@code shadow_*} columns of the rows just
     * written. A shadow that is the main version itself has the main model's scores, so it is not measured twice (its
     * rows in {@code quality.metrics} would be the main model's own).
     */
    private static ScoreDrift.Outcome shadowDrift(SparkSession spark, Project p, Resolved main, Shadow s,
                                                  ScoreDrift.Scored written, ScoreDrift.Outcome mainDrift, Path reports) {
        Resolved m = s.model();
        if (m.version().equals(main.version())) {
            return new ScoreDrift.Outcome(mainDrift.psi(), String.format(Locale.ROOT,
                    "shadow score drift: the shadow is v%d, the main model itself: the same as above%n",
                    m.version().orElseThrow()));
        }
        return ScoreDrift.measure(spark, p, m.name(), m.version(), written,
                s.scorer().appended().stream().map(f -> f.name()).toList(), SHADOW_PREFIX, reports);
    }

    private static ScoreRuns.ShadowRun shadowRun(Shadow s) {
        BatchLatencies l = s.latencies();
        return new ScoreRuns.ShadowRun(s.model().version().orElseThrow(), s.model().onnx().sha256(), l.batches(),
                new ScoreRuns.Latency(l.millis(0.50), l.millis(0.95), l.millis(0.99)));
    }

    /**
     * With {@code signing.public_key} set, the version's signature of its digest must verify: a registry anyone can
     * write to cannot then hand {@code score} a model that nobody holding the private key registered.
     */
    private static void verifySignature(Project p, String name, ModelVersion v, Map<String, String> runTags,
                                        String sha256) {
        Optional<PublicKey> key = p.settings().signing().flatMap(SigningSettings::publicKey);
        if (key.isEmpty()) {
            return;
        }
        String signature = Optional.ofNullable(v.tags().get(Registry.ONNX_SIGNATURE))
                .orElse(runTags.get(Registry.ONNX_SIGNATURE));
        if (signature == null) {
            throw Errors.badData("score with " + name + " v" + v.version(), "ingot.yaml sets signing.public_key and "
                    + "the version has no signature (" + Registry.ONNX_SIGNATURE + ") (nothing was written)",
                    "register or train it again with signing.private_key set, or score a signed version");
        }
        if (!ModelSignature.verify(key.get(), sha256, signature)) {
            throw Errors.badData("score with " + name + " v" + v.version(), "its signature ("
                    + Registry.ONNX_SIGNATURE + ") does not verify with signing.public_key of ingot.yaml: it was not"
                    + " signed by the matching private key, or was changed (nothing was written)",
                    "check that signing.public_key belongs to the key that signs; register or train it again");
        }
    }

    /** The version's recorded keys, else its spec's: a model made elsewhere's {@code keys}, a trained one's entities. */
    private static List<String> defaultKeys(Project p, String name, ModelVersion v) {
        String tagged = v.tags().get(Registry.SCORE_KEYS);
        if (tagged != null && !tagged.isBlank()) {
            return List.of(tagged.split(","));
        }
        OnnxModelDef external = p.onnxModels().get(name);
        if (external != null) {
            return external.keys();
        }
        LinkedHashSet<String> entities = new LinkedHashSet<>();
        if (p.models().containsKey(name)) {
            for (FeatureRef f : p.models().get(name).features()) {
                FeatureViewDef view = p.featureViews().get(f.view());
                if (view != null) {
                    entities.addAll(view.entities());
                }
            }
        }
        return List.copyOf(entities);
    }

    /**
     * Creates the table partitioned by date, with {@code doc}, or replaces exactly the rows of this date and model
     * version: a re-run replaces, never duplicates, in one Delta commit carrying the lineage.
     */
    private static void write(SparkSession spark, Dataset<Row> rows, TableName table, String where, String meta,
                              boolean mergeSchema, TableDoc doc) {
        // mergeSchema: the first --shadow run into a table adds its shadow_* columns (null in the rows before).
        // Another run may score another date into the table at the same time: done again when that run left this
        // run's rows alone, else a failure that committed nothing (DeltaConflicts.retryRange).
        Runnable replace = () -> DeltaConflicts.retryRange("replace " + where + " of " + table, () -> rows.write()
                .format("delta").mode("overwrite").option("replaceWhere", where).option("userMetadata", meta)
                .option("mergeSchema", Boolean.toString(mergeSchema)).saveAsTable(table.sql()));
        // Plain CREATE: when another run creates the table at the same time, this run writes into it.
        Catalog.createOrWrite(rows, table, doc, Map.of("userMetadata", meta), List.of(SCORE_DATE), replace);
    }

    /** The version of this run's own commit of {@code table} (found by its metadata), else the table's latest. */
    private static long committed(SparkSession spark, TableName table, String meta) {
        String location;
        try {
            location = spark.sessionState().catalog().getTableMetadata(new org.apache.spark.sql.catalyst.TableIdentifier(
                    table.table(), scala.Option.apply(table.database()))).location().toString();
        } catch (Exception e) { // NoSuchTableException is checked to Java but thrown all the same
            return Lineage.latestVersion(spark, table);
        }
        return DeltaCommits.find(spark, location, meta, 10).version().orElseGet(() -> Lineage.latestVersion(spark, table));
    }

    /**
     * The table properties a scores or quarantine table gets when a run creates it: the model and the inputs of that
     * first run. Each later run's model and inputs are in its commit's metadata, {@code ingot.lineage} and the rows.
     */
    private static Map<String, String> creation(Resolved m, TableName input, List<Lineage.Input> inputs) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ingot.model_name", m.name());
        m.version().ifPresent(v -> p.put("ingot.created_model_version", Long.toString(v)));
        m.runId().ifPresent(r -> p.put("ingot.created_model_run_id", r));
        p.put("ingot.created_model_sha256", m.onnx().sha256());
        p.put("ingot.input_table", input.toString());
        p.put("ingot.created_from", Lineage.Input.describe(inputs));
        return p;
    }

    private static Map<String, String> keyComments(List<String> keys, TableName input) {
        Map<String, String> c = new LinkedHashMap<>();
        keys.forEach(k -> c.put(k, "Entity key, as in " + input));
        return c;
    }

    /** The comments of the columns scoring adds: the outputs, the model's lineage, the shadow's. */
    private static Map<String, String> modelColumnComments(Scorer scorer, Optional<Shadow> sh) {
        Map<String, String> c = new LinkedHashMap<>();
        scorer.appended().forEach(f -> c.put(f.name(), "The model's " + outputComment(f.name())));
        c.put(MODEL_NAME, "The model that scored the row");
        c.put(MODEL_VERSION, "Its registry version; null for a model scored from a .onnx file");
        c.put(MODEL_RUN_ID, "The training run that logged it (ml.runs); null for a file");
        c.put(MODEL_SHA256, "SHA-256 of the ONNX model that scored the row");
        c.put(SCORED_AT, "When the row was scored");
        c.put(SCORE_DATE, "The scoring date (the partition): scoring a date again with the same model version "
                + "replaces its rows");
        sh.ifPresent(s -> s.scorer().appended().forEach(f -> c.put(SHADOW_PREFIX + f.name(), "The --shadow model's "
                + outputComment(f.name()))));
        c.put(SHADOW_MODEL_VERSION, "The --shadow model's registry version; null in rows scored without --shadow");
        c.put(SHADOW_MODEL_RUN_ID, "The training run that logged the --shadow model");
        c.put(SHADOW_MODEL_SHA256, "SHA-256 of the --shadow model");
        return c;
    }

    private static String outputComment(String output) {
        return switch (output) {
            case Scorer.LABEL -> "predicted class";
            case Scorer.PROBABILITY -> "probability of class 1 (binary classifier)";
            case Scorer.PROBABILITIES -> "probability of each class, in the model's class order";
            case Scorer.PREDICTION -> "predicted value (regressor)";
            default -> "output " + output;
        };
    }

    /** Per bound column, the condition of a value the model cannot take as it is: null, or NaN in a float column. */
    static Map<String, Column> missing(Dataset<Row> data, List<String> bound) {
        Map<String, Column> missing = new LinkedHashMap<>();
        for (String c : bound) {
            DataType t = data.schema().apply(c).dataType();
            Column q = col(Identifiers.quoteColumn(c));
            missing.put(c, t == DataTypes.DoubleType || t == DataTypes.FloatType ? q.isNull().or(isnan(q)) : q.isNull());
        }
        return missing;
    }

    /** The null-check pass: the rows, those with any {@code missing} condition, and those of each column. */
    static Dataset<Row> nullCounts(Dataset<Row> rows, Map<String, Column> missing) {
        Column any = missing.values().stream().reduce(Column::or).orElse(lit(false));
        List<Column> aggs = new ArrayList<>();
        aggs.add(sum(when(any, 1).otherwise(0)));
        missing.values().forEach(c -> aggs.add(sum(when(c, 1).otherwise(0))));
        return rows.agg(count(lit(1)), aggs.toArray(Column[]::new));
    }

    /** The columns that say which model made a score row, and when. */
    static Column[] lineage(Resolved m, Instant now, LocalDate day) {
        return new Column[] {
                lit(m.name()).as(MODEL_NAME),
                lit(m.version().orElse(null)).cast(DataTypes.LongType).as(MODEL_VERSION),
                lit(m.runId().orElse(null)).cast(DataTypes.StringType).as(MODEL_RUN_ID),
                lit(m.onnx().sha256()).as(MODEL_SHA256),
                lit(Timestamp.from(now)).as(SCORED_AT),
                lit(Date.valueOf(day)).as(SCORE_DATE)};
    }

    /** The score rows written: the keys, the model's outputs, the lineage columns, the shadow's columns. */
    static Dataset<Row> output(Dataset<Row> scored, List<String> keys, Scorer scorer, Column[] lineage,
                               List<Column> shadow) {
        List<Column> outCols = new ArrayList<>();
        keys.forEach(k -> outCols.add(col(Identifiers.quoteColumn(k))));
        scorer.appended().forEach(f -> outCols.add(col(f.name())));
        outCols.addAll(List.of(lineage));
        outCols.addAll(shadow);
        return scored.select(outCols.toArray(Column[]::new));
    }

    private static boolean isFloat(Dataset<Row> data, String c) {
        DataType t = data.schema().apply(c).dataType();
        return t == DataTypes.DoubleType || t == DataTypes.FloatType;
    }

    private static String describe(Map<String, Long> perColumn, long total) {
        List<String> parts = new ArrayList<>();
        perColumn.forEach((c, n) -> parts.add(String.format(Locale.ROOT, "column '%s' in %,d of %,d rows", c, n, total)));
        return String.join(", ", parts);
    }

    /** A .onnx path: as given (from the working directory), else from the project directory. */
    private Path file(Project p) {
        Path f = Path.of(model);
        if (!Files.isRegularFile(f) && !f.isAbsolute()) {
            f = p.dir().resolve(model);
        }
        if (!Files.isRegularFile(f)) {
            throw Errors.badArgument("--model", model, "an existing .onnx file (looked in the working directory and in "
                    + p.dir() + "), or NAME@ALIAS / NAME/VERSION");
        }
        return f;
    }

    private LocalDate day() {
        if (date == null) {
            return LocalDate.now(ZoneOffset.UTC);
        }
        return TimeArgs.date("--date", date);
    }

    private ScoringPath scoringPath() {
        try {
            return ScoringPath.valueOf(path.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Errors.badArgument("--path", path, "auto, columnar or rows");
        }
    }

    private NullPolicy policy() {
        try {
            return NullPolicy.valueOf(nulls.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Errors.badArgument("--nulls", nulls, "error, quarantine or impute");
        }
    }
}
