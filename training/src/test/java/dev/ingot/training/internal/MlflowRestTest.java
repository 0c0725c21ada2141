package dev.ingot.training.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.FakeHttpServer;
import dev.ingot.training.FakeHttpServer.Answer;
import dev.ingot.training.LogBatch;
import dev.ingot.training.Metric;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Retries, auth headers and request splitting of the MLflow backend, against a canned server. */
class MlflowRestTest {
    private static final Answer EMPTY = new Answer(200, "application/json", "{\"experiments\":[]}");

    private static TrackingSettings mlflow(String uri) {
        return new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of(uri), Optional.empty(), Optional.empty());
    }

    @Test
    void rateLimitsAndServerErrorsAreRetriedWithBackoff() throws Exception {
        try (FakeHttpServer flaky = new FakeHttpServer(n -> n == 0 ? new Answer(429, "text/plain", "slow down")
                : n == 1 ? new Answer(503, "text/plain", "busy") : EMPTY)) {
            MlflowTrackingStore.open(mlflow(flaky.uri()), Map.of(), 5, 10).close();
            assertThat(flaky.received()).hasSize(3);
        }
    }

    @Test
    void otherClientErrorsAreNotRetried() throws Exception {
        try (FakeHttpServer bad = new FakeHttpServer(n -> new Answer(400, "application/json",
                "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"bad max_results\"}"))) {
            Throwable t = catchThrowable(() -> MlflowTrackingStore.open(mlflow(bad.uri()), Map.of(), 5, 10));
            assertThat(((IngotException) t).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(t).hasMessageContaining("INVALID_PARAMETER_VALUE").hasMessageContaining("bad max_results");
            assertThat(bad.received()).hasSize(1);
        }
    }

    @Test
    void serverErrorsThatPersistFailAfterTheLastAttempt() throws Exception {
        try (FakeHttpServer down = new FakeHttpServer(n -> new Answer(502, "application/json",
                "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"db down\"}"))) {
            Throwable t = catchThrowable(() -> MlflowTrackingStore.open(mlflow(down.uri()), Map.of(), 3, 10));
            assertThat(((IngotException) t).exitCode()).isEqualTo(ExitCode.FAILURE);
            assertThat(down.received()).hasSize(3);
        }
    }

    @Test
    void credentialsComeFromTheEnvironmentWhenTheSettingsHaveNone() throws Exception {
        try (FakeHttpServer ok = new FakeHttpServer(n -> EMPTY)) {
            MlflowTrackingStore.open(mlflow(ok.uri()), Map.of("MLFLOW_TRACKING_TOKEN", "env-token-123"), 1, 10).close();
            MlflowTrackingStore.open(mlflow(ok.uri()), Map.of("MLFLOW_TRACKING_USERNAME", "alice",
                    "MLFLOW_TRACKING_PASSWORD", "pw-secret-456"), 1, 10).close();
            MlflowTrackingStore.open(mlflow(ok.uri()), Map.of(), 1, 10).close();
            String basic = Base64.getEncoder().encodeToString("alice:pw-secret-456".getBytes(StandardCharsets.UTF_8));
            assertThat(ok.received()).extracting(FakeHttpServer.Received::authorization)
                    .containsExactly("Bearer env-token-123", "Basic " + basic, null);
            assertThat(ok.received().get(0).path()).isEqualTo("/api/2.0/mlflow/experiments/search?max_results=1");
        }
    }

    @Test
    void batchesAreSplitWithinEveryMlflowLimit() {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < 250; i++) {
            params.put("p" + i, "v");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < 120; i++) {
            tags.put("t" + i, "x".repeat(7000));
        }
        List<Metric> metrics = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            metrics.add(new Metric("m", i, i, Instant.EPOCH));
        }
        List<LogBatch> parts = MlflowBatches.split(LogBatch.empty().withParams(params).withTags(tags).withMetrics(metrics));
        for (LogBatch p : parts) {
            assertThat(p.params().size()).isLessThanOrEqualTo(100);
            assertThat(p.tags().size()).isLessThanOrEqualTo(100);
            assertThat(p.metrics().size()).isLessThanOrEqualTo(1000);
            assertThat(p.size()).isLessThanOrEqualTo(1000);
            long bytes = p.tags().values().stream().mapToLong(String::length).sum();
            assertThat(bytes).as("under MLflow's 1 MB request limit").isLessThan(1_000_000);
        }
        assertThat(parts.stream().mapToInt(p -> p.params().size()).sum()).isEqualTo(250);
        assertThat(parts.stream().mapToInt(p -> p.tags().size()).sum()).isEqualTo(120);
        assertThat(parts.stream().flatMap(p -> p.metrics().stream()).toList()).isEqualTo(metrics);
        // 120 tags of 7 KB need two requests by size alone (840 KB > the 800 KB budget).
        assertThat(parts.stream().filter(p -> !p.tags().isEmpty()).count()).isEqualTo(2);
        assertThat(MlflowBatches.split(LogBatch.empty())).isEmpty();
    }
}
