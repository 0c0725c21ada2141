package dev.ingot.jobs.cli;

import dev.ingot.core.Catalog;
import dev.ingot.core.CorePrice;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.GitState;
import dev.ingot.core.Lineage;
import dev.ingot.core.Secrets;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.TrainingSetResult;
import dev.ingot.scoring.OnnxConverter;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.training.GateDecision;
import dev.ingot.training.LogBatch;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.PromotionGate;
import dev.ingot.training.Reports;
import dev.ingot.training.RunInfo;
import dev.ingot.training.RunStatus;
import dev.ingot.training.TrackingStore;
import dev.ingot.training.Trainer;
import dev.ingot.training.TrainingResult;
import dev.ingot.training.TrainingSetRef;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingot train}: a model spec to a tracked run (params, metrics, lineage, cost, the Spark ML model and its ONNX
 * conversion with its SHA-256, charts and a model card) and a registered version with alias {@code challenger}. The run
 * key is the model, a digest of its spec file and the training set's table and Delta version, so a retry on the same
 * inputs reuses the run and its version. A pipeline the ONNX converter cannot take fails before anything is tracked.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model spec (models/M.yaml) on its point-in-time training set (built from the spec into "
                + "ml.<M>_training_set, or the given table), track the run, register a version with alias challenger, "
                + "and print its metrics beside the champion's with the gate's decision (information only).")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    ProjectOptions options;

    @Mixin
    GpuOption gpu;

    @Option(names = "--model", required = true, paramLabel = "M", description = "The model spec (models/M.yaml).")
    String model;

    @Option(names = "--training-set", paramLabel = "TABLE",
            description = "Train on this Delta table (database.table) at its latest version instead of building the "
                    + "training set from the spec.")
    String trainingSet;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Project p = options.load(SecretUse.TRACKING, SecretUse.SIGNING);
        ModelsCommand.requireName(model);
        ModelDef def = ModelsCommand.spec(p, model);
        Optional<TableName> given = Optional.ofNullable(trainingSet).map(TableName::parse);
        // Everything that can be refused without Spark is refused before a session starts.
        Trainer.validate(def);
        if (given.isEmpty()) {
            FeatureStore.checkTrainingSetArguments(p, def.timestamp(), def.features());
        }
        Supplier<SparkSession> session = Registry.lazySession(p, "train", gpu.policy());
        // The store first: an MLflow server that is unreachable, answers HTML or refuses the credentials stops the
        // command before a training set is built or a model fitted (the local store needs the session anyway).
        try (TrackingStore store = Registry.open(p, "train", session)) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(train(p, def, given, session.get(), store).report());
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /**
     * What one training did: the version registered (alias {@code challenger}), its run, the training's metrics and
     * split, and the lines {@code train} prints.
     *
     * @param retry true when an earlier attempt on the same inputs had registered this version already
     */
    record Trained(ModelVersion version, String runId, TrainingResult result, boolean retry, String report) {}

    /**
     * Trains {@code def} on its training set ({@code given} at its latest Delta version, else built from the spec),
     * tracks the run in {@code store} and registers a version with alias {@code challenger}: the {@code train}
     * command, which the demo runs too. The arguments are checked already ({@link Trainer#validate}, the feature
     * references).
     */
    static Trained train(Project p, ModelDef def, Optional<TableName> given, SparkSession spark, TrackingStore store) {
        String specDigest = digest(p, def);
        try (CpuMeter cpu = CpuMeter.start(spark)) {
            return train(p, def, given, specDigest, spark, cpu, store);
        }
    }

    private static Trained train(Project p, ModelDef def, Optional<TableName> given, String specDigest,
                                 SparkSession spark, CpuMeter cpu, TrackingStore store) {
        String model = def.name();
        Map<String, String> lineage = new LinkedHashMap<>();
        TableName table;
        long version;
        if (given.isPresent()) {
            table = given.get();
            if (!Catalog.tableExists(spark, table)) {
                throw Errors.badArgument("--training-set", table, "an existing Delta table (build one with 'ingot "
                        + "training-set', or leave --training-set out to build it from " + def.file() + ")");
            }
            version = Lineage.latestVersion(spark, table);
        } else {
            long spineVersion = Lineage.latestVersion(spark, def.spine());
            TrainingSetResult built = FeatureStore.of(spark, p).writeTrainingSet(def.spine(), def.timestamp(),
                    def.features(), sharedFeatureNames(p, def), Tables.trainingSet(model));
            table = built.table();
            version = built.deltaVersion();
            if (spineVersion >= 0) {
                lineage.put(Registry.SPINE_VERSION, Long.toString(spineVersion));
            }
            lineage.put(Registry.FEATURE_TABLES, String.join(",", built.featureTables()));
        }
        // Read at the recorded version, so the data trained on is the data the run names.
        Dataset<Row> data = spark.read().format("delta").option("versionAsOf", version).table(table.toString());
        TrainingResult result = Trainer.of(spark, p).train(def, data);
        // Converted before anything is tracked, so that a pipeline ONNX cannot take fails with nothing registered;
        // converted once: the run id, known only once the run starts, is stamped on the same graph's metadata.
        OnnxModel converted = OnnxConverter.create().withTrainingSet(table.toString(), version)
                .convert(result.pipeline(), data.schema());
        Function<String, OnnxModel> onnx = runId -> converted.withMetadata(OnnxConverter.RUN_ID, runId);
        Promotions.Quality quality = Promotions.quality(table.toString(), OptionalLong.of(version), () -> spark);
        String qualityStatus = !quality.passed() ? "failed" : quality.summary().contains("no quality suite") ? "unchecked" : "passed";

        Optional<ModelVersion> champion = store.versionByAlias(model, Registry.CHAMPION);
        Optional<Map<String, Double>> championMetrics = champion.map(c -> Registry.view(store, c).metrics());
        GateDecision gate = PromotionGate.decide(def, result, championMetrics);

        String experiment = p.settings().tracking().experiment().orElse(p.settings().name());
        String runKey = model + "@" + specDigest + "@" + table + "@" + version;
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(Registry.TRAINING_SET, table.toString());
        tags.put(Registry.TRAINING_SET_VERSION, Long.toString(version));
        tags.put(Registry.SPINE, def.spine().toString());
        tags.putAll(lineage);
        tags.put(Registry.FEATURE_VIEWS,
                def.features().stream().map(FeatureRef::view).distinct().collect(Collectors.joining(",")));
        tags.put(Registry.CODE_VERSION, Lineage.codeVersion());
        tags.put(Registry.CODE_COMMIT, Lineage.codeCommit());
        GitState.of(p.dir()).ifPresent(g -> {
            tags.put(Registry.PROJECT_COMMIT, g.commit());
            tags.put(Registry.PROJECT_DIRTY, Boolean.toString(g.dirty()));
        });
        tags.put(Registry.SPARK_VERSION, spark.version());
        tags.put(Registry.SEED, Long.toString(result.seed()));
        tags.put(Registry.QUALITY, qualityStatus);
        RunInfo run = store.startRun(store.experiment(experiment).id(), runKey, model + "-train", Map.of());
        // A version registered from this run means an earlier attempt on the same inputs completed: its run and
        // artifacts stay as they are (a registered model never changes under its version), and are reported.
        Optional<ModelVersion> earlier = store.modelVersions(model).stream()
                .filter(v -> v.runId().equals(run.runId())).findFirst();
        ModelVersion registered;
        double cpuSeconds = cpu.seconds();
        tags.put(Registry.CPU_SECONDS, String.format(Locale.ROOT, "%.3f", cpuSeconds));
        Optional<CorePrice> price = p.settings().price();
        price.ifPresent(pr -> {
            tags.put(Registry.COST_AMOUNT, pr.cost(cpuSeconds).amountText());
            tags.put(Registry.COST_CURRENCY, pr.currency());
            tags.put(Registry.COST_PRICE, Double.toString(pr.perCoreHour()));
        });
        if (earlier.isPresent()) {
            registered = earlier.get();
            store.setAlias(model, Registry.CHALLENGER, registered.version());
        } else {
            registered = record(p, store, def, run.runId(), result, onnx.apply(run.runId()), table, version, tags, lineage,
                    quality, qualityStatus, gate);
        }
        return new Trained(registered, run.runId(), result, earlier.isPresent(), summary(result, registered,
                run.runId(), table, version, champion, championMetrics, gate, quality,
                tags.get(Registry.CPU_SECONDS) + " executor CPU seconds"
                        + price.map(pr -> " (" + pr.cost(cpuSeconds) + " at " + pr + ")").orElse(""),
                earlier.isPresent()));
    }

    /**
     * Logs, uploads and registers a run's first completed attempt: the run ends FINISHED, or FAILED (and the error
     * goes on) when any step fails.
     */
    private static ModelVersion record(Project p, TrackingStore store, ModelDef def, String runId, TrainingResult result,
                                       OnnxModel onnx, TableName table, long version, Map<String, String> tags,
                                       Map<String, String> lineage, Promotions.Quality quality, String qualityStatus,
                                       GateDecision gate) {
        String model = def.name();
        try {
            tags.put(Registry.ONNX_SHA256, onnx.sha256());
            Registry.sign(p, tags, onnx.sha256());
            result.scoreReference().ifPresent(r -> tags.put(Registry.SCORE_REFERENCE, Registry.SCORE_REFERENCE_ARTIFACT));
            LogBatch batch = LogBatch.empty().withParams(params(def, result)).withTags(tags);
            for (Map.Entry<String, Double> m : result.flatMetrics().entrySet()) {
                batch = batch.withMetric(m.getKey(), m.getValue(), 0);
            }
            store.log(runId, batch);
            uploadModel(store, runId, result);
            store.uploadArtifact(runId, Registry.ONNX_ARTIFACT, onnx.bytes());
            result.scoreReference().ifPresent(r -> store.uploadArtifact(runId, Registry.SCORE_REFERENCE_ARTIFACT,
                    r.toJson().getBytes(StandardCharsets.UTF_8)));
            Reports.charts(result).forEach((name, svg) -> store.uploadArtifact(runId, name, svg.getBytes(StandardCharsets.UTF_8)));
            Map<String, String> card = new LinkedHashMap<>();
            card.put("run_id", runId);
            card.put("ingot_version", tags.get(Registry.CODE_VERSION));
            card.put("git_commit", tags.get(Registry.CODE_COMMIT));
            card.put("project_commit", tags.containsKey(Registry.PROJECT_COMMIT) ? tags.get(Registry.PROJECT_COMMIT)
                    + ("true".equals(tags.get(Registry.PROJECT_DIRTY)) ? " (with uncommitted changes)" : "") : "(not in git)");
            card.put("spark_version", tags.get(Registry.SPARK_VERSION));
            card.put("spine_version", lineage.getOrDefault(Registry.SPINE_VERSION, "(not recorded)"));
            card.put("feature_tables", lineage.getOrDefault(Registry.FEATURE_TABLES, tags.get(Registry.FEATURE_VIEWS)));
            card.put("quality_status", qualityStatus + ": " + quality.summary());
            card.put("executor_cpu_seconds", tags.get(Registry.CPU_SECONDS));
            card.put("onnx_sha256", onnx.sha256());
            if (tags.containsKey(Registry.COST_AMOUNT)) {
                card.put("cost", tags.get(Registry.COST_AMOUNT) + " " + tags.get(Registry.COST_CURRENCY));
            }
            store.uploadArtifact(runId, Registry.MODEL_CARD, Reports.modelCard(def, result,
                    Optional.of(new TrainingSetRef(table.toString(), OptionalLong.of(version))), Optional.of(gate), card)
                    .getBytes(StandardCharsets.UTF_8));
            store.endRun(runId, RunStatus.FINISHED);
            ModelVersion registered = register(p, store, def, runId, result, onnx, table, version);
            store.setAlias(model, Registry.CHALLENGER, registered.version());
            return registered;
        } catch (RuntimeException e) {
            store.endRun(runId, RunStatus.FAILED);
            throw e;
        }
    }

    /** A new version from the run's {@code model} folder, with its lineage and test metrics as tags. */
    private static ModelVersion register(Project p, TrackingStore store, ModelDef def, String runId, TrainingResult result,
                                         OnnxModel onnx, TableName table, long version) {
        String model = def.name();
        store.registeredModel(model, def.description());
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(Registry.TRAINING_SET, table.toString());
        tags.put(Registry.TRAINING_SET_VERSION, Long.toString(version));
        tags.put(Registry.ONNX_SHA256, onnx.sha256());
        Registry.sign(p, tags, onnx.sha256());
        result.scoreReference().ifPresent(r -> tags.put(Registry.SCORE_REFERENCE, Registry.SCORE_REFERENCE_ARTIFACT));
        result.metrics().forEach((m, v) -> tags.put(Registry.METRIC_PREFIX + m.key(), Double.toString(v)));
        return store.createModelVersionOnce(model, runId, Registry.MODEL_DIR, tags, def.description());
    }

    /** The params a run logs: the estimator's, and how it was trained. Stable for the same spec, so a retry may re-log. */
    private static Map<String, String> params(ModelDef def, TrainingResult result) {
        Map<String, String> params = new LinkedHashMap<>();
        result.params().forEach((k, v) -> params.put(k, String.valueOf(v)));
        params.put("algorithm", result.algorithm().key());
        params.put("seed", Long.toString(result.seed()));
        params.put("label", def.label());
        params.put("timestamp", def.timestamp());
        params.put("test_window", def.testWindow().text());
        params.put("validation_window", def.validationWindow().map(w -> w.text()).orElse("none"));
        params.put("precision_at_k", Integer.toString(result.precisionAtK()));
        params.put("nulls", def.nulls().strategy().name().toLowerCase(Locale.ROOT) + (def.nulls().indicators() ? "+indicators" : ""));
        params.put("features", String.join(",", result.features()));
        return params;
    }

    /** Saves the fitted pipeline to a temporary folder and uploads each file of it under {@code model/}. */
    private static void uploadModel(TrackingStore store, String runId, TrainingResult result) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ingot-model-");
            Path saved = dir.resolve(Registry.MODEL_DIR);
            result.pipeline().write().save(saved.toUri().toString());
            List<Path> files;
            try (Stream<Path> s = Files.walk(saved)) {
                // Hadoop's .crc checksums are not the model; MLflow shows artifacts as they are uploaded.
                files = s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
            }
            for (Path f : files) {
                store.uploadArtifact(runId,
                        Registry.MODEL_DIR + "/" + saved.relativize(f).toString().replace('\\', '/'), f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not save the Spark ML model to a temporary folder", e);
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }

    /**
     * True when two of the spec's views have a feature of the same name (the retail example's {@code txn_count_1d}):
     * the training set then names every feature column {@code view__feature}, which the trainer reads as well.
     */
    static boolean sharedFeatureNames(Project p, ModelDef def) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        return def.features().stream().flatMap(f -> (f.features().isEmpty()
                        ? p.featureViews().get(f.view()).featureNames() : f.features()).stream())
                .anyMatch(name -> !seen.add(name));
    }

    /**
     * SHA-256 of the spec file's bytes; of the spec's values for a spec built in code, or changed in code from its
     * file (the demo's challenger: fraud.yaml with another estimator), so that such a spec gets a run of its own
     * rather than the file's, and the same run in every JVM (params sorted: a {@code Map.copyOf}'s order is not).
     */
    static String digest(Project p, ModelDef def) {
        Optional<byte[]> file = Optional.empty();
        if (def.equals(p.models().get(def.name()))) {
            try {
                file = Optional.of(Files.readAllBytes(p.dir().resolve(def.file())));
            } catch (IOException e) {
                // Unreadable now: hashed from its values, as a spec built in code.
            }
        }
        byte[] bytes = file.orElseGet(() -> Secrets.redact(def.withAlgorithm(def.algorithm(), Map.of()) + " params="
                + new TreeMap<>(def.params())).getBytes(StandardCharsets.UTF_8));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String summary(TrainingResult r, ModelVersion v, String runId, TableName table, long version,
                          Optional<ModelVersion> champion, Optional<Map<String, Double>> championMetrics, GateDecision gate,
                          Promotions.Quality quality, String cost, boolean retry) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s v%d (alias %s), run %s%s%n", v.model(), v.version(),
                Registry.CHALLENGER, runId,
                retry ? " (a retry on the same inputs: the run and version of the first attempt)" : ""));
        b.append(String.format(Locale.ROOT, "training set %s @ Delta v%d: %,d train, %,d validation, %,d test rows; "
                        + "%s%n", table, version, r.split().trainRows(), r.split().validationRows(),
                r.split().testRows(), cost));
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("  metric", "v" + v.version(), champion.map(c -> "champion v" + c.version()).orElse("champion")));
        r.flatMetrics().forEach((k, x) -> {
            if (!k.startsWith(TrainingResult.GROUP_PREFIX)) {
                rows.add(List.of("  " + k, ModelsCommand.num(x),
                        championMetrics.map(m -> m.get(k)).map(ModelsCommand::num).orElse("-")));
            }
        });
        b.append("metrics:\n").append(ModelsCommand.align(rows));
        b.append("gate (information; promote with 'ingot models promote'): ").append(gate.passed() ? "PASS" : "FAIL").append('\n');
        gate.outcomes().forEach(o -> b.append(o.passed() ? "  PASS " : "  FAIL ").append(o.reason()).append('\n'));
        b.append(quality.passed() ? "  PASS " : "  FAIL ").append(quality.summary()).append('\n');
        return b.toString();
    }
}
