package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.FeatureRef;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a training set makes of its arguments: views listed twice, unknown names, a spine of local times. */
class TrainingSetInputTest {
    private static final String DB = "tsin";
    private static SparkSession spark;
    private static TestProject project;

    @BeforeAll
    static void oneViewOfHourlyCounts(@TempDir Path dir) {
        spark = TestProject.sparkWithDatabase(DB);
        // Customer 1 has one event on Jan 1 at 22:30 UTC, and one more on Jan 2 at 00:30 UTC.
        spark.sql("""
                SELECT * FROM VALUES (1L, TIMESTAMP'2026-01-01 22:30:00', 5.0D), (1L, TIMESTAMP'2026-01-02 00:30:00', 7.0D)
                AS t(customer_id, ts, amount)""").write().format("delta").mode("overwrite").saveAsTable(DB + ".events");
        project = new TestProject(dir).source("tsin_events", DB + ".events", "ts").view("tsin_spend", """
                source: tsin_events
                entities: [customer_id]
                cadence: 1h
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                  - {name: n, function: count, windows: [1d]}
                """);
        project.store().materialize("tsin_spend", day(1).minusSeconds(3 * 3600), day(1).plusSeconds(3 * 3600));
    }

    @Test
    void aViewListedTwiceSaysHowToMerge() {
        for (boolean fullNames : new boolean[] {false, true}) {
            String msg = rejected(List.of("tsin_spend:spend_1d", "tsin_spend:n_1d"), fullNames);
            assertThat(msg).contains("feature view 'tsin_spend' is listed 2 times in --features (tsin_spend:spend_1d, "
                    + "tsin_spend:n_1d)", "Fix: list each view once", "tsin_spend:f1,f2").doesNotContain("spine's column");
        }
    }

    @Test
    void unknownViewAndUnknownFeatureSayTheFix() {
        assertThat(rejected(List.of("tsin_spnd"), false)).contains("Unknown feature view 'tsin_spnd'", "Known: ",
                "tsin_spend", "Fix: name one of those views in --features");
        assertThat(rejected(List.of("tsin_spend:spend_7d"), false)).contains("Unknown feature of view tsin_spend",
                "'spend_7d'", "Known: n_1d, spend_1d", "Fix: name one of its features in --features as tsin_spend:f1,f2");
    }

    @Test
    void aSpineOfLocalTimesIsReadInItsTimeZone() {
        // 01:00 in Paris on Jan 2 is 00:00 UTC: the tick at 00:00 UTC counts only the 22:30 event. Read as UTC, the
        // spine time is an hour later and the tick at 01:00 UTC counts both.
        Dataset<Row> spine = spark.sql("SELECT 1L AS customer_id, TIMESTAMP_NTZ'2026-01-02 01:00:00' AS at, 1 AS label");
        assertThat(spine.schema().apply("at").dataType()).isEqualTo(DataTypes.TimestampNTZType);
        List<FeatureRef> refs = List.of(FeatureRef.parse("tsin_spend", "test"));

        Row paris = project.store().trainingSet(spine, "at", ZoneId.of("Europe/Paris"), refs, false).first();
        Row utc = project.store().trainingSet(spine, "at", refs).first();

        assertThat(paris.<Long>getAs("n_1d")).isEqualTo(1L);
        assertThat(paris.<Double>getAs("spend_1d")).isEqualTo(5.0);
        assertThat(utc.<Long>getAs("n_1d")).isEqualTo(2L);
        assertThat(paris.get(paris.fieldIndex("at"))).as("the spine's column comes out unchanged")
                .isEqualTo(spine.first().get(1));
    }

    private static String rejected(List<String> features, boolean fullNames) {
        Dataset<Row> spine = spark.sql("SELECT 1L AS customer_id, TIMESTAMP'2026-01-02 01:00:00' AS ts");
        List<FeatureRef> refs = features.stream().map(f -> FeatureRef.parse(f, "--features")).toList();
        IngotException e = catchThrowableOfType(IngotException.class,
                () -> project.store().trainingSet(spine, "ts", refs, fullNames));
        assertThat(e).as(features.toString()).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        return e.getMessage();
    }
}
