package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.ingot.core.Catalog;
import dev.ingot.core.Lineage;
import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.scoring.internal.onnx.OnnxGraph;
import dev.ingot.training.ArtifactInfo;
import dev.ingot.training.Metric;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.Run;
import dev.ingot.training.TrackingStore;
import dev.ingot.training.Trainer;
import dev.ingot.training.TrainingResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} on the local tracking store with a given training set: 200 rows over 42 days, a logistic regression.
 * What it logs is compared with a {@link Trainer} run by the test on the same table.
 */
class TrainCommandTest {
    private static final String MODEL = "cli_train_fraud";
    private static final String TABLE = "cli_train.ts";
    private static final String BUILT = "cli_train_built";
    /** MODEL's spec under its own name: trained once by {@code train}, for the ONNX test and the score test. */
    private static final String COPY = "cli_train_onnx";
    private static SparkSession spark;
    private static TrackingStore store;
    private static Path project;
    private static Result copyTrain;
    private static long copyOnnxBuilt;

    @BeforeAll
    static void projectAndTrainingSet(@TempDir Path dir) throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli_train");
        TrainProjects.ordersWithVisits(TABLE, 200);
        project = dir.resolve("shop");
        TestFiles.write(project, "ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse()
                + "\ncost:\n  price_per_core_hour: 0.5\n  currency: EUR\n");
        TestFiles.write(project, "sources/orders.yaml", "table: " + TABLE + "\nevent_time: ts\n");
        TestFiles.write(project, "feature_views/cli_train_spend.yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: spend_1d, windows: [1d]}
                  - {name: visits, function: count, windows: [7d]}
                """);
        TestFiles.write(project, "models/" + MODEL + ".yaml", """
                description: Fraud score (test)
                spine: cli_train.ts
                timestamp: ts
                label: label
                features: [cli_train_spend]
                algorithm:
                  type: logistic_regression
                  params: {maxIter: 20}
                test_window: 10d
                gate: ["auc >= 0.6"]
                """);
        // A spine without feature columns, for the training set train builds itself from the materialized view.
        spark.sql("SELECT order_id, customer_id, ts, CAST(visits_7d * 10 AS DOUBLE) AS spend_1d_raw, label FROM " + TABLE)
                .write().format("delta").mode("overwrite").saveAsTable("cli_train.spine");
        TestFiles.write(project, "sources/spine_orders.yaml", "table: cli_train.spine\nevent_time: ts\n");
        TestFiles.write(project, "feature_views/cli_train_amounts.yaml", """
                source: spine_orders
                entities: [customer_id]
                aggregations:
                  - {name: amount, function: sum, column: spend_1d_raw, windows: [7d]}
                """);
        TestFiles.write(project, "models/" + BUILT + ".yaml", """
                spine: cli_train.spine
                timestamp: ts
                label: label
                features: [cli_train_amounts]
                algorithm:
                  type: logistic_regression
                test_window: 10d
                """);
        store = TrackingStore.open(TrackingSettings.local(), spark, Location.of(TestSpark.warehouse()));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static Result train(String model) {
        return run("train", "--project", project.toString(), "--model", model, "--training-set", TABLE);
    }

    /**
     * {@link #COPY} trained once for the class (a train costs seconds, and both tests only read what it made), and
     * how many ONNX graphs that train built.
     */
    private static synchronized ModelVersion copyTrained() throws IOException {
        if (copyTrain == null) {
            TestFiles.write(project, "models/" + COPY + ".yaml", Files.readString(project.resolve("models/" + MODEL + ".yaml")));
            long built = OnnxGraph.modelsBuilt();
            copyTrain = train(COPY);
            copyOnnxBuilt = OnnxGraph.modelsBuilt() - built;
        }
        assertThat(copyTrain.code()).as(copyTrain.out() + copyTrain.err()).isZero();
        return store.versionByAlias(COPY, "challenger").orElseThrow();
    }

    private static long rows(TableName t) {
        return Catalog.tableExists(spark, t) ? spark.table(t.toString()).count() : 0;
    }

    @Test
    void trainsTracksRegistersAChallengerAndARetryReusesRunAndVersion(@TempDir Path modelDir) throws IOException {
        Result first = train(MODEL);
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).contains(MODEL + " v1 (alias challenger)").contains("training set " + TABLE + " @ Delta v0")
                .containsPattern("\n  auc +0\\.[0-9]{4} +-\n").contains("gate (information");

        ModelVersion v = store.versionByAlias(MODEL, "challenger").orElseThrow();
        assertThat(v.version()).isEqualTo(1);
        assertThat(v.source()).endsWith("model");
        assertThat(v.tags()).containsEntry("ingot.training_set", TABLE).containsEntry("ingot.training_set_version", "0");

        Project p = ProjectLoader.load(project);
        TrainingResult direct = Trainer.of(spark, p).train(p.models().get(MODEL), spark.table(TABLE));
        Run r = store.run(v.runId());
        Map<String, Double> logged = new TreeMap<>();
        r.latestMetrics().values().forEach((Metric m) -> logged.put(m.key(), m.value()));
        assertThat(logged).isEqualTo(new TreeMap<>(direct.flatMetrics())).containsKeys("auc", "log_loss", "accuracy");
        direct.metrics().forEach((m, x) -> assertThat(v.tags()).containsEntry("metric." + m.key(), Double.toString(x)));

        assertThat(r.info().status().name()).isEqualTo("FINISHED");
        assertThat(r.params()).containsEntry("maxIter", "20").containsEntry("algorithm", "logistic_regression")
                .containsEntry("seed", "42").containsEntry("test_window", "10d").containsEntry("validation_window", "none");
        assertThat(r.tags()).containsEntry("ingot.training_set", TABLE).containsEntry("ingot.training_set_version", "0")
                .containsEntry("ingot.spine", TABLE).containsEntry("ingot.feature_views", "cli_train_spend")
                .containsEntry("ingot.spark_version", spark.version()).containsEntry("ingot.seed", "42")
                .containsEntry("ingot.quality_status", "unchecked").containsKey("ingot.code_version");
        double cpu = Double.parseDouble(r.tags().get("ingot.cost.executor_cpu_seconds"));
        assertThat(cpu).isPositive();
        // The money figure is the CPU time at ingot.yaml's price: 0.5 EUR a core-hour (four significant digits), from
        // the unrounded CPU time: the tag's CPU seconds (three decimals) are off by up to 0.0005 s, 0.13% of a 0.4-s fit.
        assertThat(Double.parseDouble(r.tags().get("ingot.cost.amount"))).isCloseTo(cpu / 3600 * 0.5, withinPercentage(0.5));
        assertThat(r.tags()).containsEntry("ingot.cost.currency", "EUR").containsEntry("ingot.cost.price_per_core_hour", "0.5");
        assertThat(first.out()).contains(r.tags().get("ingot.cost.executor_cpu_seconds") + " executor CPU seconds ("
                + r.tags().get("ingot.cost.amount") + " EUR at 0.5 EUR per core-hour)");
        assertThat(r.tags()).as("Ingot's build commit; the project is not in git").containsEntry("ingot.code_commit",
                Lineage.codeCommit()).doesNotContainKeys("ingot.project_commit", "ingot.project_dirty");

        assertThat(r.artifacts()).extracting(ArtifactInfo::path)
                .contains("model/metadata/part-00000", "model_card.md", "roc.svg", "pr.svg", "importance.svg")
                .anyMatch(a -> a.startsWith("model/stages/") && a.contains("_logreg_"))
                .noneMatch(a -> a.endsWith(".crc"));
        // The uploaded folder is a Spark ML model that loads and scores the training set as the fitted one does.
        PipelineModel loaded = loggedPipeline(r, modelDir);
        assertThat(loaded.transform(spark.table(TABLE)).select("prediction").collectAsList())
                .isEqualTo(direct.pipeline().transform(spark.table(TABLE)).select("prediction").collectAsList());
        String card = new String(store.downloadArtifact(v.runId(), "model_card.md"), StandardCharsets.UTF_8);
        assertThat(card).contains("# Model card: " + MODEL).contains(v.runId()).contains(TABLE)
                .contains("| git_commit | " + Lineage.codeCommit() + " |").contains("| project_commit | (not in git) |");

        Result show = run("models", "show", "--project", project.toString(), MODEL + "@challenger");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out()).containsPattern("\nversion +v1\n").containsPattern("\naliases +challenger\n")
                .containsPattern("\ntraining set +" + TABLE.replace(".", "\\.") + " @ Delta v0\n")
                .contains(String.format(java.util.Locale.ROOT, "%.4f", direct.metrics().values().iterator().next()));

        Result second = train(MODEL);
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        assertThat(second.out().substring(second.out().indexOf("metrics:")))
                .as("same inputs, same metrics to the last digit").isEqualTo(first.out().substring(first.out().indexOf("metrics:")));
        assertThat(second.out()).contains(MODEL + " v1 (alias challenger), run " + v.runId() + " (a retry");
        assertThat(store.modelVersions(MODEL)).as("a retry reuses the run and its version").hasSize(1);
        store.metricHistory(v.runId(), "auc").forEach(m -> assertThat(m.value()).isEqualTo(direct.flatMetrics().get("auc")));
    }

    @Test
    void withoutATrainingSetBuildsItFromTheSpecAndRecordsItsLineage() {
        Result m = run("features", "materialize", "--project", project.toString(), "--view", "cli_train_amounts",
                "--from", "2026-01-01", "--to", "2026-02-14");
        assertThat(m.code()).as(m.out() + m.err()).isZero();
        Result r = run("train", "--project", project.toString(), "--model", BUILT);
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        TableName built = Tables.trainingSet(BUILT);
        assertThat(r.out()).contains("training set " + built + " @ Delta v" + dev.ingot.core.Lineage.latestVersion(spark, built));
        ModelVersion v = store.versionByAlias(BUILT, "challenger").orElseThrow();
        Run run = store.run(v.runId());
        assertThat(run.tags()).containsEntry("ingot.training_set", built.toString())
                .containsEntry("ingot.spine", "cli_train.spine")
                .containsEntry("ingot.spine_version", Long.toString(dev.ingot.core.Lineage.latestVersion(spark,
                        TableName.parse("cli_train.spine"))));
        assertThat(run.tags().get("ingot.feature_tables")).startsWith("features.cli_train_amounts_v1@");
        assertThat(spark.table(built.toString()).count()).isEqualTo(200);
    }

    @Test
    void aProjectInGitRecordsItsCommitAndWhetherItWasDirty(@TempDir Path dir) throws Exception {
        Path repo = dir.resolve("repo");
        Path inRepo = repo.resolve("shop");
        TestFiles.write(inRepo, "ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n");
        for (String f : java.util.List.of("sources/orders.yaml", "feature_views/cli_train_spend.yaml")) {
            TestFiles.write(inRepo, f, Files.readString(project.resolve(f)));
        }
        TestFiles.write(inRepo, "models/cli_train_git.yaml", Files.readString(project.resolve("models/" + MODEL + ".yaml")));
        git(repo, "init", "-q");
        git(repo, "add", ".");
        git(repo, "commit", "-q", "-m", "project");
        String head = git(repo, "rev-parse", "HEAD").strip();
        Files.writeString(inRepo.resolve("notes.txt"), "not committed");

        Result r = run("train", "--project", inRepo.toString(), "--model", "cli_train_git", "--training-set", TABLE);
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).as("no price in ingot.yaml: CPU seconds only").containsPattern(" [0-9.]+ executor CPU seconds\n");
        Run run = store.run(store.versionByAlias("cli_train_git", "challenger").orElseThrow().runId());
        assertThat(run.tags()).containsEntry("ingot.project_commit", head).containsEntry("ingot.project_dirty", "true")
                .containsEntry("ingot.code_commit", Lineage.codeCommit())
                .doesNotContainKeys("ingot.cost.amount", "ingot.cost.currency", "ingot.cost.price_per_core_hour");
    }

    @Test
    void logsTheOnnxModelWithItsDigestAndOnnxRuntimeScoresTheTestWindowAsSparkDoes() throws Exception {
        String name = COPY;
        ModelVersion v = copyTrained();
        assertThat(copyOnnxBuilt).as("train converts the pipeline to ONNX once").isEqualTo(1);
        byte[] onnx = store.downloadArtifact(v.runId(), "onnx/model.onnx");
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(onnx));
        assertThat(store.run(v.runId()).tags()).containsEntry("ingot.onnx_sha256", sha);
        assertThat(v.tags()).containsEntry("ingot.onnx_sha256", sha);

        Project p = ProjectLoader.load(project);
        TrainingResult direct = Trainer.of(spark, p).train(p.models().get(name), spark.table(TABLE));
        java.util.List<org.apache.spark.sql.Row> test = direct.pipeline().transform(spark.table(TABLE)
                .filter(org.apache.spark.sql.functions.col("ts").gt(java.sql.Timestamp.from(direct.split().testStart()))))
                .collectAsList();
        assertThat(test).hasSize((int) direct.split().testRows());
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (ai.onnxruntime.OrtSession s = env.createSession(onnx, new ai.onnxruntime.OrtSession.SessionOptions())) {
            assertThat(s.getMetadata().getCustomMetadata()).containsEntry("ingot.run_id", v.runId())
                    .containsEntry("ingot.training_set", TABLE).containsEntry("ingot.training_set_version", "0");
            Map<String, ai.onnxruntime.OnnxTensor> feed = new TreeMap<>();
            for (String in : s.getInputNames()) {
                double[] values = test.stream().mapToDouble(row -> row.isNullAt(row.fieldIndex(in)) ? Double.NaN
                        : ((Number) row.get(row.fieldIndex(in))).doubleValue()).toArray();
                feed.put(in, ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.DoubleBuffer.wrap(values),
                        new long[] {values.length, 1}));
            }
            try (ai.onnxruntime.OrtSession.Result out = s.run(feed)) {
                long[] labels = (long[]) out.get("label").orElseThrow().getValue();
                double[][] probability = (double[][]) out.get("probability").orElseThrow().getValue();
                for (int i = 0; i < test.size(); i++) {
                    double[] spark = ((org.apache.spark.ml.linalg.Vector) test.get(i).getAs("probability")).toArray();
                    assertThat(labels[i]).as("row " + i).isEqualTo((long) test.get(i).<Double>getAs("prediction").doubleValue());
                    assertThat(probability[i]).as("row " + i).containsExactly(spark, org.assertj.core.data.Offset.offset(1e-9));
                }
            } finally {
                feed.values().forEach(ai.onnxruntime.OnnxTensor::close);
            }
        }
    }

    @Test
    void scoreWithTheTrainedChallengerGivesItsSparkPipelineProbabilitiesOnEveryRow(@TempDir Path modelDir) throws IOException {
        String name = COPY;
        ModelVersion v = copyTrained();

        // spend_1d is null in a tenth of the rows: --nulls impute passes NaN, which the graph imputes as Spark does.
        Result s = run("score", "--project", project.toString(), "--model", name + "@challenger", "--input", TABLE,
                "--out", name, "--keys", "order_id", "--date", "2026-11-30", "--nulls", "impute", "--batch-size", "32");
        assertThat(s.code()).as(s.out() + s.err()).isZero();
        assertThat(s.out()).contains("scores." + name + ": 200 rows scored by " + name + " v" + v.version());

        // The reference is the Spark ML pipeline train logged with the run, loaded back and run by Spark itself.
        Map<Long, org.apache.spark.sql.Row> expected = new TreeMap<>();
        loggedPipeline(store.run(v.runId()), modelDir).transform(spark.table(TABLE)).select("order_id", "prediction", "probability")
                .collectAsList().forEach(row -> expected.put(row.getLong(0), row));
        assertThat(expected).hasSize(200);

        java.util.List<org.apache.spark.sql.Row> scored = spark.table(Tables.scores(name).sql()).collectAsList();
        assertThat(scored).as("one score row per input row").hasSize(200);
        double maxDiff = 0;
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (org.apache.spark.sql.Row row : scored) {
            long id = row.<Long>getAs("order_id");
            assertThat(seen.add(id)).as("order " + id + " scored once").isTrue();
            org.apache.spark.sql.Row want = expected.get(id);
            double[] p = ((org.apache.spark.ml.linalg.Vector) want.getAs("probability")).toArray();
            assertThat(row.<Long>getAs("label")).as("order " + id).isEqualTo((long) want.<Double>getAs("prediction").doubleValue());
            maxDiff = Math.max(maxDiff, Math.abs(row.<Double>getAs("probability") - p[1]));
            java.util.List<Double> all = row.getList(row.fieldIndex("probabilities"));
            assertThat(all).hasSize(p.length);
            for (int i = 0; i < p.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(all.get(i) - p[i]));
            }
            assertThat(row.<String>getAs("model_name")).isEqualTo(name);
            assertThat(row.<Long>getAs("model_version")).isEqualTo(v.version());
            assertThat(row.<String>getAs("model_run_id")).isEqualTo(v.runId());
            assertThat(row.<String>getAs("model_sha256")).isEqualTo(v.tags().get("ingot.onnx_sha256"));
        }
        assertThat(seen).isEqualTo(expected.keySet());
        assertThat(maxDiff).as("ONNX Runtime in the executors scores as Spark's transform").isLessThanOrEqualTo(1e-9);
        assertThat(expected.values().stream().map(row -> row.<Double>getAs("prediction")).distinct().count())
                .as("both classes predicted, so equal labels say something").isEqualTo(2);
    }

    /** The Spark ML pipeline a run logged under {@code model/}, downloaded into {@code dir} and loaded by Spark. */
    private static PipelineModel loggedPipeline(Run r, Path dir) throws IOException {
        Path copy = dir.resolve("model");
        for (ArtifactInfo a : r.artifacts()) {
            if (a.path().startsWith("model/")) {
                Path f = copy.resolve(a.path().substring("model/".length()));
                Files.createDirectories(f.getParent());
                Files.write(f, store.downloadArtifact(r.info().runId(), a.path()));
            }
        }
        return PipelineModel.load(copy.toUri().toString());
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("git", "-C", dir.toString(), "-c",
                "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(cmd + ": " + out).isZero();
        return out;
    }

    /**
     * A {@code kill -9} right after the version's row was inserted (before its tags and alias): the re-run completes
     * that version (v1, as a clean run), with the digest of the ONNX model now in the run, and logs no metric twice.
     */
    @Test
    void aTrainKilledBeforeItsVersionWasReadyIsCompletedByTheRetry() throws Exception {
        String killed = "cli_train_killed";
        TestFiles.write(project, "models/" + killed + ".yaml", Files.readString(project.resolve("models/" + MODEL + ".yaml")));
        Result first = train(killed);
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        ModelVersion clean = store.versionByAlias(killed, "challenger").orElseThrow();
        // The state the kill leaves: the row PENDING_REGISTRATION, no tags, no alias (the run is FINISHED already).
        spark.sql("UPDATE " + Tables.MODEL_VERSIONS + " SET status = 'PENDING_REGISTRATION' WHERE name = '" + killed + "'");
        spark.sql("DELETE FROM " + Tables.MODEL_VERSION_TAGS + " WHERE name = '" + killed + "'");
        spark.sql("DELETE FROM " + Tables.MODEL_ALIASES + " WHERE name = '" + killed + "'");
        assertThat(store.modelVersions(killed)).isEmpty();
        String metrics = "SELECT key, step, count(*) AS n FROM " + Tables.RUN_METRICS + " WHERE run_id = '"
                + clean.runId() + "' GROUP BY key, step";
        long metricKeys = spark.sql(metrics).count();

        Result retry = train(killed);

        assertThat(retry.code()).as(retry.out() + retry.err()).isZero();
        assertThat(retry.out()).contains(killed + " v1 (alias challenger)");
        byte[] onnx = store.downloadArtifact(clean.runId(), "onnx/model.onnx");
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(onnx));
        assertThat(store.modelVersions(killed)).singleElement().satisfies(v -> {
            assertThat(v.version()).isEqualTo(1);
            assertThat(v.runId()).isEqualTo(clean.runId());
            assertThat(v.tags().keySet()).isEqualTo(clean.tags().keySet());
            assertThat(v.tags()).containsEntry("ingot.onnx_sha256", sha);
            assertThat(v.aliases()).containsExactly("challenger");
        });
        assertThat(spark.sql(metrics).where("n > 1").count()).as("metrics logged twice").isZero();
        assertThat(spark.sql(metrics).count()).isEqualTo(metricKeys);
    }

    @Test
    void unknownModelExits2AndWritesNothing() {
        long runs = rows(Tables.RUNS);
        long versions = rows(Tables.MODEL_VERSIONS);
        Result r = train("nosuch");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("nosuch").contains(MODEL);
        assertThat(rows(Tables.RUNS)).isEqualTo(runs);
        assertThat(rows(Tables.MODEL_VERSIONS)).isEqualTo(versions);
    }
}
