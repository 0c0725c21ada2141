package dev.ingot.training;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.Catalog;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableDoc;
import dev.ingot.core.Tables;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.TrackingSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract on the local store: Delta tables in {@code ml} of the shared test session's warehouse. */
class LocalTrackingStoreTest extends TrackingStoreContract {
    private static TrackingStore store;

    @BeforeAll
    static void open() {
        store = TrackingStore.open(TrackingSettings.local(), TestSpark.session(), dev.ingot.core.Location.of(TestSpark.warehouse()));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Override
    protected TrackingStore store() {
        return store;
    }

    @Test
    void everythingIsQueryableWithSqlAndArtifactsLiveUnderTheWarehouse() {
        SparkSession spark = TestSpark.session();
        String model = unique("fraud");
        RunInfo run = newRun(unique("sql"));
        store.log(run.runId(), LogBatch.empty().withParam("seed", "42").withMetric("auc", 0.75, 0)
                .withMetric("auc", 0.8, 1).withTag("stage", "fit"));
        store.uploadArtifact(run.runId(), "model/model_card.md", "card".getBytes(StandardCharsets.UTF_8));
        store.createModelVersion(model, run.runId(), "model", Map.of("auc", "0.8"), "");
        store.setAlias(model, "champion", 1);

        Row metrics = spark.sql("SELECT count(*), max(value) FROM " + Tables.RUN_METRICS
                + " WHERE run_id = '" + run.runId() + "' AND key = 'auc'").first();
        assertThat(metrics.getLong(0)).isEqualTo(2);
        assertThat(metrics.getDouble(1)).isEqualTo(0.8);
        assertThat(spark.sql("SELECT value FROM " + Tables.RUN_PARAMS + " WHERE run_id = '" + run.runId()
                + "' AND key = 'seed'").first().getString(0)).isEqualTo("42");
        assertThat(spark.sql("SELECT r.status, e.name FROM " + Tables.RUNS + " r JOIN " + Tables.EXPERIMENTS
                + " e USING (experiment_id) WHERE r.run_id = '" + run.runId() + "'").first().getString(0))
                .isEqualTo("RUNNING");
        assertThat(spark.sql("SELECT v.version, v.run_id FROM " + Tables.MODEL_ALIASES + " a JOIN "
                + Tables.MODEL_VERSIONS + " v ON a.name = v.name AND a.version = v.version WHERE a.name = '" + model
                + "' AND a.alias = 'champion'").first().getString(1)).isEqualTo(run.runId());
        assertThat(spark.sql("SELECT value FROM " + Tables.MODEL_VERSION_TAGS + " WHERE name = '" + model
                + "' AND key = 'auc'").first().getString(0)).isEqualTo("0.8");

        Path card = TestSpark.warehouse().resolve(Tables.ARTIFACTS_DIR).resolve(run.runId()).resolve("model/model_card.md");
        assertThat(card).exists();
        assertThat(run.artifactUri()).endsWith(Tables.ARTIFACTS_DIR + "/" + run.runId());
        assertThat(store.describe()).startsWith("local").contains(Tables.RUNS.toString());
    }

    @Test
    void anAliasMoveIsOneDeltaCommit() {
        SparkSession spark = TestSpark.session();
        String model = unique("fraud");
        RunInfo run = newRun(unique("commit"));
        store.uploadArtifact(run.runId(), "model/x", new byte[] {1});
        store.createModelVersion(model, run.runId(), "model", Map.of(), "");
        store.createModelVersion(model, run.runId(), "model", Map.of(), "");
        store.setAlias(model, "champion", 1);
        long before = spark.sql("DESCRIBE HISTORY " + Tables.MODEL_ALIASES).count();
        store.setAlias(model, "champion", 2);
        Row last = spark.sql("DESCRIBE HISTORY " + Tables.MODEL_ALIASES).orderBy(org.apache.spark.sql.functions
                .col("version").desc()).first();
        assertThat(spark.sql("DESCRIBE HISTORY " + Tables.MODEL_ALIASES).count()).isEqualTo(before + 1);
        assertThat(last.<String>getAs("operation")).isEqualTo("WRITE");
        assertThat(Files.exists(TestSpark.warehouse().resolve(Tables.ARTIFACTS_DIR))).isTrue();
    }

    @Test
    void racingWritersNeverMakeTwoRunsForOneKeyOrTwoVersionsWithOneNumber() throws Exception {
        Experiment exp = store.experiment(unique("race"));
        String key = unique("key");
        String model = unique("fraud");
        RunInfo seed = store.startRun(exp.id(), unique("seed"), "seed", Map.of());
        store.uploadArtifact(seed.runId(), "model/x", new byte[] {1});
        store.registeredModel(model, "");
        // Two stores, as two processes would have: no shared in-memory knowledge.
        TrackingStore other = TrackingStore.open(TrackingSettings.local(), TestSpark.session(),
                dev.ingot.core.Location.of(TestSpark.warehouse()));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var runA = pool.submit(() -> store.startRun(exp.id(), key, "a", Map.of()));
            var runB = pool.submit(() -> other.startRun(exp.id(), key, "b", Map.of()));
            assertThat(runA.get().runId()).isEqualTo(runB.get().runId());
            var versionA = pool.submit(() -> store.createModelVersion(model, seed.runId(), "model", Map.of(), "a"));
            var versionB = pool.submit(() -> other.createModelVersion(model, seed.runId(), "model", Map.of(), "b"));
            assertThat(java.util.List.of(versionA.get().version(), versionB.get().version()))
                    .containsExactlyInAnyOrder(1L, 2L);
        } finally {
            pool.shutdownNow();
        }
        assertThat(TestSpark.session().sql("SELECT count(*) FROM " + Tables.RUNS + " WHERE run_key = '" + key + "'")
                .first().getLong(0)).isEqualTo(1);
        assertThat(store.modelVersions(model)).extracting(ModelVersion::description)
                .containsExactlyInAnyOrder("a", "b");
    }

