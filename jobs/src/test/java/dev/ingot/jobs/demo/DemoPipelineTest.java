package dev.ingot.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.jobs.IngotMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.ingot.core.Location;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, small: {@code demo --rows 20000 --days 60} end to end in the test JVM's session. The broken rows
 * are quarantined at load, the feature views pass their gate, the reports are written, the training set exists, and
 * the fraud model is trained, registered and promoted to champion in the local tracking store.
 */
class DemoPipelineTest {
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
        assertThat(out).contains("[4/6] Point-in-time training set ml.fraud_training_set: done")
                .contains("[5/6] Train the fraud model (models/fraud.yaml, gbt_classifier) on ml.fraud_training_set")
                .contains("[6/6] Promote fraud v1 to champion")
                .contains("broken rows quarantined in quality.transactions__quarantine")
                .contains("quality gate [customer_spend]: published").contains("Quality reports: ");
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
        assertThat(versions).as("one training on a fresh warehouse").extracting(ModelVersion::version).containsExactly(1L);
        assertThat(store.versionByAlias("fraud", "champion")).as(out).isPresent();
        ModelVersion champion = store.versionByAlias("fraud", "champion").orElseThrow();
        assertThat(champion.version()).isEqualTo(1);
        assertThat(champion.aliases()).containsExactlyInAnyOrder("champion", "challenger");
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
}
