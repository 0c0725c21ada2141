package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.Catalog;
import dev.ingot.core.Lineage;
import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.scoring.SklearnModels;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code models register} and {@code score} end to end on the local tracking store, with a model made by scikit-learn
 * + skl2onnx (a Python step) and 500 rows whose expected scores Python's onnxruntime wrote.
 */
class ScoreCommandTest {
    private static final String MODEL = "sk_churn";
    private static final String INPUT = "cli_score.customers";
    private static final String WITH_NULLS = "cli_score.with_nulls";
    private static final int ROWS = SklearnModels.ROWS;
    private static SparkSession spark;
    private static TrackingStore store;
    private static Path project;
    private static Map<Long, Double> expected;

    @BeforeAll
    static void projectModelAndTables(@TempDir Path dir) throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli_score");
        SklearnModels.data(spark).write().format("delta").mode("overwrite").saveAsTable(INPUT);
        // Two rows with a null c2, one with a NaN c3.
        spark.table(INPUT).selectExpr("id", "c1", "CASE WHEN id IN (3, 7) THEN NULL ELSE c2 END AS c2",
                        "CASE WHEN id = 9 THEN CAST('NaN' AS DOUBLE) ELSE c3 END AS c3")
                .write().format("delta").mode("overwrite").saveAsTable(WITH_NULLS);
        spark.table(INPUT).selectExpr("id", "c1", "CAST(c2 AS STRING) AS c2")
                .write().format("delta").mode("overwrite").saveAsTable("cli_score.bad_schema");
        project = dir.resolve("shop");
        TestFiles.write(project, "ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n");
        Files.createDirectories(project.resolve("onnx"));
        Files.copy(SklearnModels.model("logreg"), project.resolve("onnx/logreg.onnx"));
        for (String m : List.of(MODEL, "sk_tamper", "sk_flipped")) {
            TestFiles.write(project, "models/" + m + ".yaml", """
                    description: Churn, from the data scientists' notebook
                    onnx: onnx/logreg.onnx
                    inputs:
                      float_input: [c1, c2, c3]
                    keys: [id]
                    """);
        }
        store = TrackingStore.open(TrackingSettings.local(), spark, Location.of(TestSpark.warehouse()));
        expected = new HashMap<>();
        SklearnModels.expected(spark, "logreg").collectAsList().forEach(r -> expected.put(r.getLong(0), r.getDouble(3)));
        Result reg = register(MODEL);
        assertThat(reg.code()).as(reg.err()).isZero();
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static Result register(String model) {
        return run("models", "register", "--project", project.toString(), "--model", model);
    }

    private static Result score(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "score";
        all[1] = "--project";
        all[2] = project.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return run(all);
    }

    private static long rows(TableName t, String where) {
        return Catalog.tableExists(spark, t) ? spark.table(t.toString()).where(where).count() : 0;
    }

    @Test
    void registerRecordsTheFileItsDigestAndBindingAndAgainChangesNothing() throws IOException {
        ModelVersion v = store.versionByAlias(MODEL, "challenger").orElseThrow();
        byte[] file = Files.readAllBytes(project.resolve("onnx/logreg.onnx"));
        assertThat(v.tags()).containsEntry("ingot.onnx_sha256", OnnxModel.sha256(file))
                .containsEntry("ingot.onnx_inputs", "{\"float_input\":[\"c1\",\"c2\",\"c3\"]}")
                .containsEntry("ingot.score_keys", "id");
        assertThat(store.downloadArtifact(v.runId(), "onnx/model.onnx")).isEqualTo(file);
        assertThat(store.run(v.runId()).tags()).containsEntry("ingot.onnx_sha256", OnnxModel.sha256(file));

        Result again = register(MODEL);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains(MODEL + " v" + v.version() + " (alias challenger)").contains("registered before")
                .contains("input float_input: float [-1, 3] <- c1, c2, c3").contains("label <- output label")
                .contains("probabilities <- output probabilities");
        assertThat(store.modelVersions(MODEL)).as("the same file registered twice is one version").hasSize(1);
    }