    // ---- a registration killed between its version row and its tags (issue 17, crash safety)

    private static final Map<String, String> TAGS = Map.of("ingot.onnx_sha256", "5e1f", "auc", "0.8",
            "ingot.signature", "{}");

    /**
     * Writes the state a {@code kill -9} between the registration's commits leaves: the version's row (with status
     * PENDING_REGISTRATION when the table has that column) and {@code tags}, which may be none or some of them.
     */
    private static void killedRegistration(String model, long version, RunInfo run, Map<String, String> tags) {
        SparkSession spark = TestSpark.session();
        StructType schema = spark.table(Tables.MODEL_VERSIONS.toString()).schema();
        List<Object> values = new ArrayList<>(List.of(model, version, run.runId(), run.artifactUri() + "/model", "",
                new Timestamp(System.currentTimeMillis())));
        if (List.of(schema.fieldNames()).contains("status")) {
            values.add("PENDING_REGISTRATION");
        }
        spark.createDataFrame(List.of(RowFactory.create(values.toArray())), schema).write().format("delta")
                .mode("append").saveAsTable(Tables.MODEL_VERSIONS.toString());
        if (!tags.isEmpty()) {
            spark.createDataFrame(tags.entrySet().stream().map(e -> RowFactory.create(model, version, e.getKey(),
                            e.getValue(), new Timestamp(System.currentTimeMillis()))).toList(),
                    spark.table(Tables.MODEL_VERSION_TAGS.toString()).schema())
                    .write().format("delta").mode("append").saveAsTable(Tables.MODEL_VERSION_TAGS.toString());
        }
    }

    private RunInfo runWithModel(String key) {
        RunInfo run = newRun(unique(key));
        store.uploadArtifact(run.runId(), "model/model.onnx", new byte[] {1, 2, 3});
        return run;
    }

    /** A model's versions and tags as stored, without what differs between two models (name, times). */
    private static List<String> stored(String model) {
        SparkSession spark = TestSpark.session();
        List<String> out = new ArrayList<>();
        spark.table(Tables.MODEL_VERSIONS.toString()).where(col("name").equalTo(model)).drop("name", "created_at")
                .orderBy("version").collectAsList().forEach(r -> out.add(r.toString()));
        spark.table(Tables.MODEL_VERSION_TAGS.toString()).where(col("name").equalTo(model))
                .select("version", "key", "value").orderBy("version", "key").collectAsList()
                .forEach(r -> out.add(r.toString()));
        return out;
    }

    @Test
    void aVersionKilledBeforeItsTagsIsInvisibleAndCannotBeAliased() {
        String model = unique("killed");
        RunInfo run = runWithModel("killed");
        store.registeredModel(model, "");
        killedRegistration(model, 1, run, Map.of());

        assertThat(store.modelVersions(model)).isEmpty();
        assertThat(store.modelVersion(model, 1)).isEmpty();
        assertThatThrownBy(() -> store.setAlias(model, "champion", 1)).isInstanceOf(IngotException.class)
                .hasMessageContaining("no such version");
        assertThatThrownBy(() -> store.setVersionTag(model, 1, "k", "v")).isInstanceOf(IngotException.class);
        // An alias row written past the store (by hand, or an older Ingot) names no usable version either.
        TestSpark.session().createDataFrame(List.of(RowFactory.create(model, "champion", 1L,
                        new Timestamp(System.currentTimeMillis()))),
                TestSpark.session().table(Tables.MODEL_ALIASES.toString()).schema())
                .write().format("delta").mode("append").saveAsTable(Tables.MODEL_ALIASES.toString());
        assertThat(store.versionByAlias(model, "champion")).isEmpty();
    }

