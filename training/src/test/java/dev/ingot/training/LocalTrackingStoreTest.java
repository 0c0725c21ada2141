package dev.ingot.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.Tables;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.TrackingSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
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
        assertThat(last.<String>getAs("operation")).isEqualTo("MERGE");
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
}
