package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.TestSpark;
import dev.ingot.core.Tables;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.training.MlflowServerExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} and {@code models promote} against a real {@code mlflow server}, then what a person sees in MLflow,
 * read over MLflow's own REST API with a plain HTTP client (not Ingot's): the run's params, metrics and lineage tags,
 * its artifacts, the registered version and its aliases, compared with what Ingot printed.
 */
class TrainMlflowTest {
    @RegisterExtension
    static final MlflowServerExtension MLFLOW = new MlflowServerExtension();

    private static final String MODEL = "mlflow_fraud";
    private static final String TABLE = "cli_mlflow.ts";
    private static final ObjectMapper JSON = TrainProjects.JSON;
    private static Path project;

    @BeforeAll
    static void projectAndTrainingSet(@TempDir Path dir) throws IOException {
        TrainProjects.orders(TABLE, 160);
        project = TrainProjects.write(dir, MODEL, TABLE, "tracking:\n  type: mlflow\n  uri: " + MLFLOW.uri()
                + "\n  experiment: shop-e2e\n", """
                description: Fraud score (MLflow end to end)
                algorithm:
                  type: logistic_regression
                  params: {maxIter: 15}
                test_window: 8d
                gate: ["auc >= 0.5"]
                """);
    }

    private static JsonNode get(String path, Map<String, String> query) throws Exception {
        return TrainProjects.mlflowGet(MLFLOW.uri(), path, query);
    }

    /** Every file under a run's artifact folder, through MLflow's tracking API (as its UI lists them). */
    private static List<String> artifacts(String runId, String path) throws Exception {
        List<String> out = new ArrayList<>();
        JsonNode files = get("/api/2.0/mlflow/artifacts/list", path.isEmpty() ? Map.of("run_id", runId)
                : Map.of("run_id", runId, "path", path)).path("files");
        for (JsonNode f : files) {
            if (f.path("is_dir").asBoolean()) {
                out.addAll(artifacts(runId, f.path("path").asText()));
            } else {
                out.add(f.path("path").asText());
            }
        }
        return out;
    }

