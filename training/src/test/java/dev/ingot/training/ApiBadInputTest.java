package dev.ingot.training;

import static dev.ingot.core.BadInput.assertBadInput;
import static dev.ingot.core.BadInput.bad;

import dev.ingot.core.Location;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ModelDef.Algorithm;
import dev.ingot.core.config.TrackingSettings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exit-code contract of the training API: a bad value given to {@link Trainer}, {@link PromotionGate},
 * {@link Reports}, {@link TrackingStore} (the local store) or a record of this package is bad input (exit code 2 on the
 * command line), never an IllegalArgumentException or NullPointerException (exit code 3). No case fits a model.
 */
class ApiBadInputTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static TrackingStore store;

    @AfterAll
    static void close() {
        if (store != null) {
            store.close();
        }
    }

    static Stream<Arguments> badValues() {
        SparkSession spark = TestSpark.session();
        ModelDef spec = TrainingData.spec(Algorithm.LOGISTIC_REGRESSION, Map.of());
        Trainer trainer = Trainer.of(spark, TrainingData.project());
        store = TrackingStore.open(TrackingSettings.local(), spark, Location.of(TestSpark.warehouse()));
        String experiment = store.experiment("api-bad-input").id();
        String runId = store.startRun(experiment, "api-bad-input-" + System.nanoTime(), "bad", Map.of()).runId();
        Map<String, String> nullKey = Collections.singletonMap(null, "v");
        return Stream.of(
                bad("Trainer.of without a session", () -> Trainer.of(null, TrainingData.project())),
                bad("Trainer.of without a project", () -> Trainer.of(spark, null)),
                bad("Trainer.validate(null)", () -> Trainer.validate(null)),
                bad("Trainer.train without a spec", () -> trainer.train(null, TrainingData.frame(1))),
                bad("Trainer.train without data", () -> trainer.train(spec, null)),
                bad("PromotionGate.decide without a spec",
                        () -> PromotionGate.decide(null, Map.of(), Optional.empty())),
                bad("PromotionGate.decide without metrics",
                        () -> PromotionGate.decide(spec, (Map<String, Double>) null, Optional.empty())),
                bad("PromotionGate.decide with a null champion", () -> PromotionGate.decide(spec, Map.of(), null)),
                bad("Reports.rocCurveSvg(null)", () -> Reports.rocCurveSvg(null)),
                bad("Reports.prCurveSvg(null)", () -> Reports.prCurveSvg(null)),
                bad("Reports.importanceSvg(null)", () -> Reports.importanceSvg(null, 5)),
                bad("Reports.charts(null)", () -> Reports.charts(null)),
                bad("Reports.modelCard without a result",
                        () -> Reports.modelCard(spec, null, Optional.empty(), Optional.empty(), Map.of())),
                bad("TrackingStore.open without settings",
                        () -> TrackingStore.open(null, spark, Location.of(Path.of("/tmp")))),
                bad("TrackingStore.open local without a session",
                        () -> TrackingStore.open(TrackingSettings.local(), null, Location.of(Path.of("/tmp")))),
                bad("TrackingStore.open local without a warehouse",
                        () -> TrackingStore.open(TrackingSettings.local(), spark, null)),
                bad("LogBatch with null params", () -> new LogBatch(null, List.of(), Map.of())),
                bad("LogBatch with null metrics", () -> new LogBatch(Map.of(), null, Map.of())),
                bad("LogBatch with a null metric",
                        () -> new LogBatch(Map.of(), Collections.singletonList(null), Map.of())),
                bad("LogBatch with null tags", () -> new LogBatch(Map.of(), List.of(), null)),
                bad("LogBatch with a null param key", () -> new LogBatch(nullKey, List.of(), Map.of())),
                bad("LogBatch.withParam with a null key", () -> LogBatch.empty().withParam(null, "v")),
                bad("LogBatch.withParam with a null value", () -> LogBatch.empty().withParam("k", null)),
                bad("LogBatch.withParam with a bad key", () -> LogBatch.empty().withParam("../k", "v")),
                bad("LogBatch.withParams(null)", () -> LogBatch.empty().withParams(null)),
                bad("LogBatch.withParam changing a value",
                        () -> LogBatch.empty().withParam("k", "1").withParam("k", "2")),
                bad("LogBatch.withTag with a null key", () -> LogBatch.empty().withTag(null, "v")),
                bad("LogBatch.withTag with a null value", () -> LogBatch.empty().withTag("k", null)),
                bad("LogBatch.withTags(null)", () -> LogBatch.empty().withTags(null)),
                bad("LogBatch.withMetrics(null)", () -> LogBatch.empty().withMetrics(null)),
                bad("LogBatch.withMetric with a null key", () -> LogBatch.empty().withMetric(null, 1, 0)),
                bad("Metric without a key", () -> new Metric(null, 1, 0, T0)),
                bad("Metric without a timestamp", () -> new Metric("auc", 1, 0, null)),
                bad("Metric.of with a bad key", () -> Metric.of("a\"b", 1)),
                bad("Experiment without an id", () -> new Experiment(null, "e")),
                bad("Experiment without a name", () -> new Experiment("1", null)),
                bad("ArtifactInfo without a path", () -> new ArtifactInfo(null, 1)),
                bad("FeatureImportance without a name", () -> new FeatureImportance(null, 1)),
                bad("RunInfo without a run id", () -> runInfo(null, Optional.empty())),
                bad("RunInfo without an end time", () -> runInfo("r", null)),
                bad("Run without info", () -> new Run(null, Map.of(), Map.of(), Map.of(), List.of())),
                bad("Run with null params", () -> new Run(runInfo("r", Optional.empty()), null, Map.of(), Map.of(),
                        List.of())),
                bad("Run with null artifacts", () -> new Run(runInfo("r", Optional.empty()), Map.of(), Map.of(),
                        Map.of(), null)),
                bad("RegisteredModel without a name", () -> new RegisteredModel(null, "", T0)),
                bad("ModelVersion without a run id", () -> version(null, Map.of(), List.of())),
                bad("ModelVersion with null tags", () -> version("r", null, List.of())),
                bad("ModelVersion with null aliases", () -> version("r", Map.of(), null)),
                bad("Split without a test start", () -> new Split(T0, T0, Optional.empty(), null, T0, 1, 0, 1, 0)),
                bad("GroupMetrics with null gaps", () -> new GroupMetrics("segment", Map.of(), Map.of(), null)),
                bad("GateDecision with null outcomes", () -> new GateDecision(true, null)),
                bad("RuleOutcome without a bound",
                        () -> new GateDecision.RuleOutcome("auc >= 0.7", true, 0.8, null, "auc 0.8 >= 0.7")),
                bad("TrainingSetRef without a table", () -> new TrainingSetRef(null, OptionalLong.empty())),
                bad("TrainingResult with null metrics", () -> new TrainingResult("m", Algorithm.GBT_CLASSIFIER, 1,
                        Map.of(), List.of(), new Split(T0, T0, Optional.empty(), T0, T0, 1, 0, 1, 0), null, Map.of(), 1,
                        Optional.empty(), List.of(), List.of(), List.of(), null, Optional.empty())),
                bad("store.experiment(null)", () -> store.experiment(null)),
                bad("store.startRun without an experiment", () -> store.startRun(null, "k", "n", Map.of())),
                bad("store.startRun without a key", () -> store.startRun(experiment, null, "n", Map.of())),
                bad("store.startRun without a name", () -> store.startRun(experiment, "k2", null, Map.of())),
                bad("store.startRun with null tags", () -> store.startRun(experiment, "k3", "n", null)),
                bad("store.log to an unknown run",
                        () -> store.log("0".repeat(32), LogBatch.empty().withParam("a", "b"))),
                bad("store.log without a run", () -> store.log(null, LogBatch.empty())),
                bad("store.log without a batch", () -> store.log(runId, null)),
                bad("store.uploadArtifact without bytes", () -> store.uploadArtifact(runId, "a.txt", (byte[]) null)),
                bad("store.uploadArtifact without a file", () -> store.uploadArtifact(runId, "a.txt", (Path) null)),
                bad("store.uploadArtifact of a missing file",
                        () -> store.uploadArtifact(runId, "a.txt", Path.of("/nonexistent/ingot/a.txt"))),
                bad("store.uploadArtifact to a path outside the run",
                        () -> store.uploadArtifact(runId, "../a", new byte[1])),
                bad("store.downloadArtifact of a missing artifact", () -> store.downloadArtifact(runId, "none.txt")),
                // The local store reads artifacts from disk: a path out of the run's folder would read any file.
                bad("store.downloadArtifact of a path outside the run (..)",
                        () -> store.downloadArtifact(runId, "../../../../../../etc/passwd")),
                bad("store.downloadArtifact of a path outside the run (model/../..)",
                        () -> store.downloadArtifact(runId, "model/../../" + runId + "/model/model.onnx")),
                bad("store.downloadArtifact of an absolute path", () -> store.downloadArtifact(runId, "/etc/passwd")),
                bad("store.downloadArtifact of a Windows path", () -> store.downloadArtifact(runId, "..\\..\\x")),
                bad("store.endRun without a status", () -> store.endRun(runId, null)),
                bad("store.endRun as RUNNING", () -> store.endRun(runId, RunStatus.RUNNING)),
                bad("store.run(null)", () -> store.run(null)),
                bad("store.run of an unknown run", () -> store.run("0".repeat(32))),
                bad("store.metricHistory without a key", () -> store.metricHistory(runId, null)),
                bad("store.registeredModel without a name", () -> store.registeredModel(null, "")),
                bad("store.createModelVersion without a model", () -> store.createModelVersion(null, runId, "model",
                        Map.of(), "")),
                bad("store.createModelVersion without a run", () -> store.createModelVersion("m", null, "model",
                        Map.of(), "")),
                bad("store.createModelVersion with null tags", () -> store.createModelVersion("m", runId, "model",
                        null, "")),
                bad("store.createModelVersion from a missing artifact", () -> store.createModelVersion("m", runId,
                        "model", Map.of(), "")),
                bad("store.setAlias without an alias", () -> store.setAlias("m", null, 1)),
                bad("store.setAlias to version 0", () -> store.setAlias("m", "champion", 0)),
                bad("store.setVersionTag without a key", () -> store.setVersionTag("m", 1, null, "v")),
                bad("store.modelVersions(null)", () -> store.modelVersions(null)),
                bad("store.versionByAlias without an alias", () -> store.versionByAlias("m", null)),
                bad("store.deleteAlias without a model", () -> store.deleteAlias(null, "champion")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void aBadValueIsBadInputExitCode2(String what, ThrowingCallable call) {
        assertBadInput(what, call);
    }

    private static RunInfo runInfo(String runId, Optional<Instant> end) {
        return new RunInfo(runId, "1", "run", "key", RunStatus.RUNNING, T0, end, "mlflow-artifacts:/1/r");
    }

    private static ModelVersion version(String runId, Map<String, String> tags, List<String> aliases) {
        return new ModelVersion("m", 1, runId, "runs:/r/model", "", tags, aliases, T0);
    }
}
