package dev.ingot.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link TrackingStore} backend must do, asserted on values. A subclass per backend provides the store; the
 * same calls must give the same answers on the local Delta store and on a real MLflow server.
 */
abstract class TrackingStoreContract {
    /** The backend under test; the same instance for every test of the class. */
    protected abstract TrackingStore store();

    /** Names unique to one test, since tests share a warehouse or a server. */
    protected static String unique(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected static ExitCode exitCodeOf(Throwable t) {
        assertThat(t).isInstanceOf(IngotException.class);
        return ((IngotException) t).exitCode();
    }

    protected RunInfo newRun(String runKey) {
        Experiment exp = store().experiment(unique("exp"));
        return store().startRun(exp.id(), runKey, "run-" + runKey, Map.of("team", "risk"));
    }

    @Test
    void experimentIsCreatedOnceAndFoundByName() {
        String name = unique("retail");
        Experiment first = store().experiment(name);
        Experiment again = store().experiment(name);
        assertThat(again).as("get-or-create returns the same experiment").isEqualTo(first);
        assertThat(first.name()).isEqualTo(name);
        assertThat(store().experiment(unique("other")).id()).isNotEqualTo(first.id());
    }

    @Test
    void startRunIsIdempotentOnTheRunKey() {
        Experiment exp = store().experiment(unique("exp"));
        String key = unique("fraud@data=7");
        RunInfo first = store().startRun(exp.id(), key, "fraud-train", Map.of("team", "risk"));
        RunInfo again = store().startRun(exp.id(), key, "fraud-train", Map.of("team", "risk"));

        assertThat(again.runId()).as("a retried start returns the same run").isEqualTo(first.runId());
        assertThat(first.runId()).matches("[0-9a-f]{32}");
        assertThat(first.experimentId()).isEqualTo(exp.id());
        assertThat(first.runName()).isEqualTo("fraud-train");
        assertThat(first.runKey()).isEqualTo(key);
        assertThat(first.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(first.endTime()).isEmpty();
        assertThat(first.startTime()).isBeforeOrEqualTo(Instant.now());
        assertThat(store().findRun(exp.id(), key)).contains(first);
        assertThat(store().findRun(exp.id(), unique("other"))).isEmpty();
        assertThat(store().startRun(exp.id(), unique("other"), "x", Map.of()).runId()).isNotEqualTo(first.runId());
        assertThat(store().run(first.runId()).tags())
                .containsEntry("team", "risk").containsEntry(TrackingStore.RUN_KEY_TAG, key);
    }

    @Test
    void logsParamsMetricsWithStepsAndTagsAndReadsThemBack() {
        RunInfo run = newRun(unique("log"));
        Instant t0 = Instant.parse("2026-11-30T10:00:00.123Z");
        store().log(run.runId(), LogBatch.empty()
                .withParams(Map.of("max_depth", "5", "algorithm", "gbt"))
                .withMetrics(List.of(new Metric("loss", 0.9, 0, t0), new Metric("loss", 0.5, 1, t0.plusSeconds(1)),
                        new Metric("loss", 0.25, 2, t0.plusSeconds(2)), new Metric("auc", 0.875, 0, t0)))
                .withTag("stage", "fit"));
        // A second call: more of each; the tag is replaced, an identical param is accepted.
        store().log(run.runId(), LogBatch.empty().withParam("max_depth", "5").withParam("seed", "42")
                .withTag("stage", "evaluated").withMetric("auc", 0.9, 1));

        Run back = store().run(run.runId());
        assertThat(back.params()).isEqualTo(Map.of("max_depth", "5", "algorithm", "gbt", "seed", "42"));
        assertThat(back.latestMetrics().get("loss")).isEqualTo(new Metric("loss", 0.25, 2, t0.plusSeconds(2)));
        assertThat(back.latestMetrics().get("auc").value()).isEqualTo(0.9);
        assertThat(back.latestMetrics().get("auc").step()).isEqualTo(1);
        assertThat(back.tags()).containsEntry("stage", "evaluated").containsEntry("team", "risk");
        assertThat(store().metricHistory(run.runId(), "loss")).containsExactly(
                new Metric("loss", 0.9, 0, t0), new Metric("loss", 0.5, 1, t0.plusSeconds(1)),
                new Metric("loss", 0.25, 2, t0.plusSeconds(2)));

        assertThatThrownBy(() -> store().log(run.runId(), LogBatch.empty().withParam("max_depth", "6")))
                .as("a param cannot change once logged")
                .satisfies(e -> assertThat(exitCodeOf(e)).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("max_depth");
        assertThat(store().run(run.runId()).params()).containsEntry("max_depth", "5");
    }

    @Test
    void aBatchOverMlflowLimitsArrivesComplete() {
        RunInfo run = newRun(unique("batch"));
        Instant t = Instant.parse("2026-11-30T10:00:00Z");
        List<Metric> metrics = new ArrayList<>();
        for (int k = 0; k < 25; k++) {
            for (int step = 0; step < 100; step++) {
                metrics.add(new Metric("m" + k, k * 1000 + step, step, t.plusMillis(step)));
            }
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int p = 0; p < 250; p++) {
            params.put("p" + p, "v" + p);
        }
        store().log(run.runId(), LogBatch.empty().withParams(params).withMetrics(metrics));

        Run back = store().run(run.runId());
        assertThat(back.params()).as("all 250 params").isEqualTo(params);
        assertThat(back.latestMetrics()).hasSize(25);
        assertThat(back.latestMetrics().get("m24")).isEqualTo(new Metric("m24", 24099, 99, t.plusMillis(99)));
        long values = 0;
        for (int k = 0; k < 25; k++) {
            List<Metric> history = store().metricHistory(run.runId(), "m" + k);
            assertThat(history.get(0).value()).isEqualTo(k * 1000);
            values += history.size();
        }
        assertThat(values).as("all 2500 metric values").isEqualTo(2500);
    }

    @Test
    void artifactsAreUploadedListedAndDownloaded(@TempDir Path tmp) throws Exception {
        RunInfo run = newRun(unique("art"));
        byte[] card = "# Model card\n\nAUC 0.91\n".getBytes(StandardCharsets.UTF_8);
        byte[] weights = new byte[3000];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (byte) (i * 31);
        }
        Path file = Files.write(tmp.resolve("weights.bin"), weights);
        store().uploadArtifact(run.runId(), "model/model_card.md", card);
        store().uploadArtifact(run.runId(), "model/data/weights.bin", file);
        store().uploadArtifact(run.runId(), "plots/roc curve.svg", "<svg/>".getBytes(StandardCharsets.UTF_8));

        assertThat(store().listArtifacts(run.runId())).containsExactly(
                new ArtifactInfo("model/data/weights.bin", 3000), new ArtifactInfo("model/model_card.md", card.length),
                new ArtifactInfo("plots/roc curve.svg", 6));
        assertThat(store().downloadArtifact(run.runId(), "model/data/weights.bin")).isEqualTo(weights);
        assertThat(store().downloadArtifact(run.runId(), "plots/roc curve.svg")).asString().isEqualTo("<svg/>");
        assertThat(store().run(run.runId()).artifacts()).extracting(ArtifactInfo::path)
                .containsExactly("model/data/weights.bin", "model/model_card.md", "plots/roc curve.svg");
        store().log(run.runId(), LogBatch.empty().withParam("depth", "3").withMetric("auc", 0.8, 0).withTag("k", "v"));
        Run full = store().run(run.runId());
        Run data = store().runData(run.runId());
        assertThat(data.artifacts()).as("runData lists no artifacts").isEmpty();
        assertThat(data.info()).isEqualTo(full.info());
        assertThat(data.params()).isEqualTo(full.params()).containsEntry("depth", "3");
        assertThat(data.latestMetrics()).isEqualTo(full.latestMetrics()).containsKey("auc");
        assertThat(data.tags()).isEqualTo(full.tags()).containsEntry("k", "v");

        assertThatThrownBy(() -> store().downloadArtifact(run.runId(), "model/missing.txt"))
                .satisfies(e -> assertThat(exitCodeOf(e)).isEqualTo(ExitCode.BAD_INPUT));
        assertThatThrownBy(() -> store().uploadArtifact(run.runId(), "../escape.txt", card))
                .satisfies(e -> assertThat(exitCodeOf(e)).isEqualTo(ExitCode.BAD_INPUT));
    }

    @Test
    void endRunRecordsTheStatusAndEndTime() {
        RunInfo run = newRun(unique("end"));
        store().endRun(run.runId(), RunStatus.FINISHED);
        RunInfo back = store().run(run.runId()).info();
        assertThat(back.status()).isEqualTo(RunStatus.FINISHED);
        assertThat(back.endTime()).isPresent();
        assertThat(back.endTime().get()).isAfterOrEqualTo(back.startTime());

        RunInfo failed = newRun(unique("end"));
        store().endRun(failed.runId(), RunStatus.FAILED);
        assertThat(store().run(failed.runId()).info().status()).isEqualTo(RunStatus.FAILED);
        assertThatThrownBy(() -> store().run("0123456789abcdef0123456789abcdef"))
                .satisfies(e -> assertThat(exitCodeOf(e)).isEqualTo(ExitCode.BAD_INPUT));
    }

    @Test
    void modelVersionsAreRegisteredFromRunArtifacts() {
        String model = unique("fraud");
        RunInfo run = newRun(unique("reg"));
        store().uploadArtifact(run.runId(), "model/model_card.md", "card".getBytes(StandardCharsets.UTF_8));

        RegisteredModel registered = store().registeredModel(model, "Fraud score");
        assertThat(registered.name()).isEqualTo(model);
        assertThat(registered.description()).isEqualTo("Fraud score");
        assertThat(store().registeredModel(model, "ignored: it exists").description()).isEqualTo("Fraud score");

        ModelVersion v1 = store().createModelVersion(model, run.runId(), "model", Map.of("auc", "0.91"), "first");
        ModelVersion v2 = store().createModelVersion(model, run.runId(), "model", Map.of(), "");
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v1.model()).isEqualTo(model);
        assertThat(v1.runId()).isEqualTo(run.runId());
        assertThat(v1.source()).contains(run.runId()).endsWith("/model");
        assertThat(v1.description()).isEqualTo("first");
        assertThat(v1.tags()).isEqualTo(Map.of("auc", "0.91"));

        store().setVersionTag(model, 1, "gate", "passed");
        ModelVersion back = store().modelVersion(model, 1).orElseThrow();
        assertThat(back.tags()).isEqualTo(Map.of("auc", "0.91", "gate", "passed"));
        assertThat(back.description()).isEqualTo("first");
        assertThat(store().modelVersions(model)).extracting(ModelVersion::version).containsExactly(1L, 2L);
        assertThat(store().modelVersion(model, 9)).isEmpty();
        assertThat(store().modelVersion(unique("nope"), 1)).isEmpty();
        assertThat(store().modelVersions(unique("nope"))).isEmpty();

        // A version made for a model not registered yet registers it.
        String fresh = unique("churn");
        assertThat(store().createModelVersion(fresh, run.runId(), "model/model_card.md", Map.of(), "").version())
                .isEqualTo(1);
        assertThatThrownBy(() -> store().createModelVersion(model, run.runId(), "no_such_dir", Map.of(), ""))
                .satisfies(e -> assertThat(exitCodeOf(e)).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("no_such_dir");
        assertThatThrownBy(() -> store().setVersionTag(model, 9, "k", "v"))
                .satisfies(e -> assertThat(exitCodeOf(e)).isEqualTo(ExitCode.BAD_INPUT));
    }

    @Test
    void createModelVersionOnceReusesTheVersionOfTheSameRunAndSource() {
        String model = unique("fraud");
        RunInfo run = newRun(unique("once"));
        store().uploadArtifact(run.runId(), "model/model_card.md", "card".getBytes(StandardCharsets.UTF_8));

        ModelVersion first = store().createModelVersionOnce(model, run.runId(), "model", Map.of("auc", "0.9"), "a");
        ModelVersion again = store().createModelVersionOnce(model, run.runId(), "model", Map.of("auc", "0.8"), "b");
        assertThat(again.version()).as("a repeated registration of the run's model reuses its version").isEqualTo(1);
        assertThat(again.tags()).as("the first registration's tags stay").isEqualTo(Map.of("auc", "0.9"));
        assertThat(store().modelVersions(model)).extracting(ModelVersion::version).containsExactly(1L);

        // Another source of the same run is another model: a new version.
        assertThat(store().createModelVersionOnce(model, run.runId(), "model/model_card.md", Map.of(), "").version())
                .isEqualTo(2);
        // A plain create always makes one; the once-variant then still answers the oldest.
        assertThat(store().createModelVersion(model, run.runId(), "model", Map.of(), "").version()).isEqualTo(3);
        assertThat(store().createModelVersionOnce(model, run.runId(), "model", Map.of(), "").version()).isEqualTo(1);
        assertThat(first.version()).isEqualTo(1);
    }

    @Test
    void aliasesMoveBetweenVersionsAndCanBeDeleted() {
        String model = unique("fraud");
        RunInfo run = newRun(unique("alias"));
        store().uploadArtifact(run.runId(), "model/model_card.md", "card".getBytes(StandardCharsets.UTF_8));
        store().createModelVersion(model, run.runId(), "model", Map.of(), "");
        store().createModelVersion(model, run.runId(), "model", Map.of(), "");

        assertThat(store().versionByAlias(model, "champion")).isEmpty();
        store().setAlias(model, "champion", 1);
        store().setAlias(model, "challenger", 2);
        assertThat(store().versionByAlias(model, "champion").orElseThrow().version()).isEqualTo(1);
        assertThat(store().modelVersion(model, 1).orElseThrow().aliases()).containsExactly("champion");

        store().setAlias(model, "champion", 2);
        assertThat(store().versionByAlias(model, "champion").orElseThrow().version()).isEqualTo(2);
        assertThat(store().modelVersion(model, 1).orElseThrow().aliases()).isEmpty();
        assertThat(store().modelVersion(model, 2).orElseThrow().aliases()).containsExactly("challenger", "champion");
        assertThat(store().modelVersions(model)).extracting(ModelVersion::aliases)
                .containsExactly(List.of(), List.of("challenger", "champion"));

        store().deleteAlias(model, "champion");
        assertThat(store().versionByAlias(model, "champion")).isEmpty();
        assertThat(store().versionByAlias(model, "challenger").orElseThrow().version()).isEqualTo(2);
        store().deleteAlias(model, "champion");

        assertThatThrownBy(() -> store().setAlias(model, "champion", 7))
                .satisfies(e -> assertThat(exitCodeOf(e)).isEqualTo(ExitCode.BAD_INPUT));
        assertThatThrownBy(() -> store().setAlias(model, "latest", 1))
                .satisfies(e -> assertThat(exitCodeOf(e)).isEqualTo(ExitCode.BAD_INPUT));
        assertThat(store().versionByAlias(unique("nope"), "champion")).isEmpty();
    }
}