    @Test
    void trainAndPromoteShowUpInMlflowsOwnApiAsIngotReportsThem() throws Exception {
        Result train = run("train", "--project", project.toString(), "--model", MODEL, "--training-set", TABLE);
        assertThat(train.code()).as(train.out() + train.err()).isZero();
        Matcher printed = Pattern.compile(MODEL + " v1 \\(alias challenger\\), run ([0-9a-f]{32})")
                .matcher(train.out());
        assertThat(printed.find()).as(train.out()).isTrue();
        String runId = printed.group(1);

        Result promote = run("models", "promote", "--project", project.toString(), "--model", MODEL, "--version", "1",
                "--alias", "champion", "--reason", "end-to-end test");
        assertThat(promote.code()).as(promote.out() + promote.err()).isZero();
        Result show = run("models", "show", "--project", project.toString(), MODEL + "@champion", "--format", "json");
        assertThat(show.code()).as(show.out() + show.err()).isZero();
        JsonNode shown = JSON.readTree(show.out());

        // The run, as MLflow's UI shows it.
        JsonNode r = get("/api/2.0/mlflow/runs/get", Map.of("run_id", runId)).path("run");
        assertThat(r.path("info").path("status").asText()).isEqualTo("FINISHED");
        assertThat(r.path("info").path("run_name").asText()).isEqualTo(MODEL + "-train");
        JsonNode experiment = get("/api/2.0/mlflow/experiments/get", Map.of("experiment_id",
                r.path("info").path("experiment_id").asText())).path("experiment");
        assertThat(experiment.path("name").asText()).isEqualTo("shop-e2e");
        assertThat(TrainProjects.pairs(r.path("data").path("params"))).containsEntry("maxIter", "15")
                .containsEntry("algorithm", "logistic_regression").containsEntry("seed", "42")
                .containsEntry("label", "label").containsEntry("test_window", "8d")
                .containsEntry("validation_window", "none");
        Map<String, Double> metrics = new TreeMap<>();
        r.path("data").path("metrics").forEach(m -> metrics.put(m.path("key").asText(), m.path("value").asDouble()));
        assertThat(metrics).containsKeys("auc", "pr_auc", "log_loss", "accuracy", "f1");
        Map<String, Double> ingotMetrics = new TreeMap<>();
        shown.path("metrics").fields().forEachRemaining(e -> ingotMetrics.put(e.getKey(), e.getValue().asDouble()));
        assertThat(ingotMetrics).as("models show reads what MLflow holds").isEqualTo(metrics);
        assertThat(train.out()).as("train printed the value MLflow holds")
                .containsPattern("\n  auc +" + Pattern.quote(String.format(Locale.ROOT, "%.4f", metrics.get("auc")))
                        + " +-\n");

        Map<String, String> tags = TrainProjects.pairs(r.path("data").path("tags"));
        assertThat(tags).containsEntry("ingot.training_set", TABLE).containsEntry("ingot.training_set_version", "0")
                .containsEntry("ingot.spine", TABLE).containsEntry("ingot.feature_views", MODEL + "_spend")
                .containsEntry("ingot.seed", "42").containsEntry("ingot.spark_version", TestSpark.session().version())
                .containsEntry("ingot.quality_status", "unchecked").containsKey("ingot.code_version");
        assertThat(tags.get("ingot.run_key")).startsWith(MODEL + "@").endsWith("@" + TABLE + "@0");
        assertThat(train.out()).contains(tags.get("ingot.cost.executor_cpu_seconds") + " executor CPU seconds");
        assertThat(shown.path("lineage").path("run_id").asText()).isEqualTo(runId);
        assertThat(shown.path("lineage").path("training_set").asText()).isEqualTo(TABLE);
        assertThat(shown.path("lineage").path("training_set_version").asLong()).isZero();

        // Its artifacts: the Spark ML model, the charts and the model card.
        List<String> files = artifacts(runId, "");
        assertThat(files).contains("model/metadata/part-00000", "model_card.md", "roc.svg", "pr.svg",
                "importance.svg").anyMatch(f -> f.startsWith("model/stages/")).noneMatch(f -> f.endsWith(".crc"));

        // The registered version and its aliases.
        JsonNode v = get("/api/2.0/mlflow/model-versions/get", Map.of("name", MODEL, "version", "1"))
                .path("model_version");
        assertThat(v.path("run_id").asText()).isEqualTo(runId);
        assertThat(v.path("source").asText()).isEqualTo("runs:/" + runId + "/model");
        assertThat(v.path("description").asText()).isEqualTo("Fraud score (MLflow end to end)");
        Map<String, String> versionTags = TrainProjects.pairs(v.path("tags"));
        assertThat(versionTags).containsEntry("ingot.training_set", TABLE)
                .containsEntry("ingot.training_set_version", "0")
                .containsEntry("metric.auc", Double.toString(metrics.get("auc")));
        assertThat(versionTags.keySet()).anyMatch(k -> k.startsWith("ingot.event."));
        JsonNode event = JSON.readTree(versionTags.entrySet().stream()
                .filter(e -> e.getKey().startsWith("ingot.event.")).findFirst().orElseThrow().getValue());
        assertThat(event.path("action").asText()).isEqualTo("promoted");
        assertThat(event.path("alias").asText()).isEqualTo("champion");
        assertThat(event.path("reason").asText()).isEqualTo("end-to-end test");
        assertThat(event.path("by").asText()).isEqualTo(System.getProperty("user.name"));
        List<String> aliases = new ArrayList<>();
        v.path("aliases").forEach(a -> aliases.add(a.asText()));
        assertThat(aliases).containsExactlyInAnyOrder("challenger", "champion");
        assertThat(get("/api/2.0/mlflow/registered-models/alias", Map.of("name", MODEL, "alias", "champion"))
                .path("model_version").path("version").asText()).isEqualTo("1");
        JsonNode registered = get("/api/2.0/mlflow/registered-models/get", Map.of("name", MODEL))
                .path("registered_model");
        assertThat(registered.path("description").asText()).isEqualTo("Fraud score (MLflow end to end)");
        assertThat(get("/api/2.0/mlflow/model-versions/search", Map.of("filter", "name='" + MODEL + "'"))
                .path("model_versions")).as("one version").hasSize(1);
        assertThat(shown.path("version").asLong()).isEqualTo(1);
        assertThat(shown.path("run_id").asText()).isEqualTo(runId);

        onnxArtifactIsTheTaggedModelAndScoresThroughTheRegistry(runId, r, versionTags);
        aTrainBesideAChampionReadsNoArtifactListing();
    }

