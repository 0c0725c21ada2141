package dev.ingot.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckDef;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.core.config.SourceDef;
import dev.ingot.core.config.TimeSpan;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** examples/retail describes the demo data set that {@link RetailDemoData} writes, and loads without a problem. */
class ExampleProjectTest {
    private static final Path DIR = Path.of("..", "examples", "retail");
    private static final Project PROJECT = ProjectLoader.load(DIR, Map.of());

    @Test
    void projectSettingsPointAtTheRepositoryWarehouse() {
        assertThat(PROJECT.settings().name()).isEqualTo("retail");
        assertThat(PROJECT.settings().warehouse().localPath())
                .as("bin/ingot demo writes ./warehouse from the repository root")
                .isEqualTo(DIR.resolve("../../warehouse").toAbsolutePath().normalize());
    }

    @Test
    void theFraudModelIsAGbtOnBothFeatureViewsWithAGateAndAFairnessCheckAcrossSegments() {
        assertThat(PROJECT.models()).containsOnlyKeys("fraud");
        ModelDef fraud = PROJECT.models().get("fraud");
        assertThat(fraud.spine()).as("the spine bin/ingot demo writes").isEqualTo(new TableName("ml", "fraud_spine"));
        assertThat(fraud.timestamp()).isEqualTo("ts");
        assertThat(fraud.label()).isEqualTo("is_fraud");
        assertThat(fraud.features()).extracting(FeatureRef::view).containsExactly("customer_spend", "merchant_risk");
        assertThat(fraud.algorithm()).isEqualTo(ModelDef.Algorithm.GBT_CLASSIFIER);
        assertThat(fraud.params()).as("the benchmark's GBT: 100 trees of depth 5")
                .containsEntry("maxIter", "100").containsEntry("maxDepth", "5");
        assertThat(fraud.metrics()).containsExactly(ModelDef.Metric.AUC, ModelDef.Metric.PR_AUC,
                ModelDef.Metric.LOG_LOSS, ModelDef.Metric.F1, ModelDef.Metric.PRECISION_AT_K);
        assertThat(fraud.fairness()).map(ModelDef.Fairness::column).contains("segment");
        assertThat(fraud.gate()).extracting(ModelDef.GateRule::toString)
                .containsExactly("auc >= 0.6", "auc >= champion.auc - 0.005");
        long heldOut = fraud.testWindow().seconds() + fraud.validationWindow().orElseThrow().seconds();
        assertThat(heldOut).as("the demo's 182 days leave most of the data to train on").isLessThan(60 * 86_400L);
    }

    @Test
    void sourcesAreTheDemoTablesWithTheirColumns() {
        assertThat(PROJECT.sources()).containsOnlyKeys("customers", "merchants", "transactions", "chargebacks");
        for (SourceDef s : PROJECT.sources().values()) {
            assertThat(s.table()).as(s.name()).contains(new TableName(RetailDemoData.DATABASE, s.name()));
            assertThat(s.format()).as(s.name()).isEqualTo(SourceDef.Format.DELTA);
        }
        SourceDef transactions = PROJECT.sources().get("transactions");
        assertThat(transactions.eventTime()).isEqualTo("ts");
        assertThat(transactions.schema().keySet()).as("the columns RetailDemoData writes, in order")
                .containsExactly(RetailDemoData.TRANSACTION_COLUMNS);
        assertThat(PROJECT.sources().get("chargebacks").eventTime()).isEqualTo("chargeback_ts");
        assertThat(PROJECT.sources().get("customers").eventTime()).isEqualTo("signup_ts");
        assertThat(PROJECT.sources().get("merchants").eventTime()).isEqualTo("onboarded_ts");
    }

