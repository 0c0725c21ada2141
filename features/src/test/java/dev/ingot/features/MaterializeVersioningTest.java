package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.Project;
import dev.ingot.features.Reference.Feature;
import dev.ingot.features.internal.ViewFingerprint;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions follow the definition: the same definition keeps its version; added features keep it and evolve the
 * table's schema; a changed feature, key, filter, cadence or source makes a new table, and the old one stays
 * readable. Every commit carries its lineage (definition hash, source Delta version, range) in the Delta commit info
 * and in {@code ingot.lineage}; tables read as of a Delta version or a time; training sets record their lineage.
 */
class MaterializeVersioningTest {
    private static final String DB = "mver";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = """
            source: mver_events
            entities: [customer_id]
            transformations:
              - name: cents
                expr: CAST(amount * 100 AS BIGINT)
            aggregations:
              - {name: spend, function: sum, column: amount, windows: [1d, 3d]}
            """;
    /** A plus a new aggregation and a new (longer) window of an existing one: compatible. */
    private static final String B = A + """
              - {name: top_cents, function: max, column: cents, windows: [3d]}
            """;
    private static final String B_WITH_7D = B.replace("windows: [1d, 3d]}", "windows: [1d, 3d, 7d]}");
    /** B with a window of an existing feature changed (3d to 2d): a new version. */
    private static final String C = B_WITH_7D.replace("windows: [1d, 3d, 7d]}", "windows: [1d, 2d, 7d]}");

    private static SparkSession spark;
    private static TestProject project;
    /** A second project for fingerprints of variants (some of which would not load next to the real view). */
    private static TestProject probes;
    private static long sourceVersion;
    private static MaterializeResult first;
    private static MaterializeResult evolved;
    private static MaterializeResult unchanged;
    private static MaterializeResult second;
    private static Row firstCommit;

    @BeforeAll
    static void materializeThroughThreeDefinitions(@TempDir Path dir, @TempDir Path probeDir) {
        spark = TestProject.sparkWithDatabase(DB);
        spark.sql("""
                SELECT CAST(pmod(hash(id, 1), 10) AS BIGINT) AS customer_id,
                       timestamp_seconds(1767225600 + pmod(hash(id, 2), 8 * 86400)) AS ts,
                       CAST(pmod(hash(id, 3), 4000) AS DOUBLE) / 4 AS amount
                FROM range(1200)""").write().format("delta").mode("overwrite").saveAsTable(DB + ".events");
        sourceVersion = Lineage.latestVersion(spark, new TableName(DB, "events"));
        project = new TestProject(dir).source("mver_events", DB + ".events", "ts").view("mver_spend", A);
        probes = new TestProject(probeDir).source("mver_events", DB + ".events", "ts")
                .source("mver_other", DB + ".other", "ts");
        first = project.store().materialize("mver_spend", day(0), day(5));
        firstCommit = spark.sql("DESCRIBE HISTORY features.mver_spend_v1 LIMIT 1").first();

        project.view("mver_spend", B_WITH_7D);
        evolved = project.store().materialize("mver_spend", day(5), day(7));
        unchanged = project.store().materialize("mver_spend", day(6), day(7));

        project.view("mver_spend", C);
        second = project.store().materialize("mver_spend", day(0), day(7));
    }

    @Test
    void addingFeaturesKeepsTheVersionAndEvolvesTheSchemaChangingOneMakesANewVersion() {
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.change()).isEqualTo(MaterializeResult.Change.NEW);
        assertThat(evolved.version()).isEqualTo(1);
        assertThat(evolved.change()).isEqualTo(MaterializeResult.Change.EVOLVED);
        assertThat(evolved.table()).isEqualTo(first.table());
        assertThat(unchanged.version()).isEqualTo(1);
        assertThat(unchanged.change()).isEqualTo(MaterializeResult.Change.UNCHANGED);
        assertThat(second.version()).isEqualTo(2);
        assertThat(second.change()).isEqualTo(MaterializeResult.Change.NEW);
        assertThat(second.table().toString()).isEqualTo("features.mver_spend_v2");