    /**
     * The ONNX model as MLflow serves it (its UI's download endpoint, not Ingot's client): the bytes whose SHA-256 the
     * run and the version carry, a model ONNX Runtime loads with one input per feature column; then {@code score}
     * with the champion through the MLflow registry.
     */
    private static void onnxArtifactIsTheTaggedModelAndScoresThroughTheRegistry(String runId, JsonNode run,
                                                                                Map<String, String> versionTags)
            throws Exception {
        byte[] onnx = TrainProjects.mlflowBytes(MLFLOW.uri(), "/get-artifact",
                Map.of("path", "onnx/model.onnx", "run_uuid", runId));
        String sha = OnnxModel.sha256(onnx);
        assertThat(TrainProjects.pairs(run.path("data").path("tags"))).as("the run's digest is the served file's")
                .containsEntry("ingot.onnx_sha256", sha);
        assertThat(versionTags).as("the version's too").containsEntry("ingot.onnx_sha256", sha);
        List<String> features = List.of(TrainProjects.pairs(run.path("data").path("params")).get("features").split(","));
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (ai.onnxruntime.OrtSession s = env.createSession(onnx, new ai.onnxruntime.OrtSession.SessionOptions())) {
            assertThat(s.getInputNames()).as("one input per feature column of the run").containsExactlyInAnyOrderElementsOf(features);
            assertThat(s.getOutputNames()).containsExactlyInAnyOrder("label", "probability");
            assertThat(s.getMetadata().getCustomMetadata()).containsEntry("ingot.run_id", runId)
                    .containsEntry("ingot.training_set", TABLE);
        }

        Result score = run("score", "--project", project.toString(), "--model", MODEL + "@champion", "--input", TABLE,
                "--out", "mlflow_scored", "--keys", "order_id", "--nulls", "impute");
        assertThat(score.code()).as(score.out() + score.err()).isZero();
        List<Row> rows = TestSpark.session().table(Tables.scores("mlflow_scored").sql())
                .selectExpr("model_name", "model_version", "model_run_id", "model_sha256", "count(*) OVER () AS n")
                .distinct().collectAsList();
        assertThat(rows).as("every row names the same model").hasSize(1);
        assertThat(rows.get(0).getString(0)).isEqualTo(MODEL);
        assertThat(rows.get(0).getLong(1)).as("the champion's version").isEqualTo(1);
        assertThat(rows.get(0).getString(2)).isEqualTo(runId);
        assertThat(rows.get(0).getString(3)).isEqualTo(sha);
        assertThat(rows.get(0).getLong(4)).as("one score per order").isEqualTo(160);
    }

    /**
     * A second version trained while v1 is champion compares with the champion's metrics: reading them costs one
     * {@code runs/get}, not a listing of the champion's whole artifact tree (a request per folder).
     */
    private static void aTrainBesideAChampionReadsNoArtifactListing() throws Exception {
        Path spec = project.resolve("models/" + MODEL + ".yaml");
        java.nio.file.Files.writeString(spec, java.nio.file.Files.readString(spec) + "# v2: another spec digest, another run\n");
        int from = MLFLOW.log().length();
        Result train = run("train", "--project", project.toString(), "--model", MODEL, "--training-set", TABLE);
        assertThat(train.code()).as(train.out() + train.err()).isZero();
        assertThat(train.out()).contains(MODEL + " v2 (alias challenger)").contains("champion v1");
        Map<String, Long> requests = new TreeMap<>();
        Matcher m = Pattern.compile("\"(GET|POST|PUT|PATCH|DELETE) (/[^ ?]*)[^ ]* HTTP").matcher(MLFLOW.log().substring(from));
        while (m.find()) {
            requests.merge(m.group(1) + " " + m.group(2).replaceAll("/artifacts/.*", "/artifacts/..."), 1L, Long::sum);
        }
        long total = requests.values().stream().mapToLong(Long::longValue).sum();
        System.out.println("MLflow requests of a train beside a champion: " + total + " " + requests);
        // The one listing a train makes: whether the folder the version is registered from exists.
        assertThat(requests.getOrDefault("GET /api/2.0/mlflow-artifacts/artifacts", 0L))
                .as("artifact listings (%d requests in all: %s)", total, requests).isEqualTo(1);
    }
}
