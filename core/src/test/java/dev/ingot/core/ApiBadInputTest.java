package dev.ingot.core;

import static dev.ingot.core.BadInput.assertBadInput;
import static dev.ingot.core.BadInput.bad;

import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.core.config.ProjectSettings;
import dev.ingot.core.config.SourceDef;
import dev.ingot.core.config.TimeSpan;
import dev.ingot.core.config.TrackingSettings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exit-code contract of core's public API: a bad value given to any public record, factory or method is bad input
 * (exit code 2 on the command line), never an IllegalArgumentException or NullPointerException (exit code 3).
 */
class ApiBadInputTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T1 = Instant.parse("2026-01-02T00:00:00Z");
    private static final TableName T = new TableName("raw", "events");
    private static final ProjectSettings SETTINGS = new ProjectSettings("p", "", Location.of(Path.of("/tmp/wh")), CatalogSettings.embedded(),
            TrackingSettings.local(), Map.of(), GpuPolicy.OFF);
    private static final Lineage.Input INPUT = new Lineage.Input("events", "raw.events", Optional.of(3L));

    static Stream<Arguments> badValues() {
        return Stream.of(
                bad("TimeSpan of 0 seconds", () -> new TimeSpan(0, "0d")),
                bad("TimeSpan of negative seconds", () -> new TimeSpan(-60, "-1m")),
                bad("TimeSpan without text", () -> new TimeSpan(60, null)),
                bad("TimeRange with a null start", () -> new TimeRange(null, T1)),
                bad("TimeRange with a null end", () -> new TimeRange(T0, null)),
                bad("TimeRange that is empty", () -> new TimeRange(T0, T0)),
                bad("TimeRange that is backwards", () -> new TimeRange(T1, T0)),
                bad("TableName with a null database", () -> new TableName(null, "t")),
                bad("TableName with an empty table", () -> new TableName("db", "")),
                bad("TableName with an invalid name", () -> new TableName("db", "Bad-Name")),
                bad("TableName.parse(null)", () -> TableName.parse(null)),
                bad("TableName.parse of three parts", () -> TableName.parse("a.b.c")),
                bad("Tables.featureTable version 0", () -> Tables.featureTable("spend", 0)),
                bad("Tables.featureTable negative version", () -> Tables.featureTable("spend", -1)),
                bad("Tables.featureTable null view", () -> Tables.featureTable(null, 1)),
                bad("Tables.featureTable invalid view", () -> Tables.featureTable("spend; DROP", 1)),
                bad("Tables.quarantine(null)", () -> Tables.quarantine(null)),
                bad("Tables.staging(null)", () -> Tables.staging(null)),
                bad("Tables.scores empty", () -> Tables.scores("")),
                bad("Identifiers.quoteColumn(null)", () -> Identifiers.quoteColumn(null)),
                bad("Identifiers.quoteColumn empty", () -> Identifiers.quoteColumn("")),
                bad("Identifiers.quoteColumn injection", () -> Identifiers.quoteColumn("a` OR 1=1 --")),
                bad("Identifiers.requireName(null)", () -> Identifiers.requireName("view", null)),
                bad("SourceDef with both table and path", () -> source("s", Optional.of(T), Optional.of("/data"), "ts")),
                bad("SourceDef with neither table nor path", () -> source("s", Optional.empty(), Optional.empty(), "ts")),
                bad("SourceDef with a null name", () -> source(null, Optional.of(T), Optional.empty(), "ts")),
                bad("SourceDef with an invalid name", () -> source("Bad Name", Optional.of(T), Optional.empty(), "ts")),
                bad("SourceDef with a null table", () -> source("s", null, Optional.of("/data"), "ts")),
                bad("SourceDef with a null event time", () -> source("s", Optional.of(T), Optional.empty(), null)),
                bad("SourceDef with an invalid event time", () -> source("s", Optional.of(T), Optional.empty(), "event time")),
                bad("SourceDef with null options", () -> new SourceDef("s", "", Optional.of(T), Optional.empty(),
                        SourceDef.Format.DELTA, null, Map.of(), "ts")),
                bad("SourceDef with a null format", () -> new SourceDef("s", "", Optional.of(T), Optional.empty(), null,
                        Map.of(), Map.of(), "ts")),
                bad("ConfigProblem with a null file", () -> new ConfigProblem(null, "", "p", "f")),
                bad("ProjectSettings with a null warehouse", () -> new ProjectSettings("p", "", null,
                        CatalogSettings.embedded(), TrackingSettings.local(), Map.of(), GpuPolicy.OFF)),
                bad("ProjectSettings with a null GPU policy", () -> new ProjectSettings("p", "", Location.of(Path.of("/tmp/wh")),
                        CatalogSettings.embedded(), TrackingSettings.local(), Map.of(), null)),
                bad("Project with a null directory", () -> new Project(null, SETTINGS, Map.of(), Map.of(), Map.of(), Map.of())),
                bad("Project with null sources", () -> new Project(Path.of("/p"), SETTINGS, null, Map.of(), Map.of(), Map.of())),
                bad("Project.withWarehouse(null)", () -> new Project(Path.of("/p"), SETTINGS, Map.of(), Map.of(), Map.of(),
                        Map.of()).withWarehouse(null)),
                bad("ProjectLoader.load(null)", () -> ProjectLoader.load(null)),
                bad("ProjectLoader.load of a missing directory", () -> ProjectLoader.load(Path.of("/no/such/project"))),
                bad("Lineage.Input with a null name", () -> new Lineage.Input(null, "raw.events", Optional.empty())),
                bad("Lineage.Input with a null version", () -> new Lineage.Input("events", "raw.events", null)),
                bad("Lineage.Entry with a null output", () -> new Lineage.Entry("run", "cmd", null, Optional.empty(), "op",
                        List.of(INPUT), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), T0, T1, Map.of())),
                bad("Lineage.Entry with null inputs", () -> new Lineage.Entry("run", "cmd", T, Optional.empty(), "op", null,
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), T0, T1, Map.of())),
                bad("Lineage.CommitInfo with a null run id", () -> new Lineage.CommitInfo(null, "cmd", "v", Optional.empty(),
                        List.of(), Map.of())),
                bad("Lineage.commitMetadata with null inputs", () -> Lineage.commitMetadata("run", "cmd", null,
                        Optional.empty(), Map.of())),
                bad("IngotSessions.builder(null)", () -> IngotSessions.builder(null)),
                bad("IngotSessions appName(null)", () -> IngotSessions.builder(SETTINGS).appName(null)),
                bad("IngotSessions conf with a null key", () -> IngotSessions.builder(SETTINGS).conf(null, "v")),
                bad("IngotSessions conf with a null value", () -> IngotSessions.builder(SETTINGS).conf("spark.x", null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void aBadValueIsBadInputExitCode2(String what, ThrowingCallable call) {
        assertBadInput(what, call);
    }

    private static SourceDef source(String name, Optional<TableName> table, Optional<String> path, String eventTime) {
        return new SourceDef(name, "", table, path, SourceDef.Format.DELTA, Map.of(), Map.of(), eventTime);
    }
}