    @Test
    void customerSpendAggregatesTransactionsPerCustomer() {
        FeatureViewDef v = PROJECT.featureViews().get("customer_spend");
        assertThat(v.source()).isEqualTo("transactions");
        assertThat(v.entities()).containsExactly("customer_id");
        assertThat(v.cadence()).isEqualTo(TimeSpan.day());
        assertThat(v.ttl().seconds()).isEqualTo(30 * 86_400L);
        assertThat(v.checks()).containsExactly("customer_spend");
        assertThat(v.transformations()).extracting(FeatureViewDef.Transformation::name)
                .containsExactly("is_online", "is_foreign", "is_night");
        assertThat(v.featureNames()).containsExactly(
                "txn_count_1d", "txn_count_7d", "txn_count_30d",
                "amount_sum_1d", "amount_sum_7d", "amount_sum_30d",
                "amount_avg_7d", "amount_avg_30d",
                "amount_max_7d", "amount_max_30d",
                "amount_stddev_30d",
                "distinct_merchants_7d", "distinct_merchants_30d",
                "online_share_7d", "online_share_30d",
                "foreign_share_7d", "foreign_share_30d",
                "night_share_30d");
        FeatureViewDef.Aggregation online = v.aggregations().stream().filter(a -> a.name().equals("online_share"))
                .findFirst().orElseThrow();
        assertThat(online.function()).isEqualTo(FeatureViewDef.Function.AVG);
        assertThat(online.column()).contains("is_online");
        assertThat(v.filter()).as("broken rows stay out of the features").isPresent();
        assertDescribed(v);
    }

    @Test
    void merchantRiskUsesTransactionsOnly() {
        FeatureViewDef v = PROJECT.featureViews().get("merchant_risk");
        assertThat(v.source()).as("chargebacks would leak the label").isEqualTo("transactions");
        assertThat(v.entities()).containsExactly("merchant_id");
        assertThat(v.featureNames()).containsExactly("txn_count_1d", "txn_count_7d", "amount_eur_avg_7d",
                "distinct_customers_7d", "online_share_7d", "foreign_card_share_7d");
        assertThat(v.featureNames()).noneMatch(f -> f.contains("chargeback"));
        assertDescribed(v);
    }

    @Test
    void checksGuardTheRawTableAndTheFeatures() {
        assertThat(PROJECT.suites()).containsOnlyKeys("customer_spend", "transactions_raw");
        CheckSuiteDef raw = PROJECT.suites().get("transactions_raw");
        assertThat(raw.table()).contains(new TableName("raw", "transactions"));
        assertThat(raw.policy()).isEqualTo(CheckSuiteDef.Policy.QUARANTINE);
        assertThat(raw.checks()).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo(CheckSuiteDef.Kind.MIN);
            assertThat(c.columns()).containsExactly("amount");
            assertThat(((CheckDef.Min) c).min()).isEqualTo(0.0);
            assertThat(c.severity()).isEqualTo(CheckSuiteDef.Severity.ERROR);
        });
        assertThat(raw.checks()).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo(CheckSuiteDef.Kind.CONTAINED_IN);
            assertThat(c.columns()).containsExactly("currency");
            assertThat(((CheckDef.ContainedIn) c).values()).containsExactlyElementsOf(RetailDemoData.CURRENCIES);
        });
        assertThat(raw.checks()).filteredOn(c -> c.kind() == CheckSuiteDef.Kind.COMPLETENESS)
                .flatExtracting(CheckDef::columns).contains("customer_id", "merchant_id");
        assertThat(raw.checks()).anyMatch(c -> c instanceof CheckDef.Size s && s.min().isPresent());

        CheckSuiteDef features = PROJECT.suites().get("customer_spend");
        assertThat(features.table()).as("checks the rows of the view that names it").isEqualTo(Optional.empty());
        List<String> featureNames = PROJECT.featureViews().get("customer_spend").featureNames();
        assertThat(features.checks()).flatExtracting(CheckDef::columns)
                .allMatch(c -> c.equals("customer_id") || featureNames.contains(c));
    }

    private static void assertDescribed(FeatureViewDef v) {
        assertThat(v.description()).as(v.name()).isNotBlank();
        assertThat(v.aggregations()).allSatisfy(a -> assertThat(a.description()).as(a.name()).isNotBlank());
        assertThat(v.transformations()).allSatisfy(t -> assertThat(t.description()).as(t.name()).isNotBlank());
    }
}