    @Test
    void scoresEveryRowWithLineageAsPythonDidAndARerunReplacesTheDate() {
        TableName out = Tables.scores("sk_churn_daily");
        Result first = score("--model", MODEL + "@challenger", "--input", INPUT, "--out", "sk_churn_daily",
                "--date", "2026-11-30", "--batch-size", "64");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("scores.sk_churn_daily: 500 rows scored by sk_churn v1").contains("rows/s")
                .contains("s elapsed");
        ModelVersion v = store.versionByAlias(MODEL, "challenger").orElseThrow();

        List<Row> rows = spark.table(out.sql()).collectAsList();
        assertThat(rows).hasSize(ROWS);
        assertThat(spark.table(out.sql()).columns()).containsExactly("id", "label", "probability", "probabilities",
                "model_name", "model_version", "model_run_id", "model_sha256", "scored_at", "score_date");
        double maxDiff = 0;
        for (Row r : rows) {
            assertThat(r.<String>getAs("model_name")).isEqualTo(MODEL);
            assertThat(r.<Long>getAs("model_version")).isEqualTo(v.version());
            assertThat(r.<String>getAs("model_run_id")).isEqualTo(v.runId());
            assertThat(r.<String>getAs("model_sha256")).isEqualTo(v.tags().get("ingot.onnx_sha256"));
            assertThat(r.<java.sql.Date>getAs("score_date")).hasToString("2026-11-30");
            maxDiff = Math.max(maxDiff, Math.abs(r.<Double>getAs("probability") - expected.get(r.<Long>getAs("id"))));
        }
        assertThat(maxDiff).as("scores equal Python onnxruntime's").isLessThanOrEqualTo(1e-6);

        Row commit = spark.sql("DESCRIBE HISTORY " + out.sql()).orderBy(org.apache.spark.sql.functions.col("version").desc()).first();
        Lineage.CommitInfo lineage = Lineage.parse(commit.getAs("userMetadata")).orElseThrow();
        assertThat(lineage.command()).isEqualTo("score");
        assertThat(lineage.inputs()).extracting(Object::toString)
                .containsExactly("input=" + INPUT + "@" + Lineage.latestVersion(spark, TableName.parse(INPUT)));
        assertThat(lineage.details()).containsEntry("model", MODEL).containsEntry("model_version", Long.toString(v.version()))
                .containsEntry("model_run_id", v.runId()).containsEntry("score_date", "2026-11-30");

        Result again = score("--model", MODEL + "/1", "--input", INPUT, "--out", "sk_churn_daily", "--date", "2026-11-30");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(rows(out, "true")).as("a re-run of the same date and version replaces its rows").isEqualTo(ROWS);
        Result nextDay = score("--model", MODEL + "/1", "--input", INPUT, "--out", "sk_churn_daily", "--date", "2026-12-01");
        assertThat(nextDay.code()).as(nextDay.err()).isZero();
        assertThat(rows(out, "score_date = DATE'2026-11-30'")).isEqualTo(ROWS);
        assertThat(rows(out, "score_date = DATE'2026-12-01'")).isEqualTo(ROWS);
        assertThat(spark.table(Tables.LINEAGE.sql()).where("output_table = '" + out + "' AND command = 'score'")
                .selectExpr("rows_written").as(org.apache.spark.sql.Encoders.LONG()).collectAsList())
                .as("each run is a row of ingot.lineage too").containsExactly((long) ROWS, (long) ROWS, (long) ROWS);
    }

    @Test
    void nullInputsAreRefusedQuarantinedOrPassedAsNaN() {
        Result error = score("--model", MODEL + "/1", "--input", WITH_NULLS, "--out", "sk_nulls");
        assertThat(error.code()).isEqualTo(2);
        assertThat(error.err()).contains("column 'c2' in 2 of 500 rows").contains("column 'c3' in 1 of 500 rows")
                .contains("--nulls quarantine");
        assertThat(Catalog.tableExists(spark, Tables.scores("sk_nulls"))).as("nothing written").isFalse();

        Result q = score("--model", MODEL + "/1", "--input", WITH_NULLS, "--out", "sk_nulls", "--nulls", "quarantine",
                "--date", "2026-11-30");
        assertThat(q.code()).as(q.err()).isZero();
        assertThat(q.out()).contains("497 rows scored").contains("quality.sk_nulls__quarantine: 3 rows");
        assertThat(rows(Tables.scores("sk_nulls"), "id IN (3, 7, 9)")).isZero();
        assertThat(rows(Tables.scores("sk_nulls"), "true")).isEqualTo(ROWS - 3);
        TableName quarantine = Tables.quarantine(Tables.scores("sk_nulls"));
        assertThat(spark.table(quarantine.sql()).orderBy("id").collectAsList())
                .extracting(r -> r.getAs("id") + ":" + r.getAs("null_columns") + ":" + r.getAs("reason"))
                .containsExactly("3:c2:null or NaN model input", "7:c2:null or NaN model input", "9:c3:null or NaN model input");
        Result qAgain = score("--model", MODEL + "/1", "--input", WITH_NULLS, "--out", "sk_nulls", "--nulls", "quarantine",
                "--date", "2026-11-30");
        assertThat(qAgain.code()).as(qAgain.err()).isZero();
        assertThat(rows(quarantine, "true")).as("the quarantine is replaced too").isEqualTo(3);

        Result impute = score("--model", MODEL + "/1", "--input", WITH_NULLS, "--out", "sk_impute", "--nulls", "impute");
        assertThat(impute.code()).as(impute.err()).isZero();
        assertThat(rows(Tables.scores("sk_impute"), "true")).isEqualTo(ROWS);
        assertThat(rows(Tables.scores("sk_impute"), "isnan(probability)")).as("NaN reached this model (it does not impute)")
                .isEqualTo(3);
    }

