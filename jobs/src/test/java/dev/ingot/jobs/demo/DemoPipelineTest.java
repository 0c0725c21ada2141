package dev.ingot.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.CatalogEntry;
import dev.ingot.core.TestSpark;
import dev.ingot.jobs.IngotMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.ingot.core.Location;
import dev.ingot.core.Psi;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, small: {@code demo --rows 20000 --days 60} end to end in the test JVM's session. The broken rows
 * are quarantined at load, the feature views pass their gate, the reports are written, the training set exists,
 * the fraud model is trained, registered and promoted to champion in the local tracking store, a challenger version
 * is registered beside it, and the last day's transactions are scored by the champion.
 */
class DemoPipelineTest {
    /** The last of the 60 days from 2026-01-01: the day the demo scores. */
    private static final String LAST_DAY = "2026-03-01";

    private static SparkSession spark;
    private static int code;
    private static String out;
    private static String err;

    private static TrackingStore store;

    @BeforeAll
    static void runDemo() {
        spark = TestSpark.session();
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        code = IngotMain.run(new PrintWriter(o, true), new PrintWriter(e, true),
                "demo", "--rows", "20000", "--days", "60", "--warehouse", TestSpark.warehouse().toString(), "--gpu", "off");
        out = o.toString();
        err = e.toString();
        store = TrackingStore.open(TrackingSettings.local(), spark, Location.of(TestSpark.warehouse()));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Test
    void itSucceedsAndSaysWhatItDid() {
        assertThat(code).as(out + err).isZero();
        assertThat(out).contains("[4/9] Point-in-time training set ml.fraud_training_set: done")
                .contains("[5/9] Train the fraud model (models/fraud.yaml, gbt_classifier) on ml.fraud_training_set")
                .contains("[6/9] Promote fraud v1 to champion")
                .contains("[7/9] Train a challenger version of fraud (models/fraud.yaml with logistic_regression "
                        + "{maxIter=50, regParam=0.001}) on ml.fraud_training_set, register it as fraud@challenger beside "
                        + "the champion: done")
                .contains("[8/9] Scoring input ml.fraud_scoring_input: the transactions of " + LAST_DAY)
                .contains("[9/9] Score ml.fraud_scoring_input with fraud@champion, shadowed by fraud@challenger, into "
                        + "scores.fraud (ingot score --model fraud@champion --input ml.fraud_scoring_input --out fraud "
                        + "--date " + LAST_DAY + " --keys txn_id,customer_id,merchant_id,ts --nulls impute --shadow "
                        + "challenger), and compare the two: done")
                .contains("broken rows quarantined in quality.transactions__quarantine")
                .contains("quality gate [customer_spend]: published").contains("Quality reports: ");
    }

    @Test
    void everyTableItWroteIsDescribedInTheCatalogWithItsLineage() {
        assertThat(code).as(out + err).isZero();
        // Other test classes of this JVM may create the shared record tables first: their docs are the same.
        Map<String, String> tables = new TreeMap<>(Map.ofEntries(
                Map.entry("features.customer_spend_v1", "How each customer usually spends"),
                Map.entry("features.customer_spend_v1__tiles", "Partial aggregates (tiles) of feature view"),
                Map.entry("quality.metrics", "Data quality metrics"),
                Map.entry("quality.results", "Data quality check results"),
                Map.entry("quality.transactions__quarantine", "Rows of raw.transactions that failed its row-level checks"),
                Map.entry("ml.fraud_spine", "label spine"),
                Map.entry("ml.fraud_training_set", "Training set: the spine ml.fraud_spine joined point-in-time"),
                Map.entry("ml.training_sets", "Training-set lineage"),
                Map.entry("ml.runs", "Training runs"),
                Map.entry("ml.model_versions", "Model versions"),
                Map.entry("ml.model_aliases", "alias"),
                Map.entry("scores.fraud", "Scores of ml.fraud_scoring_input by model fraud"),
                Map.entry("ingot.lineage", "Lineage of every write"),
                Map.entry("ingot.feature_views", "The feature view registry"),
                Map.entry("ingot.score_runs", "One row per scoring run"),
                Map.entry("ingot.job_runs", "One row per Ingot command run")));
        Map<String, CatalogEntry> entries = new TreeMap<>();
        tables.forEach((table, comment) -> {
            CatalogEntry e = CatalogEntry.of(spark, table);
            assertThat(e.comment()).as(table).contains(comment);
            assertThat(e.uncommented()).as(table + ": columns without a comment").isEmpty();
            entries.put(table, e);
        });

        assertThat(entries.get("features.customer_spend_v1").columns())
                .containsEntry("txn_count_1d", "Number of transactions. (1d)")
                .containsEntry("customer_id", "Entity key, as in source transactions");
        assertThat(entries.get("features.customer_spend_v1").properties())
                .containsEntry("ingot.feature_view", "customer_spend").containsEntry("ingot.feature_view_version", "1")
                .containsKey("ingot.created_definition_hash")
                .hasEntrySatisfying("ingot.created_from", v -> assertThat(v).matches("transactions=raw\\.transactions@\\d+"));

        assertThat(entries.get("quality.transactions__quarantine").properties())
                .containsEntry("ingot.quarantine_of", "raw.transactions");
        assertThat(entries.get("quality.transactions__quarantine").columns())
                .containsEntry("amount", "As in raw.transactions")
                .containsEntry("failed_checks", "Ids (<suite>#<index>) of the row-level checks the row failed "
                        + "(quality.results)");
        assertThat(entries.get("quality.metrics").columns()).containsEntry("delta_version",
                "Its Delta version measured; null for a table that is not Delta");

        Map<String, String> ts = entries.get("ml.fraud_training_set").properties();
        assertThat(ts).containsEntry("ingot.spine_time", "ts").containsKey("ingot.run_id");
        assertThat(ts.get("ingot.spine")).matches("ml\\.fraud_spine@\\d+");
        assertThat(ts.get("ingot.created_from")).startsWith(ts.get("ingot.spine").replace("ml.", "spine=ml."))
                .containsPattern("customer_spend=features\\.customer_spend_v1@\\d+")
                .containsPattern("merchant_risk=features\\.merchant_risk_v1@\\d+");
        assertThat(entries.get("ml.fraud_training_set").columns()).containsEntry("is_fraud",
                "The label: 1 when a chargeback for the transaction arrived")
                .hasEntrySatisfying("customer_spend__txn_count_1d", c -> assertThat(c).startsWith("Number of "
                        + "transactions.").endsWith("(feature txn_count_1d of features.customer_spend_v1, as of the spine "
                        + "row's ts)"));

        ModelVersion champion = store.versionByAlias("fraud", "champion").orElseThrow();
        assertThat(entries.get("scores.fraud").properties()).containsEntry("ingot.model_name", "fraud")
                .containsEntry("ingot.created_model_version", Long.toString(champion.version()))
                .containsEntry("ingot.created_model_run_id", champion.runId())
                .containsEntry("ingot.input_table", "ml.fraud_scoring_input")
                .hasEntrySatisfying("ingot.created_model_sha256", v -> assertThat(v).matches("[0-9a-f]{64}"))
                .hasEntrySatisfying("ingot.created_from", v -> assertThat(v)
                        .startsWith("input=ml.fraud_scoring_input@").contains("training_set=ml.fraud_training_set@0"));
        assertThat(entries.get("scores.fraud").columns()).containsEntry("probability",
                "The model's probability of class 1 (binary classifier)").containsEntry("shadow_probability",
                "The --shadow model's probability of class 1 (binary classifier)")
                .containsEntry("model_sha256", "SHA-256 of the ONNX model that scored the row");
        assertThat(spark.sql("DESCRIBE HISTORY scores.fraud").count()).as("the doc came with the first write").isEqualTo(1);
    }

    @Test
    void exactlyTheBrokenRowsAreQuarantinedAndTheRestPublished() {
        long quarantined = spark.table("quality.transactions__quarantine").count();
        assertThat(quarantined).isBetween(1L, 12L);
        assertThat(spark.table("quality.transactions__quarantine").where(RetailDemoData.BROKEN_PREDICATE).count())
                .isEqualTo(quarantined);
        assertThat(spark.table("raw.transactions").where(RetailDemoData.BROKEN_PREDICATE).count()).isZero();
        assertThat(spark.table("raw.transactions").count() + quarantined).isEqualTo(20000);
        assertThat(out).contains(String.format("%,d broken rows quarantined", quarantined));
    }

    @Test
    void featureTablesWereCheckedAndTheReportsWritten() throws IOException {
        assertThat(spark.sql("SELECT DISTINCT suite FROM quality.results WHERE `table` = 'features.customer_spend_v1'")
                .collectAsList()).extracting(r -> r.getString(0)).containsExactly("customer_spend");
        Path dir = TestSpark.warehouse().resolve("_reports");
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("raw_transactions-") && n.endsWith(".html"))
                    .anyMatch(n -> n.startsWith("features_customer_spend_v1-"));
        }
        assertThat(spark.table("ml.fraud_training_set").count()).isPositive();
    }

    @Test
    void theFraudModelIsRegisteredAndPromotedToChampionWithItsMetricsInTheRegistryAndTheSummary() {
        assertThat(code).as(out + err).isZero();
        List<ModelVersion> versions = store.modelVersions("fraud");
        assertThat(versions).as("the champion, then the challenger, on a fresh warehouse").extracting(ModelVersion::version)
                .containsExactlyInAnyOrder(1L, 2L);
        assertThat(store.versionByAlias("fraud", "champion")).as(out).isPresent();
        ModelVersion champion = store.versionByAlias("fraud", "champion").orElseThrow();
        assertThat(champion.version()).isEqualTo(1);
        assertThat(champion.aliases()).containsExactly("champion");
        assertThat(champion.tags()).containsEntry("ingot.training_set", "ml.fraud_training_set")
                .anySatisfy((k, v) -> {
                    assertThat(k).startsWith("ingot.event.");
                    assertThat(v).contains("\"action\":\"promoted\"").contains("\"version\":1");
                });

        Map<String, Double> metrics = new TreeMap<>();
        store.run(champion.runId()).latestMetrics().forEach((k, m) -> metrics.put(k, m.value()));
        assertThat(metrics).containsKeys("auc", "pr_auc", "log_loss", "f1", "precision_at_k", "validation/auc",
                "gap/auc", "group/mass/auc", "group/affluent/auc", "group/business/auc");
        double auc = metrics.get("auc");
        assertThat(auc).as("the generated fraud is learnable from the point-in-time features").isGreaterThan(0.6);
        assertThat(champion.tags()).as("the version carries its test metrics")
                .containsEntry("metric.auc", Double.toString(auc));
        assertThat(metrics.get("log_loss")).as("probabilities around a base rate of about 2%").isBetween(0.0, 0.2);
        assertThat(metrics.get("gap/auc")).as("the gate held: the auc gap across segments is within 0.30")
                .isBetween(0.0, 0.30);

        assertThat(out).contains(String.format(Locale.ROOT, "Champion: fraud v1 (alias champion), run %s: promoted by this run",
                        champion.runId()))
                .containsPattern("\\n  auc +" + Pattern.quote(String.format(Locale.ROOT, "%.4f", auc)) + "\\n")
                .containsPattern("\\n  pr_auc +" + Pattern.quote(String.format(Locale.ROOT, "%.4f", metrics.get("pr_auc"))))
                .contains("auc gap across segment")
                .doesNotContain("not promoted").contains("models show --project examples/retail fraud@champion");
    }

    @Test
    void theChallengerIsAnotherVersionOfFraudWithADifferentModelAndIsNotPromoted() {
        assertThat(code).as(out + err).isZero();
        ModelVersion champion = store.versionByAlias("fraud", "champion").orElseThrow();
        ModelVersion challenger = store.versionByAlias("fraud", "challenger").orElseThrow();
        assertThat(challenger.version()).isEqualTo(2);
        assertThat(challenger.aliases()).containsExactly("challenger");
        assertThat(challenger.runId()).isNotEqualTo(champion.runId());
        assertThat(challenger.tags()).containsEntry("ingot.training_set", "ml.fraud_training_set")
                .containsEntry("ingot.training_set_version", champion.tags().get("ingot.training_set_version"))
                .containsKey("metric.auc")
                .noneSatisfy((k, v) -> assertThat(k).startsWith("ingot.event."));
        assertThat(challenger.tags().get("ingot.onnx_sha256")).as("another model, not the champion's bytes again")
                .isNotBlank().isNotEqualTo(champion.tags().get("ingot.onnx_sha256"));
        assertThat(store.run(challenger.runId()).params()).containsEntry("algorithm", "logistic_regression");
        assertThat(out).contains("Challenger: fraud v2 (alias challenger, logistic_regression), run " + challenger.runId()
                + ": test auc " + String.format(Locale.ROOT, "%.4f", Double.parseDouble(challenger.tags().get("metric.auc")))
                + ", left as challenger");
    }

    @Test
    void theLastDaysTransactionsAreScoredByTheChampionWithTheirFeaturesAsOfTheirTime() {
        assertThat(code).as(out + err).isZero();
        assertThat(spark.sql("SELECT CAST(max(event_date) AS STRING) FROM raw.transactions").first().getString(0))
                .isEqualTo(LAST_DAY);
        long day = spark.table("raw.transactions").where("event_date = DATE'" + LAST_DAY + "'").count();
        assertThat(day).as("about 20000 / 60 transactions a day").isBetween(100L, 1000L);
        assertThat(spark.table("ml.fraud_scoring_input").count()).isEqualTo(day);
        assertThat(spark.table("ml.fraud_scoring_input").columns()).as("no label: it is not known at scoring time")
                .doesNotContain("is_fraud").contains("txn_id", "customer_spend__amount_sum_7d");

        ModelVersion champion = store.versionByAlias("fraud", "champion").orElseThrow();
        Row s = spark.sql("SELECT count(*), count(DISTINCT txn_id), min(model_version), max(model_version), "
                + "min(model_run_id), max(model_run_id), min(probability), max(probability), count(probability) "
                + "FROM scores.fraud WHERE score_date = DATE'" + LAST_DAY + "'").first();
        assertThat(s.getLong(0)).as("one score per transaction of the day").isEqualTo(day);
        assertThat(s.getLong(1)).isEqualTo(day);
        assertThat(List.of(s.getLong(2), s.getLong(3))).as("the champion on every row").containsOnly(champion.version());
        assertThat(List.of(s.getString(4), s.getString(5))).containsOnly(champion.runId());
        assertThat(s.getLong(8)).isEqualTo(day);
        assertThat(s.getDouble(6)).isBetween(0.0, 1.0);
        assertThat(s.getDouble(7)).isBetween(s.getDouble(6), 1.0).isGreaterThan(s.getDouble(6));
        Row shadow = spark.sql("SELECT min(shadow_model_version), max(shadow_model_version), count(shadow_probability), "
                + "sum(CASE WHEN shadow_probability <> probability THEN 1 ELSE 0 END) FROM scores.fraud").first();
        assertThat(List.of(shadow.getLong(0), shadow.getLong(1))).as("the challenger shadows every row").containsOnly(2L);
        assertThat(shadow.getLong(2)).isEqualTo(day);
        assertThat(shadow.getLong(3)).as("another model: its scores differ").isPositive();

        Row run = spark.sql("SELECT rows, rows_per_second, batch_p50_ms, batch_p95_ms, batch_p99_ms, batches, model_version, "
                + "run_id, input_table, shadow_model_version, shadow_batch_p50_ms, shadow_batch_p95_ms, shadow_batch_p99_ms, "
                + "score_psi FROM ingot.score_runs WHERE output_table = 'scores.fraud'").first();
        // Other test classes of this JVM score into ingot.score_runs too: count only the demo's output.
        assertThat(spark.table("ingot.score_runs").where("output_table = 'scores.fraud'").count()).isEqualTo(1);
        assertThat(run.getLong(0)).isEqualTo(day);
        assertThat(run.getDouble(1)).isPositive();
        assertThat(run.getDouble(2)).isPositive().isLessThanOrEqualTo(run.getDouble(3));
        assertThat(run.getDouble(3)).isLessThanOrEqualTo(run.getDouble(4));
        assertThat(run.getLong(5)).isPositive();
        assertThat(run.getLong(6)).isEqualTo(champion.version());
        assertThat(run.getString(8)).isEqualTo("ml.fraud_scoring_input");
        assertThat(run.getLong(9)).isEqualTo(2);
        assertThat(run.isNullAt(13)).as("the champion has its test window's scores as reference").isFalse();
        double psi = run.getDouble(13);
        assertThat(psi).isNotNegative();
        assertThat(spark.sql("SELECT value FROM quality.metrics WHERE `table` = 'scores.fraud' AND metric = 'score_psi' "
                + "AND `column` = 'fraud/1'").collectAsList()).extracting(r -> r.getDouble(0)).containsExactly(psi);
        assertThat(run.getDouble(10)).isPositive().isLessThanOrEqualTo(run.getDouble(11));
        assertThat(run.getDouble(11)).isLessThanOrEqualTo(run.getDouble(12));

        assertThat(out).contains(String.format(Locale.ROOT, "scores.fraud: %,d rows scored by fraud v1", day))
                .contains("Scoring: scores.fraud, score_date " + LAST_DAY + ", by fraud v1 (champion), run " + run.getString(7))
                .containsPattern("\\n  rows scored +" + Pattern.quote(String.format(Locale.ROOT, "%,d of %,d in "
                        + "ml.fraud_scoring_input", day, day)))
                .containsPattern("\\n  throughput +[0-9,]+ rows/s")
                .containsPattern("\\n  batch latency +p50 " + Pattern.quote(String.format(Locale.ROOT, "%.2f ms, p95 "
                        + "%.2f ms, p99 %.2f ms", run.getDouble(2), run.getDouble(3), run.getDouble(4))))
                .containsPattern("\\n  shadow latency +p50 " + Pattern.quote(String.format(Locale.ROOT, "%.2f ms", run.getDouble(10))))
                .contains("\n  score drift     PSI " + Psi.describe(psi) + ", against v1's test window (quality.metrics "
                        + "score_psi)\n")
                .contains("Champion against challenger (bin/ingot models compare --scores fraud --date " + LAST_DAY + "):")
                .contains(String.format(Locale.ROOT, "  scores.fraud on %s: fraud v1 (main) against v2 (shadow), %,d rows",
                        LAST_DAY, day))
                .containsPattern("\\n  labels: [01]\\.[0-9]{4} agree")
                .containsPattern("\\n    mean \\|diff\\| [0-9.]+, max \\|diff\\| [0-9.]+, KS [0-9.]+, PSI [0-9.]+");
    }

    @Test
    void aScoreIsTracedThroughTheLineageToTheFeatureTableVersionsAndTheModel() {
        assertThat(code).as(out + err).isZero();
        Row score = spark.sql("SELECT inputs, details FROM ingot.lineage WHERE output_table = 'scores.fraud'").first();
        Row input = spark.sql("SELECT output_version FROM ingot.lineage WHERE output_table = 'ml.fraud_scoring_input'")
                .first();
        assertThat(score.getString(0)).contains("{\"name\":\"input\",\"location\":\"ml.fraud_scoring_input\","
                        + "\"delta_version\":" + input.getLong(0) + "}")
                .as("the models' training set, at the version in their tags")
                .contains("{\"name\":\"training_set\",\"location\":\"ml.fraud_training_set\",\"delta_version\":0}")
                .contains("{\"name\":\"shadow_training_set\",\"location\":\"ml.fraud_training_set\",\"delta_version\":0}");
        assertThat(score.getString(1)).contains("\"model_version\":\"1\"");
        String features = spark.sql("SELECT inputs FROM ingot.lineage WHERE output_table = 'ml.fraud_scoring_input'")
                .first().getString(0);
        assertThat(features).contains("features.customer_spend_v1").contains("features.merchant_risk_v1")
                .contains("ml.fraud_scoring_spine");
    }
}
