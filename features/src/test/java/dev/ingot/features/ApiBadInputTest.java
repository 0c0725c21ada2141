package dev.ingot.features;

import static dev.ingot.core.BadInput.assertBadInput;
import static dev.ingot.core.BadInput.bad;

import dev.ingot.core.TableName;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.FeatureRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exit-code contract of the features API: a bad value given to {@link FeatureStore} or a result record is bad
 * input (exit code 2 on the command line), never an IllegalArgumentException or NullPointerException (exit code 3).
 * Every case is refused before a Spark job runs: the view {@code fbad_view} is never materialized.
 */
class ApiBadInputTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T1 = Instant.parse("2026-01-02T00:00:00Z");
    private static final TableName OUT = new TableName("ml", "fbad_training");
    private static final List<FeatureRef> REFS = List.of(new FeatureRef("fbad_view", List.of()));

    static Stream<Arguments> badValues() throws Exception {
        SparkSession spark = TestSpark.session();
        Path dir = Files.createTempDirectory("fbad");
        TestProject project = new TestProject(dir).source("fbad_events", "fbad.events", "ts").view("fbad_view", """
                source: fbad_events
                entities: [customer_id]
                aggregations:
                  - {name: n, function: count, windows: [1d]}
                """);
        FeatureStore store = project.store();
        Dataset<Row> spine = spark.sql("SELECT CAST(1 AS BIGINT) AS customer_id, TIMESTAMP'2026-01-02 00:00:00' AS ts");
        return Stream.of(
                bad("FeatureStore.of without a session", () -> FeatureStore.of(null, project.load())),
                bad("FeatureStore.of without a project", () -> FeatureStore.of(spark, null)),
                bad("withChunkSteps(0)", () -> store.withChunkSteps(0)),
                bad("withChunkSteps(-3)", () -> store.withChunkSteps(-3)),
                bad("checkChunkSteps(0)", () -> FeatureStore.checkChunkSteps(0)),
                bad("withGate(null)", () -> store.withGate(null)),
                bad("materialize a null view", () -> store.materialize(null, T0, T1)),
                bad("materialize an unknown view", () -> store.materialize("fbad_nope", T0, T1)),
                bad("materialize an empty range", () -> store.materialize("fbad_view", T0, T0)),
                bad("materialize a backward range", () -> store.materialize("fbad_view", T1, T0)),
                bad("materialize from null", () -> store.materialize("fbad_view", null, T1)),
                bad("materialize off the view's cadence", () -> store.materialize("fbad_view", T0.plusSeconds(3600), T1)),
                bad("checkBeforeRun of an unknown view", () -> FeatureStore.checkBeforeRun(project.load(), "fbad_nope",
                        T0, T1)),
                bad("materialize with a null run id", () -> store.materialize("fbad_view", T0, T1, null)),
                bad("versions of a null view", () -> store.versions(null)),
                bad("latest of a view never materialized", () -> store.latest("fbad_view")),
                bad("read an unknown view", () -> store.read("fbad_nope")),
                bad("readAsOf a negative Delta version", () -> store.readAsOf("fbad_view", 1, -1L)),
                bad("readAsOf a null time", () -> store.readAsOf("fbad_view", 1, (Instant) null)),
                bad("trainingSet of a null spine", () -> store.trainingSet(null, "ts", REFS)),
                bad("trainingSet with an invalid time column", () -> store.trainingSet(spine, "ts; DROP", REFS)),
                bad("trainingSet with a null time column", () -> store.trainingSet(spine, null, REFS)),
                bad("trainingSet without features", () -> store.trainingSet(spine, "ts", List.of())),
                bad("trainingSet with null features", () -> store.trainingSet(spine, "ts", null)),
                bad("writeTrainingSet of a null spine table", () -> store.writeTrainingSet(null, "ts", REFS, OUT)),
                bad("writeTrainingSet to a null table", () -> store.writeTrainingSet(new TableName("fbad", "spine"), "ts",
                        REFS, null)),
                bad("writeTrainingSet of a missing spine", () -> store.writeTrainingSet(new TableName("fbad", "spine"),
                        "ts", REFS, OUT)),
                bad("checkTrainingSetArguments with an invalid column", () -> FeatureStore.checkTrainingSetArguments(
                        project.load(), "2ts", REFS)),
                bad("checkTrainingSetArguments of an unknown view", () -> FeatureStore.checkTrainingSetArguments(
                        project.load(), "ts", List.of(new FeatureRef("fbad_nope", List.of())))),
                bad("checkTrainingSetArguments without a project", () -> FeatureStore.checkTrainingSetArguments(
                        null, "ts", REFS)),
                bad("MaterializeResult without a change", () -> new MaterializeResult("v", 1, null,
                        new TableName("features", "v_v1"), 0, T0, T1, 0, 1, 0, 0.0, Optional.empty())),
                bad("MaterializeResult with a null gate", () -> new MaterializeResult("v", 1, MaterializeResult.Change.NEW,
                        new TableName("features", "v_v1"), 0, T0, T1, 0, 1, 0, 0.0, null)),
                bad("GateSummary with negative quarantined rows", () -> new MaterializeResult.GateSummary(List.of("s"), -1,
                        List.of(), List.of())),
                bad("FeatureViewVersion version 0", () -> new FeatureViewVersion("v", 0, new TableName("features", "v_v1"),
                        "h", "k", Map.of(), List.of(), List.of("id"), "1d", 86400, T0, T0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void aBadValueIsBadInputExitCode2(String what, ThrowingCallable call) {
        assertBadInput(what, call);
    }
}