    @Test
    void aTamperedArtifactIsRefusedAndNothingIsWritten() throws IOException {
        assertThat(register("sk_tamper").code()).isZero();
        ModelVersion v = store.versionByAlias("sk_tamper", "challenger").orElseThrow();
        Path artifact = TestSpark.warehouse().resolve("_artifacts").resolve(v.runId()).resolve("onnx/model.onnx");
        assertThat(artifact).exists();
        Files.write(artifact, Files.readAllBytes(SklearnModels.model("gbt")));
        // Hadoop's local checksum would catch this edit on its own (a failure, exit 3); object stores and MLflow's
        // artifact store keep no such file, and the registry's digest is what must catch it there.
        Files.deleteIfExists(artifact.resolveSibling(".model.onnx.crc"));

        Result r = score("--model", "sk_tamper@challenger", "--input", INPUT, "--out", "sk_tamper");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("runs:/" + v.runId() + "/onnx/model.onnx has SHA-256 " + OnnxModel.sha256(
                Files.readAllBytes(SklearnModels.model("gbt")))).contains("the registry recorded " + v.tags().get("ingot.onnx_sha256"))
                .contains("nothing was written");
        assertThat(Catalog.tableExists(spark, Tables.scores("sk_tamper"))).isFalse();
    }

    @Test
    void aByteFlippedOnDiskInTheLocalStoreIsTheDigestMismatchNotAChecksumFailure() throws IOException {
        assertThat(register("sk_flipped").code()).isZero();
        ModelVersion v = store.versionByAlias("sk_flipped", "challenger").orElseThrow();
        Path artifact = TestSpark.warehouse().resolve("_artifacts").resolve(v.runId()).resolve("onnx/model.onnx");
        assertThat(artifact.resolveSibling(".model.onnx.crc")).as("Hadoop's checksum of the artifact is kept").exists();
        byte[] bytes = Files.readAllBytes(artifact);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(artifact, bytes);

        Result r = score("--model", "sk_flipped@challenger", "--input", INPUT, "--out", "sk_flipped");
        assertThat(r.code()).as("bad input, not a failure: " + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("runs:/" + v.runId() + "/onnx/model.onnx has SHA-256 " + OnnxModel.sha256(bytes))
                .contains("the registry recorded " + v.tags().get("ingot.onnx_sha256"))
                .contains("the file changed after it was registered").contains("nothing was written")
                .doesNotContain("Checksum");
        assertThat(Catalog.tableExists(spark, Tables.scores("sk_flipped"))).isFalse();
    }

    @Test
    void aMissingColumnAndAWrongTypeAreNamedAndNothingIsWritten() {
        Result r = score("--model", MODEL + "/1", "--input", "cli_score.bad_schema", "--out", "sk_bad");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("column 'c2' is string, and model input 'float_input' takes float")
                .contains("column 'c3' (model input 'float_input') is not in the input table (columns: id, c1, c2)");
        assertThat(Catalog.tableExists(spark, Tables.scores("sk_bad"))).isFalse();
    }

    @Test
    void badReferencesAndFilesAreBadInput(@TempDir Path tmp) throws IOException {
        Result alias = score("--model", MODEL + "@champion", "--input", INPUT, "--out", "sk_x");
        assertThat(alias.code()).isEqualTo(2);
        assertThat(alias.err()).contains(MODEL + "@champion");
        Path broken = tmp.resolve("broken.onnx");
        Files.write(broken, java.util.Arrays.copyOf(Files.readAllBytes(SklearnModels.model("logreg")), 100));
        Result file = score("--model", broken.toString(), "--input", INPUT, "--out", "sk_x", "--keys", "id");
        assertThat(file.code()).isEqualTo(2);
        assertThat(file.err()).contains(broken.toString()).contains("corrupted, truncated");
        Result out = score("--model", MODEL + "/1", "--input", INPUT, "--out", "Bad-Name");
        assertThat(out.code()).isEqualTo(2);
        assertThat(Catalog.tableExists(spark, Tables.scores("sk_x"))).isFalse();
    }

    @Test
    void aFileScoresWithItsInputsByNameAndTheKeysGiven() {
        // A file has no binding: each input is filled from the column of its name, so ridge.onnx's double_input [N,3]
        // needs a column of that name.
        Result r = score("--model", SklearnModels.model("ridge").toString(), "--input", INPUT, "--out", "sk_file",
                "--keys", "id");
        assertThat(r.code()).as("a file binds each input by name: there is no column double_input").isEqualTo(2);
        assertThat(r.err()).contains("column 'double_input' (model input 'double_input') is not in the input table");
    }

    @Test
    void theColumnarPathWritesTheRowPathsScoresAndTheCommandSaysWhichPathRan() {
        // Spark reads Parquet as column batches only with whole-stage code generation, which unit test JVMs may run
        // without (test.codegen.* in the poms): on for this test, as in every Ingot session.
        String key = "spark.sql.codegen.wholeStage";
        String before = spark.conf().get(key);
        spark.conf().set(key, "true");
        try {
            columnarAndRowPaths();
        } finally {
            spark.conf().set(key, before);
        }
    }

    private void columnarAndRowPaths() {
        Result rows = score("--model", MODEL + "/1", "--input", WITH_NULLS, "--out", "sk_path_rows", "--nulls", "impute",
                "--path", "rows", "--date", "2026-11-30", "--batch-size", "64");
        assertThat(rows.code()).as(rows.err()).isZero();
        assertThat(rows.out()).contains("scoring path: rows (--path rows)");
        Result columnar = score("--model", MODEL + "/1", "--input", WITH_NULLS, "--out", "sk_path_columnar", "--nulls",
                "impute", "--path", "columnar", "--date", "2026-11-30", "--batch-size", "64");
        assertThat(columnar.code()).as(columnar.err()).isZero();
        assertThat(columnar.out()).contains("scoring path: columnar");
        String cols = "id, label, probability, probabilities, model_version, score_date";
        List<String> want = spark.sql("SELECT " + cols + " FROM " + Tables.scores("sk_path_rows").sql() + " ORDER BY id")
                .collectAsList().stream().map(Row::toString).toList();
        List<String> got = spark.sql("SELECT " + cols + " FROM " + Tables.scores("sk_path_columnar").sql()
                + " ORDER BY id").collectAsList().stream().map(Row::toString).toList();
        assertThat(got).as("the same rows and scores, NaN for the 3 rows with a null or NaN input included")
                .hasSize(ROWS).isEqualTo(want).filteredOn(r -> r.contains("NaN")).hasSize(3);

        Result quarantine = score("--model", MODEL + "/1", "--input", WITH_NULLS, "--out", "sk_path_q", "--nulls",
                "quarantine", "--path", "columnar");
        assertThat(quarantine.code()).as("the quarantine's filter stays in the plan").isEqualTo(2);
        assertThat(quarantine.err()).contains("--path").contains("a filter stays in its plan");
        assertThat(Catalog.tableExists(spark, Tables.scores("sk_path_q"))).as("nothing written").isFalse();
        Result auto = score("--model", MODEL + "/1", "--input", WITH_NULLS, "--out", "sk_path_q", "--nulls", "quarantine");
        assertThat(auto.code()).as(auto.err()).isZero();
        assertThat(auto.out()).contains("497 rows scored")
                .contains("scoring path: rows (the input cannot be read as column batches: a filter stays in its plan");
        assertThat(score("--model", MODEL + "/1", "--input", INPUT, "--out", "x", "--path", "gpu").err())
                .contains("--path").contains("auto, columnar or rows");
    }
}
