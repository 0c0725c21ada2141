package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Location;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.training.Experiment;
import dev.ingot.training.LogBatch;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.RunInfo;
import dev.ingot.training.TrackingStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code models list/show/promote/rollback} on the local tracking store of the test JVM's session, with versions
 * registered as {@code train} registers them (metrics on the run, lineage in version tags). {@link #MODEL} is only read
 * (never promoted); the promotion test registers its own model, so the tests hold in any order.
 */
class ModelsCommandTest {
    private static final String MODEL = "cli_models_fraud";
    private static final String LIFE = "cli_models_life";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SparkSession spark;
    private static TrackingStore store;
    private static Experiment experiment;
    private static Path project;

    @BeforeAll
    static void projectAndVersions(@TempDir Path dir) throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli_models");
        spark.sql("SELECT id AS order_id, CAST(id % 5 AS BIGINT) AS customer_id, timestamp_seconds(1767225600 + id * 3600) AS ts, "
                + "CAST(id % 2 AS INT) AS label, CAST(id AS DOUBLE) AS amount FROM range(20)")
                .write().format("delta").mode("overwrite").saveAsTable("cli_models.orders");
        // Two training sets: one whose quality suite passes, one whose suite fails (a negative amount).
        spark.sql("SELECT * FROM cli_models.orders").write().format("delta").mode("overwrite").saveAsTable("cli_models.ts_good");
        spark.sql("SELECT order_id, customer_id, ts, label, amount - 10 AS amount FROM cli_models.orders")
                .write().format("delta").mode("overwrite").saveAsTable("cli_models.ts_bad");
        project = dir.resolve("shop");
        TestFiles.write(project, "ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n");
        TestFiles.write(project, "sources/orders.yaml", "table: cli_models.orders\nevent_time: ts\n");
        TestFiles.write(project, "feature_views/cli_models_spend.yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                """);
        for (String m : new String[] {MODEL, LIFE}) {
            TestFiles.write(project, "models/" + m + ".yaml", """
                spine: cli_models.orders
                timestamp: ts
                label: label
                features: [cli_models_spend]
                algorithm:
                  type: gbt_classifier
                gate: ["auc >= 0.7", "auc >= champion.auc - 0.1"]
                """);
        }
        for (String t : new String[] {"ts_good", "ts_bad"}) {
            TestFiles.write(project, "checks/" + t + ".yaml", "table: cli_models." + t + "\nchecks:\n  - kind: min\n    column: amount\n    min: 0\n"
                    + "    description: No negative amounts.\n");
            Result v = run("validate", "--project", project.toString(), "--table", "cli_models." + t, "--reports",
                    dir.resolve("reports").toString());
            assertThat(v.code()).as(v.out() + v.err()).isEqualTo(t.equals("ts_good") ? 0 : 1);
        }

        store = TrackingStore.open(TrackingSettings.local(), spark, Location.of(TestSpark.warehouse()));
        experiment = store.experiment("shop");
        register(MODEL, 1, 0.80, "cli_models.ts_good");
        register(MODEL, 2, 0.65, "cli_models.ts_bad");
        register(MODEL, 3, 0.86, null);
    }

    private static void register(String model, int n, double auc, String trainingSet) {
        RunInfo run = store.startRun(experiment.id(), model + "-" + n + "-" + System.nanoTime(), model + "-" + n, Map.of());
        store.log(run.runId(), LogBatch.empty().withMetric("auc", auc, 0).withMetric("validation/auc", auc - 0.01, 0));
        store.uploadArtifact(run.runId(), "model/model_card.md", ("card " + n).getBytes(StandardCharsets.UTF_8));
        Map<String, String> tags = new HashMap<>();
        if (trainingSet != null) {
            tags.put("ingot.training_set", trainingSet);
            tags.put("ingot.training_set_version", "0");
        }
        ModelVersion v = store.createModelVersion(model, run.runId(), "model", tags, "");
        assertThat(v.version()).isEqualTo(n);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static Result models(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "models";
        all[1] = args[0];
        all[2] = "--project";
        all[3] = project.toString();
        System.arraycopy(args, 1, all, 4, args.length - 1);
        return run(all);
    }

    private static long tagRows() {
        return spark.sql("SELECT count(*) FROM ml.model_version_tags WHERE name = '" + MODEL + "'").first().getLong(0);
    }

    private static long champion(String model) {
        return store.versionByAlias(model, "champion").orElseThrow().version();
    }

    @Test
    void listPrintsAnAlignedTableAndJsonWithMetricsAndLineage() throws IOException {
        Result t = models("list", "--model", MODEL);
        assertThat(t.code()).as(t.err()).isZero();
        String[] lines = t.out().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).startsWith("model").contains("version").contains("training set").endsWith("auc");
        assertThat(lines[1]).startsWith(MODEL + "  v1").contains("cli_models.ts_good @ Delta v0").endsWith("0.8000");
        assertThat(lines[2]).contains("cli_models.ts_bad @ Delta v0").endsWith("0.6500");
        assertThat(lines[3]).contains(" - ").endsWith("0.8600");
        assertThat(lines[0].indexOf("auc")).as("aligned columns").isEqualTo(lines[1].indexOf("0.8000"));
        assertThat(lines[0]).as("per-window metrics only in show and JSON").doesNotContain("validation/auc");

        Result j = models("list", "--model", MODEL, "--format", "json");
        assertThat(j.code()).as(j.err()).isZero();
        JsonNode versions = JSON.readTree(j.out()).get("versions");
        assertThat(versions).hasSize(3);
        assertThat(versions.get(1).get("version").asLong()).isEqualTo(2);
        assertThat(versions.get(1).get("metrics").get("auc").asDouble()).isEqualTo(0.65);
        assertThat(versions.get(1).get("metrics").get("validation/auc").asDouble()).isEqualTo(0.64);
        assertThat(versions.get(1).get("lineage").get("training_set").asText()).isEqualTo("cli_models.ts_bad");
        assertThat(versions.get(1).get("lineage").get("training_set_version").asLong()).isZero();
        assertThat(versions.get(2).get("lineage").get("training_set").isNull()).isTrue();
        assertThat(versions.get(2).get("lineage").get("run_id").asText())
                .isEqualTo(store.modelVersion(MODEL, 3).orElseThrow().runId());

        Result all = models("list");
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out()).contains(MODEL + "  v3");
    }

    @Test
    void showReadsOneVersionByNumberOrNameInTextAndJson() throws IOException {
        Result t = models("show", MODEL + "/2");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.out()).containsPattern("\nversion +v2\n").containsPattern("\ntraining set +cli_models.ts_bad @ Delta v0\n")
                .containsPattern("\n  auc +0.6500\n").containsPattern("\n  validation/auc +0.6400\n");
        JsonNode j = JSON.readTree(models("show", MODEL + "/1", "--format", "json").out());
        assertThat(j.get("version").asLong()).isEqualTo(1);
        assertThat(j.get("metrics").get("auc").asDouble()).isEqualTo(0.8);
        assertThat(j.get("lineage").get("run_id").asText()).isEqualTo(store.modelVersion(MODEL, 1).orElseThrow().runId());
        assertThat(JSON.readTree(models("show", MODEL, "--format", "json").out()).get("version").asLong())
                .as("no champion: the latest").isEqualTo(3);
    }

    @Test
    void unknownModelVersionOrAliasExits2AndWritesNothing() {
        long before = tagRows();
        Result version = models("promote", "--model", MODEL, "--version", "99");
        assertThat(version.code()).isEqualTo(2);
        assertThat(version.err()).contains(MODEL + "/99").contains("[v1, v2, v3]");
        Result noAlias = models("promote", "--model", MODEL, "--version", "@challenger");
        assertThat(noAlias.code()).isEqualTo(2);
        assertThat(noAlias.err()).contains("--version").contains("@challenger").contains("train sets challenger");
        for (String bad : List.of("0", "two", "@")) {
            Result r = models("promote", "--model", MODEL, "--version", bad);
            assertThat(r.code()).as(bad).isEqualTo(2);
            assertThat(r.err()).as(bad).contains("--version").contains("@ALIAS");
        }
        Result model = models("promote", "--model", "nosuch", "--version", "1");
        assertThat(model.code()).isEqualTo(2);
        assertThat(model.err()).contains("nosuch").contains(MODEL);
        Result alias = models("show", MODEL + "@champion");
        assertThat(alias.code()).isEqualTo(2);
        assertThat(alias.err()).contains(MODEL + "@champion");
        assertThat(models("show", "nosuch/1").code()).isEqualTo(2);
        assertThat(models("list", "--model", "nosuch").code()).isEqualTo(2);
        Result rollback = models("rollback", "--model", MODEL);
        assertThat(rollback.code()).as("no champion").isEqualTo(2);
        assertThat(tagRows()).isEqualTo(before);
        assertThat(store.versionByAlias(MODEL, "champion")).isEmpty();
    }

    @Test
    void promoteRefusesOrMovesTheAliasRecordingWhyAndRollbackRestoresThePreviousChampionsExactly() throws IOException {
        register(LIFE, 1, 0.80, "cli_models.ts_good");
        register(LIFE, 2, 0.65, "cli_models.ts_good");
        register(LIFE, 3, 0.90, "cli_models.ts_bad");
        register(LIFE, 4, 0.85, "cli_models.ts_good");
        register(LIFE, 5, 0.86, null);
        assertThat(models("promote", "--model", LIFE, "--version", "1").code()).isZero();
        assertThat(champion(LIFE)).isEqualTo(1);

        Result gate = models("promote", "--model", LIFE, "--version", "2");
        assertThat(gate.code()).as(gate.out() + gate.err()).isEqualTo(1);
        assertThat(gate.err()).contains("auc 0.65 < 0.7 (required >=)");
        assertThat(gate.out()).contains("FAIL auc 0.65 < 0.7 (required >=)");
        Result quality = models("promote", "--model", LIFE, "--version", "3");
        assertThat(quality.code()).as(quality.out() + quality.err()).isEqualTo(1);
        assertThat(quality.err()).contains("training set cli_models.ts_bad at Delta version 0 failed its quality checks")
                .contains("ts_bad checks[0]");
        assertThat(champion(LIFE)).isEqualTo(1);
        JsonNode refused = JSON.readTree(models("show", LIFE + "/2", "--format", "json").out()).get("events");
        assertThat(refused).hasSize(1);
        JsonNode e = refused.elements().next();
        assertThat(e.get("action").asText()).isEqualTo("refused");
        assertThat(e.get("by").asText()).isEqualTo(System.getProperty("user.name"));
        assertThat(e.get("champion_version").asLong()).isEqualTo(1);
        assertThat(e.get("gate").get(0).get("value").asDouble()).isEqualTo(0.65);
        assertThat(e.get("gate").get(0).get("bound").asDouble()).isEqualTo(0.7);
        assertThat(e.get("gate").get(1).get("rule").asText()).isEqualTo("auc >= champion.auc - 0.1");
        assertThat(e.get("gate").get(1).get("bound").asDouble()).as("v1's auc 0.8 - 0.1").isCloseTo(0.7, within(1e-12));
        assertThat(e.get("gate").get(1).get("passed").asBoolean()).isFalse();
        assertThat(e.get("reason").asText()).contains("auc 0.65 < 0.7");

        store.setAlias(LIFE, "challenger", 4);
        Result four = models("promote", "--model", LIFE, "--version", "@challenger");
        assertThat(four.code()).as(four.out() + four.err()).isZero();
        assertThat(four.out()).contains("PASS auc 0.85 >= 0.7")
                .contains("PASS training set cli_models.ts_good at Delta version 0 passed 1 checks")
                .contains(LIFE + "@champion -> v4 (was v1)");
        Result five = models("promote", "--model", LIFE, "--version", "5", "--reason", "fresher data");
        assertThat(five.code()).as(five.out() + five.err()).isZero();
        assertThat(five.out()).contains("no training set recorded");
        assertThat(champion(LIFE)).isEqualTo(5);
        assertThat(store.modelVersion(LIFE, 5).orElseThrow().tags()).containsEntry("ingot.champion_history", "4,1");
        JsonNode promoted = JSON.readTree(models("show", LIFE + "@champion", "--format", "json").out());
        assertThat(promoted.get("champion_history").toString()).isEqualTo("[4,1]");
        assertThat(promoted.get("events").elements().next().get("reason").asText()).isEqualTo("fresher data");

        Result back = models("rollback", "--model", LIFE, "--reason", "bad scores in prod");
        assertThat(back.code()).as(back.out() + back.err()).isZero();
        assertThat(back.out()).contains(LIFE + "@champion -> v4 (was v5)").contains("bad scores in prod")
                .containsPattern("rolled back in [0-9.]+ s");
        assertThat(champion(LIFE)).isEqualTo(4);
        assertThat(models("rollback", "--model", LIFE).code()).isZero();
        assertThat(champion(LIFE)).isEqualTo(1);
        Result none = models("rollback", "--model", LIFE);
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("v1 is the first champion");
        assertThat(champion(LIFE)).isEqualTo(1);
        assertThat(models("show", LIFE + "/4").out()).contains("rolled back champion from v5 to v4 by ")
                .contains("rolled back champion from v4 to v1 by ");
    }
}
