package dev.ingot.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.internal.MlflowBatches;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract on a real {@code mlflow server}, plus what a person sees in MLflow: the run, the model version, its
 * alias and an artifact read back over MLflow's own REST API with a plain HTTP client.
 */
class MlflowTrackingStoreTest extends TrackingStoreContract {
    @RegisterExtension
    static final MlflowServerExtension MLFLOW = new MlflowServerExtension();

    private static TrackingStore store;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void open() {
        store = TrackingStore.open(new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of(MLFLOW.uri()),
                Optional.empty(), Optional.empty()), null, null);
    }

    @AfterAll
    static void close() {
        if (store != null) {
            store.close();
        }
    }

    @Override
    protected TrackingStore store() {
        return store;
    }

    private static JsonNode get(String pathAndQuery) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(MLFLOW.uri() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(pathAndQuery + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Map<String, String> pairs(JsonNode list, String key, String value) {
        Map<String, String> out = new HashMap<>();
        list.forEach(n -> out.put(n.path(key).asText(), n.path(value).asText()));
        return out;
    }

    @Test
    void mlflowsOwnApiShowsWhatWasLogged() throws Exception {
        String model = unique("fraud");
        Experiment exp = store.experiment(unique("retail"));
        RunInfo run = store.startRun(exp.id(), unique("key"), "fraud-train", Map.of("team", "risk"));
        Instant at = Instant.parse("2026-11-30T12:00:00.250Z");
        store.log(run.runId(), LogBatch.empty().withParam("max_depth", "5")
                .withMetrics(List.of(new Metric("auc", 0.91, 3, at))).withTag("stage", "evaluated"));
        byte[] card = "# fraud\n\nAUC 0.91\n".getBytes(StandardCharsets.UTF_8);
        store.uploadArtifact(run.runId(), "model/model_card.md", card);
        store.endRun(run.runId(), RunStatus.FINISHED);
        store.createModelVersion(model, run.runId(), "model", Map.of("auc", "0.91"), "GBT, 100 trees");
        store.setAlias(model, "champion", 1);

        JsonNode r = get("/api/2.0/mlflow/runs/get?run_id=" + run.runId()).path("run");
        assertThat(r.path("info").path("status").asText()).isEqualTo("FINISHED");
        assertThat(r.path("info").path("run_name").asText()).isEqualTo("fraud-train");
        assertThat(r.path("info").path("experiment_id").asText()).isEqualTo(exp.id());
        assertThat(pairs(r.path("data").path("params"), "key", "value")).isEqualTo(Map.of("max_depth", "5"));
        JsonNode auc = r.path("data").path("metrics").get(0);
        assertThat(auc.path("key").asText()).isEqualTo("auc");
        assertThat(auc.path("value").asDouble()).isEqualTo(0.91);
        assertThat(auc.path("step").asLong()).isEqualTo(3);
        assertThat(auc.path("timestamp").asLong()).isEqualTo(at.toEpochMilli());
        assertThat(pairs(r.path("data").path("tags"), "key", "value")).containsEntry("team", "risk")
                .containsEntry("stage", "evaluated").containsEntry(TrackingStore.RUN_KEY_TAG, run.runKey());

        JsonNode v = get("/api/2.0/mlflow/model-versions/get?name=" + q(model) + "&version=1").path("model_version");
        assertThat(v.path("run_id").asText()).isEqualTo(run.runId());
        assertThat(v.path("source").asText()).isEqualTo("runs:/" + run.runId() + "/model");
        assertThat(v.path("description").asText()).isEqualTo("GBT, 100 trees");
        assertThat(pairs(v.path("tags"), "key", "value")).isEqualTo(Map.of("auc", "0.91"));
        assertThat(v.path("aliases").get(0).asText()).isEqualTo("champion");
        JsonNode champion = get("/api/2.0/mlflow/registered-models/alias?name=" + q(model) + "&alias=champion");
        assertThat(champion.path("model_version").path("version").asText()).isEqualTo("1");

        // The artifact as MLflow's UI downloads it, from the run's artifact_uri.
        String base = r.path("info").path("artifact_uri").asText().replace("mlflow-artifacts:", "");
        HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create(MLFLOW.uri()
                + "/api/2.0/mlflow-artifacts/artifacts" + base + "/model/model_card.md")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(card);
    }

    @Test
    void aLargeLogIsSentAsFewLogBatchRequestsWithinMlflowLimits() throws Exception {
        RunInfo run = newRun(unique("count"));
        Instant t = Instant.parse("2026-11-30T10:00:00Z");
        List<Metric> metrics = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            metrics.add(new Metric("m" + (i % 25), i, i / 25, t));
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int p = 0; p < 250; p++) {
            params.put("p" + p, "v" + p);
        }
        LogBatch batch = LogBatch.empty().withParams(params).withMetrics(metrics);
        String logBatch = "POST /api/2.0/mlflow/runs/log-batch";
        long before = MLFLOW.requestCount(logBatch);
        store.log(run.runId(), batch);

        // 250 params at 100 a request, then metrics up to 1000 items a request: 100 | 100 | 50+950 | 1000 | 550.
        assertThat(MlflowBatches.split(batch)).hasSize(5);
        long deadline = System.currentTimeMillis() + 5000;
        while (MLFLOW.requestCount(logBatch) - before < 5 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(MLFLOW.requestCount(logBatch) - before).as("log-batch requests the server received").isEqualTo(5);
        Run back = store.run(run.runId());
        assertThat(back.params()).hasSize(250);
        assertThat(back.latestMetrics()).hasSize(25);
        assertThat(store.metricHistory(run.runId(), "m7")).hasSize(100);
    }

    @Test
    void aRetriedCreateWhoseFirstAnswerWasLostMakesOneVersion() throws Exception {
        String model = unique("fraud");
        RunInfo run = newRun(unique("lost"));
        store.uploadArtifact(run.runId(), "model/model_card.md", "card".getBytes(StandardCharsets.UTF_8));
        AtomicInteger creates = new AtomicInteger();
        // In front of the real server: the first create reaches it and commits, but its answer is replaced by a 503,
        // as when a proxy or the network drops it. The client retries the create.
        try (Forwarder lossy = new Forwarder(MLFLOW.uri(), path -> path.endsWith("/model-versions/create")
                && creates.incrementAndGet() == 1)) {
            TrackingStore viaProxy = TrackingStore.open(new TrackingSettings(TrackingSettings.Kind.MLFLOW,
                    Optional.of(lossy.uri()), Optional.empty(), Optional.empty()), null, null);
            ModelVersion v = viaProxy.createModelVersion(model, run.runId(), "model", Map.of("auc", "0.9"), "");
            viaProxy.close();

            assertThat(creates.get()).as("the create request the server committed was sent once").isEqualTo(1);
            assertThat(v.version()).isEqualTo(1);
            assertThat(v.tags()).containsEntry("auc", "0.9");
        }
        JsonNode all = get("/api/2.0/mlflow/model-versions/search?filter=" + q("name='" + model + "'"));
        assertThat(all.path("model_versions")).as("versions in MLflow").hasSize(1);
    }

    /**
     * Forwards every request to a server; when {@code lose} says so for a request's path, forwards it and then
     * answers 503 instead of the server's answer.
     */
    private static final class Forwarder implements AutoCloseable {
        private final HttpServer server;

        Forwarder(String target, Predicate<String> lose) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                try {
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
                    String type = exchange.getRequestHeaders().getFirst("Content-Type");
                    if (type != null) {
                        b.header("Content-Type", type);
                    }
                    HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                    boolean lost = lose.test(exchange.getRequestURI().getPath());
                    byte[] out = lost ? "{\"error_code\": \"TEMPORARILY_UNAVAILABLE\", \"message\": \"lost\"}"
                            .getBytes(StandardCharsets.UTF_8) : r.body();
                    exchange.getResponseHeaders().add("Content-Type", lost ? "application/json"
                            : r.headers().firstValue("Content-Type").orElse("application/json"));
                    exchange.sendResponseHeaders(lost ? 503 : r.statusCode(), out.length == 0 ? -1 : out.length);
                    try (OutputStream o = exchange.getResponseBody()) {
                        o.write(out);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    exchange.sendResponseHeaders(500, -1);
                }
            });
            server.start();
        }

        String uri() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