    @Test
    void registeringTheSameRunAgainCompletesAKilledRegistrationAsACleanOneWould() {
        String model = unique("killed");
        String clean = unique("clean");
        RunInfo run = runWithModel("killed");
        store.registeredModel(model, "");
        // Half its tags, one of them stale (the killed attempt's ONNX digest; the retry retrained the model).
        killedRegistration(model, 1, run, Map.of("ingot.onnx_sha256", "0ld", "auc", "0.8"));

        ModelVersion completed = store.createModelVersionOnce(model, run.runId(), "model", TAGS, "fraud model");
        ModelVersion reference = store.createModelVersionOnce(clean, run.runId(), "model", TAGS, "fraud model");

        assertThat(completed.version()).isEqualTo(reference.version()).isEqualTo(1);
        assertThat(completed.tags()).isEqualTo(TAGS);
        assertThat(stored(model)).isEqualTo(stored(clean));
        assertThat(store.modelVersions(model)).singleElement().satisfies(v -> {
            assertThat(v.tags()).isEqualTo(TAGS);
            assertThat(v.source()).isEqualTo(reference.source());
            assertThat(v.description()).isEqualTo("fraud model");
        });
        // Complete: registering it again changes nothing, and it can be aliased.
        assertThat(store.createModelVersionOnce(model, run.runId(), "model", TAGS, "fraud model").version())
                .isEqualTo(1);
        store.setAlias(model, "champion", 1);
        assertThat(store.versionByAlias(model, "champion")).map(ModelVersion::tags).contains(TAGS);
        assertThat(stored(model)).isEqualTo(stored(clean));
    }

    @Test
    void anotherRunsRegistrationTakesTheNextNumberAndThePendingOneStaysInvisible() {
        String model = unique("killed");
        RunInfo killed = runWithModel("killed");
        RunInfo other = runWithModel("other");
        store.registeredModel(model, "");
        killedRegistration(model, 1, killed, Map.of("auc", "0.8"));

        ModelVersion v = store.createModelVersionOnce(model, other.runId(), "model", TAGS, "");

        assertThat(v.version()).isEqualTo(2);
        assertThat(store.modelVersions(model)).extracting(ModelVersion::version).containsExactly(2L);
        assertThat(store.modelVersion(model, 1)).isEmpty();
        assertThat(store.modelVersion(model, 2)).map(ModelVersion::tags).contains(TAGS);
    }

    /** {@code ml.model_versions} as Ingot created it before versions had a status. */
    private static final StructType VERSIONS_WITHOUT_STATUS = new StructType()
            .add("name", DataTypes.StringType, false)
            .add("version", DataTypes.LongType, false)
            .add("run_id", DataTypes.StringType, false)
            .add("source", DataTypes.StringType, false)
            .add("description", DataTypes.StringType, false)
            .add("created_at", DataTypes.TimestampType, false);

    @Test
    void aTableWrittenWithoutTheStatusColumnReadsAllItsVersionsAsReady() {
        SparkSession spark = TestSpark.session();
        String model = unique("old");
        RunInfo run = runWithModel("old");
        // The old layout, in place of the current table (other tests use other model names).
        spark.sql("DROP TABLE " + Tables.MODEL_VERSIONS);
        org.apache.spark.sql.delta.DeltaLog.clearCache();
        Catalog.createDeltaTableIfMissing(spark, Tables.MODEL_VERSIONS, VERSIONS_WITHOUT_STATUS,
                TableDoc.of("Model versions"));
        Timestamp at = new Timestamp(System.currentTimeMillis());
        spark.createDataFrame(List.of(RowFactory.create(model, 1L, run.runId(), run.artifactUri() + "/model", "", at),
                        RowFactory.create(model, 2L, run.runId(), run.artifactUri() + "/model", "", at)),
                VERSIONS_WITHOUT_STATUS).write().format("delta").mode("append")
                .saveAsTable(Tables.MODEL_VERSIONS.toString());

        TrackingStore reopened = TrackingStore.open(TrackingSettings.local(), spark,
                dev.ingot.core.Location.of(TestSpark.warehouse()));

        assertThat(spark.table(Tables.MODEL_VERSIONS.toString()).schema().fieldNames()).contains("status");
        assertThat(reopened.modelVersions(model)).extracting(ModelVersion::version).containsExactly(1L, 2L);
        reopened.setAlias(model, "champion", 2);
        assertThat(reopened.versionByAlias(model, "champion")).map(ModelVersion::version).contains(2L);
        assertThat(reopened.createModelVersion(model, run.runId(), "model", TAGS, "").version()).isEqualTo(3);
        assertThat(reopened.modelVersions(model)).extracting(ModelVersion::version).containsExactly(1L, 2L, 3L);
        // The column is added once: opening again changes nothing.
        long commits = spark.sql("DESCRIBE HISTORY " + Tables.MODEL_VERSIONS).count();
        TrackingStore.open(TrackingSettings.local(), spark, dev.ingot.core.Location.of(TestSpark.warehouse()));
        assertThat(spark.sql("DESCRIBE HISTORY " + Tables.MODEL_VERSIONS).count()).isEqualTo(commits);
    }
}