        assertThat(spark.table("features.mver_spend_v1").columns()).containsExactly("customer_id", "feature_time",
                "feature_date", "spend_1d", "spend_3d", "spend_7d", "top_cents_3d");
        assertThat(spark.table("features.mver_spend_v2").columns()).containsExactly("customer_id", "feature_time",
                "feature_date", "spend_1d", "spend_2d", "spend_7d", "top_cents_3d");
    }

    @Test
    void rowsWrittenBeforeTheSchemaEvolvedKeepTheirValuesAndGetNullsForTheNewFeatures() {
        Dataset<Row> before = spark.sql("SELECT customer_id, feature_time, spend_1d, spend_3d FROM features.mver_spend_v1 "
                + "VERSION AS OF " + first.deltaVersion());
        Dataset<Row> now = spark.table("features.mver_spend_v1").where("feature_time <= TIMESTAMP'2026-01-06 00:00:00'");
        List<List<Row>> diff = TestProject.differences(now.select("customer_id", "feature_time", "spend_1d", "spend_3d"), before);
        assertThat(diff.get(0)).isEmpty();
        assertThat(diff.get(1)).isEmpty();
        assertThat(now.where("spend_7d IS NOT NULL OR top_cents_3d IS NOT NULL").count()).isZero();
    }

    @Test
    void rowsWrittenAfterTheSchemaEvolvedHaveEveryFeatureRightIncludingWindowsOverOlderTiles() {
        // Ticks of days 6 and 7: their 3d and 7d windows reach back over tiles written before the view evolved.
        spark.sql("SELECT *, CAST(amount * 100 AS BIGINT) AS cents FROM mver.events").createOrReplaceTempView("mver_input");
        List<Feature> features = List.of(new Feature("spend_1d", "sum", "amount", 86400),
                new Feature("spend_3d", "sum", "amount", 3 * 86400), new Feature("spend_7d", "sum", "amount", 7 * 86400),
                new Feature("top_cents_3d", "max", "cents", 3 * 86400));
        Dataset<Row> expected = spark.sql(Reference.sql("mver_input", "ts", List.of("customer_id"), day(5), day(7), 86400,
                features));
        Dataset<Row> got = spark.table("features.mver_spend_v1").where("feature_time > TIMESTAMP'2026-01-06 00:00:00'")
                .select("customer_id", "feature_time", "spend_1d", "spend_3d", "spend_7d", "top_cents_3d");
        List<List<Row>> diff = TestProject.differences(got, expected);
        assertThat(diff.get(0)).as("materialized, not in the reference").isEmpty();
        assertThat(diff.get(1)).as("in the reference, not materialized").isEmpty();
    }

    @Test
    void theOldVersionStaysReadableAndTheLatestIsTheNewOne() {
        FeatureStore store = project.store();
        assertThat(store.latest("mver_spend").version()).isEqualTo(2);
        assertThat(store.read("mver_spend").columns()).contains("spend_2d");
        Dataset<Row> v1 = store.read("mver_spend", 1);
        assertThat(v1.columns()).contains("spend_3d");
        assertThat(v1.count()).isEqualTo(spark.table("features.mver_spend_v1").count()).isPositive();
        assertThat(v1.where("feature_time > TIMESTAMP'2026-01-06 00:00:00'").count())
                .as("v1 keeps the rows only it has").isPositive();
    }

    @Test
    void theRegistryHoldsOneRowPerVersionWithItsDefinition() {
        List<FeatureViewVersion> versions = project.store().versions("mver_spend");
        assertThat(versions).extracting(FeatureViewVersion::version).containsExactly(1, 2);
        FeatureViewVersion v1 = versions.get(0);
        FeatureViewVersion v2 = versions.get(1);
        assertThat(v1.table().toString()).isEqualTo("features.mver_spend_v1");
        assertThat(v1.featureNames()).containsExactly("spend_1d", "spend_3d", "spend_7d", "top_cents_3d");
        assertThat(v1.features()).extracting(FeatureViewVersion.Feature::type)
                .containsExactly("double", "double", "double", "bigint");
        assertThat(v2.featureNames()).containsExactly("spend_1d", "spend_2d", "spend_7d", "top_cents_3d");
        assertThat(v1.entities()).containsExactly("customer_id");
        assertThat(v1.cadence()).isEqualTo("1d");
        assertThat(v1.ttlSeconds()).isEqualTo(7 * 86400);
        assertThat(v1.definitionHash()).isEqualTo(hash(B_WITH_7D)).isNotEqualTo(hash(A));
        assertThat(v2.definitionHash()).isEqualTo(hash(C));
        assertThat(v1.keyHash()).as("same keys, source, filter and cadence").isEqualTo(v2.keyHash());
        assertThat(v1.createdAt()).as("kept when the view evolved").isBefore(v1.updatedAt());
        assertThat(spark.sql("SELECT * FROM ingot.feature_views WHERE view = 'mver_spend'").count()).isEqualTo(2);
    }

    @Test
    void historyAndLineageNameTheDefinitionTheSourceVersionAndTheRange() throws Exception {
        List<HistoryEntry> history = project.store().history("mver_spend");
        assertThat(history).extracting(HistoryEntry::version).containsExactly(1, 1, 1, 2);
        assertThat(history).extracting(HistoryEntry::deltaVersion).containsExactly(0L, 1L, 2L, 0L);
        assertThat(history).extracting(h -> h.definitionHash().orElseThrow())
                .containsExactly(hash(A), hash(B_WITH_7D), hash(B_WITH_7D), hash(C));
        assertThat(history).extracting(HistoryEntry::range).containsExactly(
                day(0) + "/" + day(5), day(5) + "/" + day(7), day(6) + "/" + day(7), day(0) + "/" + day(7));
        assertThat(history).allSatisfy(h -> {
            assertThat(h.sources()).isEqualTo("mver_events=mver.events@" + sourceVersion);
            assertThat(h.runId()).isPresent();
        });
        assertThat(history.get(0).rowsWritten()).isEqualTo(first.rowsWritten());
        assertThat(history.get(3).rowsWritten()).isEqualTo(second.rowsWritten());

        // The same lineage in the Delta commit info...
        JsonNode meta = JSON.readTree((String) firstCommit.getAs("userMetadata"));
        assertThat(meta.path("definition_hash").asText()).isEqualTo(hash(A));
        assertThat(meta.path("command").asText()).isEqualTo("features materialize");
        assertThat(meta.path("inputs").get(0).path("location").asText()).isEqualTo("mver.events");
        assertThat(meta.path("inputs").get(0).path("delta_version").asLong()).isEqualTo(sourceVersion);
        assertThat(meta.path("details").path("range").asText()).isEqualTo(day(0) + "/" + day(5));
        assertThat(meta.path("code_version").asText()).startsWith("ingot-");

        // ... and in ingot.lineage, one row per commit of the feature table.
        List<Row> rows = spark.sql("SELECT output_version, definition_hash, rows_written, inputs, run_id, "
                + "CAST(range_from AS STRING), CAST(range_to AS STRING) FROM ingot.lineage "
                + "WHERE output_table = 'features.mver_spend_v1' AND operation = 'materialize' ORDER BY output_version")
                .collectAsList();
        assertThat(rows).extracting(r -> r.getLong(0)).containsExactly(0L, 1L, 2L);
        assertThat(rows.get(0).getString(1)).isEqualTo(hash(A));
        assertThat(rows.get(0).getLong(2)).isEqualTo(first.rowsWritten());
        assertThat(JSON.readTree(rows.get(0).getString(3)).get(0).path("delta_version").asLong()).isEqualTo(sourceVersion);
        assertThat(rows.get(0).getString(4)).isEqualTo(history.get(0).runId().orElseThrow());
        assertThat(rows.get(1).getString(5) + " .. " + rows.get(1).getString(6)).isEqualTo("2026-01-06 00:00:00 .. 2026-01-08 00:00:00");
    }

    @Test
    void readsAsOfADeltaVersionOrATimeWhateverTheJvmTimeZone() {
        FeatureStore store = project.store();
        Dataset<Row> atFirst = spark.sql("SELECT * FROM features.mver_spend_v1 VERSION AS OF 0");
        Dataset<Row> byVersion = store.readAsOf("mver_spend", 1, 0);
        assertThat(byVersion.columns()).containsExactly("customer_id", "feature_time", "feature_date", "spend_1d", "spend_3d");
        assertThat(byVersion.count()).isEqualTo(first.rowsWritten());
        assertThat(TestProject.differences(byVersion, atFirst).get(0)).isEmpty();

        Instant committed = firstCommit.getTimestamp(firstCommit.fieldIndex("timestamp")).toInstant();
        TimeZone jvm = TimeZone.getDefault();
        try {
            // The time is an instant: it must not be read in the JVM's zone (Spark's session zone is UTC).
            TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
            Dataset<Row> byTime = store.readAsOf("mver_spend", 1, committed);
            assertThat(byTime.columns()).hasSize(5);
            assertThat(byTime.count()).isEqualTo(first.rowsWritten());
            Dataset<Row> later = store.readAsOf("mver_spend", 1, Instant.now());
            assertThat(later.columns()).hasSize(7);
            IngotException early = catchThrowableOfType(IngotException.class,
                    () -> store.readAsOf("mver_spend", 1, committed.minusSeconds(1)));
            assertThat(early.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(early.getMessage()).contains("as-of time", "first commit of features.mver_spend_v1");
        } finally {
            TimeZone.setDefault(jvm);
        }
    }

    @Test
    void trainingSetRecordsItsLineage() {
        spark.sql("""
                SELECT * FROM VALUES
                  (CAST(1 AS BIGINT), TIMESTAMP'2026-01-06 12:00:00', 1),
                  (CAST(2 AS BIGINT), TIMESTAMP'2026-01-07 06:00:00', 0),
                  (CAST(3 AS BIGINT), TIMESTAMP'2025-12-01 00:00:00', 0),
                  (CAST(99 AS BIGINT), TIMESTAMP'2026-01-06 12:00:00', 1)
                AS spine(customer_id, ts, label)""").write().format("delta").mode("overwrite").saveAsTable(DB + ".spine");
        long spineVersion = Lineage.latestVersion(spark, new TableName(DB, "spine"));
        TableName out = new TableName("ml", "mver_training");
        TrainingSetResult r = project.store().writeTrainingSet(new TableName(DB, "spine"), "ts",
                List.of(FeatureRef.parse("mver_spend:spend_1d,top_cents_3d", "test")), out);

        assertThat(r.rows()).isEqualTo(4);
        Dataset<Row> ts = spark.table(out.sql());
        assertThat(ts.columns()).containsExactly("customer_id", "ts", "label", "spend_1d", "top_cents_3d");
        // Customer 1 at Jan 6 12:00 gets the features of the tick Jan 6 00:00 (v2, the latest version).
        Row c1 = ts.where("customer_id = 1").first();
        Row tick = spark.sql("SELECT spend_1d FROM features.mver_spend_v2 WHERE customer_id = 1 "
                + "AND feature_time = TIMESTAMP'2026-01-06 00:00:00'").first();
        assertThat((Double) c1.getAs("spend_1d")).isEqualTo(tick.getDouble(0));
        assertThat(ts.where("customer_id IN (3, 99) AND spend_1d IS NULL").count()).as("before any data / unknown").isEqualTo(2);
        assertThat(r.nonNullFraction()).containsEntry("spend_1d", 0.5);
        long featureVersion = Lineage.latestVersion(spark, second.table());
        assertThat(r.featureTables()).containsExactly("features.mver_spend_v2@" + featureVersion);

        Row recorded = spark.sql("SELECT * FROM ml.training_sets WHERE table_name = 'ml.mver_training'").first();
        assertThat((String) recorded.getAs("spine")).isEqualTo("mver.spine");
        assertThat((Long) recorded.getAs("delta_version")).isEqualTo(r.deltaVersion());
        assertThat((Long) recorded.getAs("rows")).isEqualTo(4L);
        assertThat((String) recorded.getAs("inputs")).isEqualTo("spine=mver.spine@" + spineVersion
                + ", mver_spend=features.mver_spend_v2@" + featureVersion);
        Row lineage = spark.sql("SELECT * FROM ingot.lineage WHERE output_table = 'ml.mver_training' "
                + "AND operation = 'training_set'").first();
        assertThat((String) lineage.getAs("run_id")).isEqualTo(recorded.getAs("run_id"));
        assertThat((String) lineage.getAs("inputs")).contains("\"location\":\"features.mver_spend_v2\"",
                "\"delta_version\":" + featureVersion, "\"location\":\"mver.spine\"");

        // A spine that is not a Delta table is read as it is, and its lineage has no version to pin.
        spark.table(DB + ".spine").write().format("parquet").mode("overwrite").saveAsTable(DB + ".spine_parquet");
        TableName outParquet = new TableName("ml", "mver_training_parquet");
        TrainingSetResult p = project.store().writeTrainingSet(new TableName(DB, "spine_parquet"), "ts",
                List.of(FeatureRef.parse("mver_spend:spend_1d,top_cents_3d", "test")), outParquet);
        assertThat(p.rows()).isEqualTo(4);
        assertThat(TestProject.differences(spark.table(outParquet.sql()), ts)).containsOnly(List.of());
        String inputs = spark.sql("SELECT inputs FROM ingot.lineage WHERE output_table = 'ml.mver_training_parquet'")
                .first().getString(0);
        assertThat(Lineage.parseInputs(inputs)).first()
                .isEqualTo(new Lineage.Input("spine", "mver.spine_parquet", java.util.Optional.empty()));
    }

    @Test
    void whatChangesTheVersionAndWhatDoesNot() {
        ViewFingerprint base = fingerprint(B);
        // Compatible: a new aggregation, a new window, descriptions, ttl.
        assertThat(fingerprint(B + "  - {name: n, function: count, windows: [1d]}\n")
                .extendsCompatibly(base.keyHash(), base.featureHashes())).isTrue();
        assertThat(fingerprint(B.replace("windows: [1d, 3d]}", "windows: [1d, 3d, 5d]}"))
                .extendsCompatibly(base.keyHash(), base.featureHashes())).isTrue();
        assertThat(fingerprint(B.replace("entities:", "description: Spend\nttl: 9d\nentities:")).definitionHash())
                .isEqualTo(base.definitionHash());
        // New version: keys, a window of an existing feature, an expression a feature uses, filter, cadence, source.
        for (String changed : List.of(
                B.replace("entities: [customer_id]", "entities: [customer_id, amount]"),
                B.replace("windows: [1d, 3d]}", "windows: [1d, 4d]}"),
                B.replace("amount * 100", "amount * 1000"),
                B.replace("entities:", "filter: amount > 0\nentities:"),
                B.replace("entities:", "cadence: 1h\nentities:"),
                B.replace("source: mver_events", "source: mver_other"),
                B.replace("function: max", "function: min"))) {
            assertThat(fingerprint(changed).extendsCompatibly(base.keyHash(), base.featureHashes()))
                    .as("compatible with B: %s", changed).isFalse();
        }
    }

    private static String hash(String yaml) {
        return fingerprint(yaml).definitionHash();
    }

    private static ViewFingerprint fingerprint(String yaml) {
        probes.view("mver_probe", yaml);
        Project p = probes.load();
        FeatureViewDef v = p.featureViews().get("mver_probe");
        return ViewFingerprint.of(v, Optional.ofNullable(p.sources().get(v.source())), Optional.empty());
    }
}
