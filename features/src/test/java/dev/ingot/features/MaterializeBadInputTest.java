package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.Catalog;
import dev.ingot.core.ConfigProblem;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.InvalidConfigException;
import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input stops a materialization before anything is written: a clear {@link IngotException} with
 * {@link ExitCode#BAD_INPUT} whose message names the file, the key and the column, and says how to fix it; no feature
 * table, no tiles, no registry row, and an existing table keeps its Delta version.
 */
class MaterializeBadInputTest {
    private static final String DB = "mbad";
    private static final String OK = """
            source: mbad_events
            entities: [customer_id]
            aggregations:
              - {name: spend, function: sum, column: amount, windows: [1d, 2d]}
            """;
    private static SparkSession spark;
    private static TestProject project;
    private static long okVersion;

    @BeforeAll
    static void eventsAndOneGoodView(@TempDir Path dir) {
        spark = TestProject.sparkWithDatabase(DB);
        spark.sql("""
                SELECT CAST(id % 5 AS BIGINT) AS customer_id,
                       timestamp_seconds(1767225600 + (id * 7919) % (4 * 86400)) AS ts,
                       CAST(timestamp_seconds(1767225600 + (id * 7919) % (4 * 86400)) AS STRING) AS ts_text,
                       CAST(id % 100 AS DOUBLE) AS amount,
                       CONCAT('note ', id) AS note,
                       CASE WHEN id % 2 = 0 THEN 'ok' ELSE 'void' END AS status
                FROM range(200)""").write().format("delta").mode("overwrite").saveAsTable(DB + ".events");
        project = new TestProject(dir).source("mbad_events", DB + ".events", "ts").view("mbad_ok", OK);
        okVersion = project.store().materialize("mbad_ok", day(0), day(2)).deltaVersion();
    }

    @Test
    void unknownColumnInAnAggregation() {
        String msg = rejected("mbad_agg_col", """
                source: mbad_events
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amout, windows: [1d]}
                """);
        assertThat(msg).contains("'amout'", "feature_views/mbad_agg_col.yaml aggregations[0].column", "mbad.events",
                "columns: customer_id, ts, ts_text, amount, note, status", "Fix: name one of those columns");
    }

    @Test
    void unknownEntityColumn() {
        String msg = rejected("mbad_entity", """
                source: mbad_events
                entities: [customer]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                """);
        assertThat(msg).contains("entity column 'customer'", "feature_views/mbad_entity.yaml entities[0]", "mbad.events",
                "columns: customer_id, ts", "Fix:");
    }

    @Test
    void unknownColumnInATransformation() {
        String msg = rejected("mbad_tr_col", """
                source: mbad_events
                entities: [customer_id]
                transformations:
                  - {name: doubled, expr: amout * 2}
                aggregations:
                  - {name: spend, function: sum, column: doubled, windows: [1d]}
                """);
        assertThat(msg).contains("feature_views/mbad_tr_col.yaml transformations[0].expr", "amout", "columns: customer_id",
                "Fix: fix the SQL in feature_views/mbad_tr_col.yaml transformations[0].expr");
    }

    @Test
    void transformationOfTheWrongType() {
        String msg = rejected("mbad_tr_type", """
                source: mbad_events
                entities: [customer_id]
                transformations:
                  - {name: next_day, expr: "date_add(amount, 1)"}
                aggregations:
                  - {name: last_day, function: max, column: next_day, windows: [1d]}
                """);
        assertThat(msg).contains("feature_views/mbad_tr_type.yaml transformations[0].expr", "DATATYPE_MISMATCH",
                "amount", "Fix:");
    }

    @Test
    void unknownColumnInTheFilter() {
        String msg = rejected("mbad_filter", """
                source: mbad_events
                entities: [customer_id]
                filter: "statuss = 'ok'"
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                """);
        assertThat(msg).contains("feature_views/mbad_filter.yaml filter", "statuss", "columns: customer_id", "Fix:");
    }

    @Test
    void eventTimeThatIsNotATimestamp() {
        String msg = rejected("mbad_event_time", """
                source: mbad_events
                entities: [customer_id]
                event_time: ts_text
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                """);
        assertThat(msg).contains("event-time column 'ts_text'", "mbad.events", "string, not a timestamp",
                "feature_views/mbad_event_time.yaml", "Fix:");
    }

    @Test
    void sumOfAStringColumn() {
        String msg = rejected("mbad_sum_text", """
                source: mbad_events
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                  - {name: notes, function: sum, column: note, windows: [1d]}
                """);
        assertThat(msg).contains("aggregation 'notes'", "feature_views/mbad_sum_text.yaml aggregations[1]", "'note'",
                "string, not a number", "Fix: aggregate a numeric column, or cast it in a transformation");
    }

    @Test
    void emptyOrBackwardRangeLeavesAnExistingTableAlone() {
        FeatureStore store = project.store();
        for (Instant[] range : new Instant[][] {{day(2), day(2)}, {day(3), day(1)}}) {
            IngotException e = catchThrowableOfType(IngotException.class,
                    () -> store.materialize("mbad_ok", range[0], range[1]));
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(e.getMessage()).contains("--from/--to", range[0].toString(), "start is before its end");
        }
        assertUntouched();
    }

    @Test
    void rangeNotOnTheCadenceLeavesAnExistingTableAlone() {
        FeatureStore store = project.store();
        IngotException e = catchThrowableOfType(IngotException.class,
                () -> store.materialize("mbad_ok", day(0).plusSeconds(12 * 3600), day(2)));
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).contains("--from/--to", "2026-01-01T12:00:00Z", "1d cadence", "whole UTC days");
        assertUntouched();

        project.view("mbad_hourly", OK + "cadence: 1h\n");
        IngotException h = catchThrowableOfType(IngotException.class,
                () -> project.store().materialize("mbad_hourly", day(0), day(1).plusSeconds(1800)));
        assertThat(h.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(h.getMessage()).contains("2026-01-02T00:30:00Z", "1h cadence", "whole UTC hours");
        assertNothingWritten("mbad_hourly");
    }

    @Test
    void aBrokenNewDefinitionOfAMaterializedViewWritesNoNewVersion(@TempDir Path dir) {
        TestProject other = new TestProject(dir).source("mbad_events", DB + ".events", "ts")
                .view("mbad_ok", OK.replace("column: amount", "column: amount_usd"));
        IngotException e = catchThrowableOfType(IngotException.class,
                () -> other.store().materialize("mbad_ok", day(0), day(2)));
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).contains("'amount_usd'");
        assertThat(Catalog.tableExists(spark, new TableName("features", "mbad_ok_v2"))).isFalse();
        assertThat(project.store().versions("mbad_ok")).hasSize(1);
        assertUntouched();
    }

    @Test
    void unknownView() {
        IngotException e = catchThrowableOfType(IngotException.class,
                () -> project.store().materialize("mbad_nope", day(0), day(1)));
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).contains("Unknown feature view 'mbad_nope'", "feature_views", "Known: ", "mbad_ok");
    }

    @Test
    void duplicateFeatureNamesAreRejectedWhenTheProjectLoads(@TempDir Path dir) {
        TestProject p = new TestProject(dir).source("mbad_events", DB + ".events", "ts").view("dup", """
                source: mbad_events
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d, 7d]}
                  - {name: spend, function: max, column: amount, windows: [7d]}
                """);
        ConfigProblem problem = onlyProblem(p);
        assertThat(problem.file()).isEqualTo("feature_views/dup.yaml");
        assertThat(problem.keyPath()).isEqualTo("aggregations[1].name");
        assertThat(problem.problem()).contains("'spend_7d'", "already has");
        assertThat(problem.fix()).contains("another name");
    }

    @Test
    void windowThatIsNotAMultipleOfTheCadenceIsRejectedWhenTheProjectLoads(@TempDir Path dir) {
        TestProject p = new TestProject(dir).source("mbad_events", DB + ".events", "ts").view("odd", """
                source: mbad_events
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d, 36h]}
                """);
        ConfigProblem problem = onlyProblem(p);
        assertThat(problem.file()).isEqualTo("feature_views/odd.yaml");
        assertThat(problem.keyPath()).isEqualTo("aggregations[0].windows[1]");
        assertThat(problem.problem()).contains("'36h'", "not a multiple of the view's cadence 1d");
        assertThat(problem.fix()).contains("whole number of 1d ticks");
    }

    /** A real NaN in a table source (parquet and Delta keep NaN as a value) is refused as the csv text "NaN" is. */
    @Test
    void aNanInATableSourceIsBadInputAndAFilterIsTheFix(@TempDir Path dir) {
        spark.sql("""
                SELECT * FROM VALUES (1L, TIMESTAMP'2026-01-01 01:00:00', 2.0D), (1L, TIMESTAMP'2026-01-01 02:00:00', CAST('NaN' AS DOUBLE)),
                  (2L, TIMESTAMP'2026-01-01 03:00:00', 1.0D) AS t(customer_id, ts, amount)""")
                .write().format("delta").mode("overwrite").saveAsTable(DB + ".nan_events");
        TestProject p = new TestProject(dir).source("mbad_nan", DB + ".nan_events", "ts").view("mbad_nan_spend", """
                source: mbad_nan
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                """);
        IngotException e = catchThrowableOfType(IngotException.class,
                () -> p.store().materialize("mbad_nan_spend", day(0), day(1)));
        assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).doesNotContain("\n").contains("column 'amount' that feeds its features holds NaN",
                "1 row(s) of mbad.nan_events hold NaN or infinite 'amount' values, e.g. customer_id=1 at 2026-01-01 02:00:00",
                "Fix: correct the data, or leave such rows out with a 'filter' in feature_views/mbad_nan_spend.yaml");
        assertThat(Catalog.tableExists(spark, new TableName("features", "mbad_nan_spend_v1"))).isFalse();
        assertThat(p.store().versions("mbad_nan_spend")).isEmpty();

        p.view("mbad_nan_spend", """
                source: mbad_nan
                entities: [customer_id]
                filter: "NOT isnan(amount)"
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                """);
        MaterializeResult r = p.store().materialize("mbad_nan_spend", day(0), day(1));
        assertThat(spark.sql("SELECT customer_id, spend_1d FROM " + r.table().sql() + " ORDER BY 1").collectAsList()
                .stream().map(x -> x.get(0) + "=" + x.get(1)).toList()).containsExactly("1=2.0", "2=1.0");
    }

    private static final String DRIFT_VIEW = """
            source: %s
            entities: [customer_id]
            aggregations:
              - {name: spend, function: %s, column: amount, windows: [1d]}
            """;

    /**
     * A table source rewritten between two materializations ({@code overwriteSchema}): the first run writes version
     * 1 from {@code amount} of type {@code before}; the second, over the table with {@code after}, is refused with
     * the message returned (null when it is accepted) and the feature table's Delta version unchanged.
     */
    private static String drift(Path dir, String name, String function, String before, String afterSelect) {
        String table = DB + "." + name;
        spark.sql("SELECT CAST(id % 2 AS BIGINT) AS customer_id, timestamp_seconds(1767225600 + id * 3600) AS ts,"
                + " CAST(id AS " + before + ") AS amount FROM range(6)")
                .write().format("delta").mode("overwrite").saveAsTable(table);
        TestProject p = new TestProject(dir).source(name, table, "ts").view(name + "_f", DRIFT_VIEW.formatted(name, function));
        MaterializeResult first = p.store().materialize(name + "_f", day(0), day(1));
        spark.sql("SELECT customer_id, ts, " + afterSelect + " FROM (SELECT CAST(id % 2 AS BIGINT) AS customer_id,"
                + " timestamp_seconds(1767225600 + id * 3600) AS ts, CAST(id AS " + before + ") AS amount FROM range(6))")
                .write().format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(table);
        try {
            MaterializeResult second = p.store().materialize(name + "_f", day(0), day(2));
            assertThat(second.version()).as("the same version of the view").isEqualTo(first.version());
            return null;
        } catch (IngotException e) {
            assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(e.getMessage()).doesNotContain("\n");
            assertThat(Lineage.latestVersion(spark, first.table())).as("Delta version of " + first.table())
                    .isEqualTo(first.deltaVersion());
            assertThat(p.store().versions(name + "_f")).as("no new version of the view").hasSize(1);
            return e.getMessage();
        }
    }

    @Test
    void aTableSourceWhoseColumnChangedTypeIsRefusedNamingBothTypes(@TempDir Path dir) {
        String msg = drift(dir, "drift_type", "max", "double", "CAST(amount AS STRING) AS amount");
        assertThat(msg).contains("column 'amount' of mbad.drift_type, which feature_views/drift_type_f.yaml uses, changed"
                + " type from double to string since the last materialization of features.drift_type_f_v1",
                "Fix: restore its type in mbad.drift_type, or convert it back in a transformation",
                "CAST(amount AS DOUBLE)");
    }

    @Test
    void aTableSourceWhoseColumnWasRenamedIsRefused(@TempDir Path dir) {
        String msg = drift(dir, "drift_renamed", "sum", "double", "amount AS amount_usd");
        assertThat(msg).contains("column 'amount' (double), which feature_views/drift_renamed_f.yaml uses, was dropped or"
                + " renamed in mbad.drift_renamed", "columns now: customer_id, ts, amount_usd", "Fix: restore the column");
    }

    @Test
    void aTableSourceWithAnAddedColumnIsMaterializedAsBefore(@TempDir Path dir) {
        assertThat(drift(dir, "drift_added", "sum", "double", "amount, 'x' AS note")).isNull();
        assertThat(spark.sql("SELECT CAST(feature_date AS STRING), customer_id, spend_1d FROM features.drift_added_f_v1"
                + " WHERE feature_date = DATE'2026-01-02' ORDER BY 1, 2").collectAsList().stream().map(r -> r.get(0) + "/" + r.get(1) + "=" + r.get(2)).toList())
                .containsExactly("2026-01-02/0=6.0", "2026-01-02/1=9.0");
    }

    /** int to bigint: a sum stays a bigint, its values the same; accepted. */
    @Test
    void aTableSourceWhoseIntColumnWidenedToBigintKeepsItsSums(@TempDir Path dir) {
        assertThat(drift(dir, "drift_wide", "sum", "int", "CAST(amount AS BIGINT) AS amount")).isNull();
        assertThat(spark.sql("SELECT CAST(feature_date AS STRING), customer_id, spend_1d FROM features.drift_wide_f_v1"
                + " WHERE feature_date = DATE'2026-01-02' ORDER BY 1, 2").collectAsList().stream().map(r -> r.get(0) + "/" + r.get(1) + "=" + r.get(2)).toList())
                .containsExactly("2026-01-02/0=6", "2026-01-02/1=9");
    }

    /**
     * int to bigint under a max: the stored int feature cannot take bigint values; under a distinct count the feature
     * stays a bigint count, but the stored partial aggregates are sets of ints. Both refused before anything runs.
     */
    @ParameterizedTest
    @ValueSource(strings = {"max", "approx_count_distinct"})
    void aWideningThatWouldChangeAStoredTypeIsRefused(String function, @TempDir Path dir) {
        String name = "drift_" + (function.equals("max") ? "max" : "acd");
        String msg = drift(dir, name, function, "int", "CAST(amount AS BIGINT) AS amount");
        assertThat(msg).contains(function.equals("max")
                ? "feature 'spend_1d' of features.drift_max_f_v1 is int, and the source mbad.drift_max as it is now makes"
                        + " it bigint"
                : "the partial aggregates in features.drift_acd_f_v1__tiles hold");
        assertThat(msg).contains(function.equals("max") ? "bigint" : "as array<int>, and the source mbad.drift_acd as it"
                + " is now makes it array<bigint>", "Fix: restore the column's type in mbad." + name + ", or cast it back");
    }

    private static ConfigProblem onlyProblem(TestProject p) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, p::load);
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.problems()).hasSize(1);
        return e.problems().get(0);
    }

    /** Materializing {@code view} fails with bad input, and writes nothing; returns the message. */
    private static String rejected(String view, String yaml) {
        project.view(view, yaml);
        IngotException e = catchThrowableOfType(IngotException.class,
                () -> project.store().materialize(view, day(0), day(2)));
        assertThat(e).as("materializing " + view).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).startsWith("Cannot materialize feature view '" + view + "'");
        assertNothingWritten(view);
        return e.getMessage();
    }

    private static void assertNothingWritten(String view) {
        assertThat(Catalog.tableExists(spark, new TableName("features", view + "_v1"))).as("feature table").isFalse();
        assertThat(Catalog.tableExists(spark, new TableName("features", view + "_v1__tiles"))).as("tiles").isFalse();
        assertThat(project.store().versions(view)).as("registry").isEmpty();
        assertThat(spark.sql("SELECT * FROM ingot.lineage WHERE output_table LIKE 'features." + view + "\\_v%'").count())
                .as("lineage").isZero();
    }

    private static void assertUntouched() {
        TableName t = new TableName("features", "mbad_ok_v1");
        assertThat(Lineage.latestVersion(spark, t)).as("Delta version of " + t).isEqualTo(okVersion);
    }
}
