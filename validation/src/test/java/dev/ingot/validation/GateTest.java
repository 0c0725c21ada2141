package dev.ingot.validation;

import static dev.ingot.validation.Suites.col;
import static dev.ingot.validation.Suites.containedIn;
import static dev.ingot.validation.Suites.predicate;
import static dev.ingot.validation.Suites.strict;
import static dev.ingot.validation.Suites.suite;
import static dev.ingot.validation.Suites.warning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazon.deequ.analyzers.Completeness;
import com.amazon.deequ.repository.AnalysisResult;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import dev.ingot.validation.internal.DeltaMetricsRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

class GateTest {
    private static SparkSession spark;
    private static Dataset<Row> candidate;

    /**
     * Eight orders; o3 has no amount, o5 a negative one, o6 an unknown status, o7 both a negative amount and an
     * unknown status. The rest are good.
     */
    @BeforeAll
    static void data() {
        spark = TestSpark.session();
        StructType schema = new StructType().add("order_id", DataTypes.StringType).add("amount", DataTypes.DoubleType)
                .add("status", DataTypes.StringType);
        List<Row> rows = List.of(
                RowFactory.create("o1", 10.0, "paid"),
                RowFactory.create("o2", 20.0, "paid"),
                RowFactory.create("o3", null, "paid"),
                RowFactory.create("o4", 40.0, "new"),
                RowFactory.create("o5", -5.0, "new"),
                RowFactory.create("o6", 60.0, "lost"),
                RowFactory.create("o7", -7.0, "stolen"),
                RowFactory.create("o8", 80.0, "paid"));
        candidate = spark.createDataFrame(rows, schema);
    }

    private static void publish(GateOutcome gate, TableName target) {
        gate.published().write().format("delta").mode("append").saveAsTable(target.toString());
    }

    private static long version(TableName t) {
        return spark.sql("DESCRIBE HISTORY " + t.sql()).selectExpr("max(version)").first().getLong(0);
    }

    @Test
    void quarantineMovesExactlyTheBadRowsWithTheirReasonsAndPublishesTheRest() {
        TableName target = new TableName("features", "gate_orders_q");
        CheckSuiteDef orders = suite("orders_q", CheckSuiteDef.Policy.QUARANTINE,
                col(Kind.COMPLETENESS, "amount", null, null),
                predicate("amount >= 0", null),
                containedIn("status", "new", "paid"),
                Suites.check(Kind.UNIQUENESS, List.of("order_id"), null, null),
                warning(col(Kind.MAX, "amount", null, 50.0)));
        try (GateOutcome gate = Gate.of(spark).check(candidate, List.of(orders), target)) {
            assertThat(gate.publishable()).as(gate.result().summary()).isTrue();
            assertThat(gate.quarantinedRows()).isEqualTo(4);
            ValidationResult r = gate.result();
            assertThat(r.check("orders_q", 0).status()).isEqualTo(CheckStatus.QUARANTINED);
            assertThat(r.check("orders_q", 0).failingRows()).isEqualTo(1);
            assertThat(r.check("orders_q", 1).failingRows()).as("o3 (null), o5, o7").isEqualTo(3);
            assertThat(r.check("orders_q", 2).failingRows()).as("o6, o7").isEqualTo(2);
            assertThat(r.check("orders_q", 1).value().getAsDouble()).as("measured on every row").isEqualTo(5 / 8.0);
            assertThat(r.check("orders_q", 3).status()).isEqualTo(CheckStatus.PASSED);
            // The warning is decided on the rows published: o1, o2, o4, o8 have a maximum of 80.
            assertThat(r.check("orders_q", 4).status()).isEqualTo(CheckStatus.FAILED);
            assertThat(r.check("orders_q", 4).value().getAsDouble()).isEqualTo(80.0);
            assertThat(gate.warnings()).hasSize(1);
            publish(gate, target);
        }
        assertThat(spark.table(target.toString()).select("order_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
                .containsExactlyInAnyOrder("o1", "o2", "o4", "o8");
        Map<String, List<String>> reasons = spark.table(Tables.quarantine(target).toString()).collectAsList().stream()
                .collect(Collectors.toMap(row -> row.getString(row.fieldIndex("order_id")),
                        row -> row.getList(row.fieldIndex("failed_checks"))));
        assertThat(reasons).containsExactlyInAnyOrderEntriesOf(Map.of(
                "o3", List.of("orders_q#0", "orders_q#1"),
                "o5", List.of("orders_q#1"),
                "o6", List.of("orders_q#2"),
                "o7", List.of("orders_q#1", "orders_q#2")));
    }

    @Test
    void anExplicitFractionStillStopsTheGateWhenTooManyRowsWouldBeQuarantined() {
        TableName target = new TableName("features", "gate_orders_limit");
        CheckSuiteDef orders = suite("orders_limit", CheckSuiteDef.Policy.QUARANTINE, predicate("amount >= 0", 0.9));
        try (GateOutcome gate = Gate.of(spark).check(candidate, List.of(orders), target)) {
            assertThat(gate.publishable()).isFalse();
            assertThat(gate.errors()).singleElement().satisfies(c -> {
                assertThat(c.status()).isEqualTo(CheckStatus.FAILED);
                assertThat(c.failingRows()).isEqualTo(3);
                assertThat(c.message()).isEqualTo("fraction satisfying 'amount >= 0' is 0.625, expected >= 0.9 (3 of 8 rows fail)");
            });
            assertThat(gate.quarantinedRows()).as("nothing moved when nothing is published").isZero();
        }
        assertThat(spark.catalog().tableExists("quality", "gate_orders_limit__quarantine")).isFalse();
    }

    @Test
    void aRangeCheckQuarantinesWhateverItsLowerBound() {
        // The range's bounds are values, not a fraction of rows: a lower bound below 1 once read as "some rows may
        // fail" and stopped the publish instead of quarantining.
        TableName target = new TableName("features", "gate_orders_range");
        CheckSuiteDef orders = suite("orders_range", CheckSuiteDef.Policy.QUARANTINE, col(Kind.RANGE, "amount", 0.0, 100.0));
        try (GateOutcome gate = Gate.of(spark).check(candidate, List.of(orders), target)) {
            assertThat(gate.publishable()).isTrue();
            CheckResult c = gate.result().check("orders_range", 0);
            assertThat(c.status()).isEqualTo(CheckStatus.QUARANTINED);
            assertThat(c.failingRows()).as("o5 and o7 (o3's null amount passes a range)").isEqualTo(2);
            assertThat(gate.quarantinedRows()).isEqualTo(2);
        }
    }

    @Test
    void aNonDeterministicCandidateIsSplitExactlyAsItWasMeasured() {
        // rand() gives other values on every read: the split must come from the rows the metrics saw.
        Dataset<Row> random = spark.range(2000).selectExpr("id", "rand() - 0.5 AS amount");
        TableName target = new TableName("features", "gate_random");
        CheckSuiteDef s = suite("random_q", CheckSuiteDef.Policy.QUARANTINE, predicate("amount >= 0", null));
        try (GateOutcome gate = Gate.of(spark).check(random, List.of(s), target)) {
            long quarantined = gate.quarantinedRows();
            assertThat(quarantined).isBetween(800L, 1200L);
            assertThat(gate.published().count()).isEqualTo(2000 - quarantined);
            assertThat(gate.published().where("amount < 0").count()).isZero();
            assertThat(spark.table(Tables.quarantine(target).toString()).count()).isEqualTo(quarantined);
        }
    }

    @Test
    void minOneWrittenOutQuarantinesLikeTheDefault() {
        TableName target = new TableName("features", "gate_orders_min1");
        CheckSuiteDef orders = suite("orders_min1", CheckSuiteDef.Policy.QUARANTINE,
                col(Kind.COMPLETENESS, "amount", 1.0, null), predicate("amount >= 0", 1.0));
        try (GateOutcome gate = Gate.of(spark).check(candidate, List.of(orders), target)) {
            assertThat(gate.publishable()).as(gate.result().summary()).isTrue();
            assertThat(gate.quarantinedRows()).isEqualTo(3); // o3 (no amount), o5 and o7 (negative)
            assertThat(gate.published().count()).isEqualTo(5);
            assertThat(gate.result().checks()).extracting(CheckResult::status)
                    .containsExactly(CheckStatus.QUARANTINED, CheckStatus.QUARANTINED);
        }
    }

    @Test
    void aFailingErrorCheckPublishesNothingAndLeavesTheTableVersionUnchanged() {
        TableName target = new TableName("features", "gate_orders_strict");
        candidate.limit(0).write().format("delta").saveAsTable(target.toString());
        long before = version(target);
        CheckSuiteDef orders = strict("orders_strict", predicate("amount >= 0", null));
        try (GateOutcome gate = Gate.of(spark).check(candidate, List.of(orders), target)) {
            assertThat(gate.publishable()).isFalse();
            assertThat(gate.quarantinedRows()).isZero();
            assertThatThrownBy(gate::published).isInstanceOf(IngotException.class)
                    .satisfies(e -> assertThat(((IngotException) e).exitCode()).isEqualTo(ExitCode.GATE_FAILED))
                    .hasMessageContaining("checks/orders_strict.yaml checks[0] fraction satisfying 'amount >= 0' is 0.625");
        }
        assertThat(version(target)).isEqualTo(before);
        assertThat(spark.catalog().tableExists("quality", "gate_orders_strict__quarantine")).isFalse();
    }

    @Test
    void warningsAloneDoNotStopThePublish() {
        TableName target = new TableName("features", "gate_orders_warn");
        candidate.limit(0).write().format("delta").saveAsTable(target.toString());
        long before = version(target);
        CheckSuiteDef orders = strict("orders_warn", warning(predicate("amount >= 0", null)));
        try (GateOutcome gate = Gate.of(spark).check(candidate, List.of(orders), target)) {
            assertThat(gate.publishable()).isTrue();
            assertThat(gate.warnings()).extracting(CheckResult::checkId).containsExactly("orders_warn#0");
            publish(gate, target);
        }
        assertThat(version(target)).isEqualTo(before + 1);
        assertThat(spark.table(target.toString()).count()).isEqualTo(8);
    }

    @Test
    void everyRunIsRecordedInQualityMetricsAndResultsAndReadableByDeequ() {
        TableName target = new TableName("features", "gate_orders_history");
        CheckSuiteDef orders = strict("orders_history", col(Kind.COMPLETENESS, "amount", 0.5, null),
                col(Kind.MEAN, "amount", 0.0, 100.0));
        String runId;
        try (GateOutcome gate = Gate.of(spark).check(candidate, List.of(orders), target)) {
            runId = gate.result().runId();
            assertThat(gate.result().deltaVersion().getAsLong()).as("the target does not exist yet").isEqualTo(-1);
        }
        List<Row> metrics = spark.table("quality.metrics").where("run_id = '" + runId + "'")
                .select("table", "suite", "check_index", "check_id", "column", "metric", "value").orderBy("metric").collectAsList();
        assertThat(metrics).extracting(Row::toString).containsExactly(
                "[features.gate_orders_history,orders_history,0,orders_history#0,amount,Completeness,0.875]",
                "[features.gate_orders_history,orders_history,1,orders_history#1,amount,Mean," + (198.0 / 7) + "]",
                "[features.gate_orders_history,null,null,null,*,Size,8.0]");
        List<Row> results = spark.table("quality.results").where("run_id = '" + runId + "'")
                .select("check_id", "status", "severity", "suite_file").orderBy("check_id").collectAsList();
        assertThat(results).extracting(Row::toString).containsExactly(
                "[orders_history#0,passed,error,checks/orders_history.yaml]",
                "[orders_history#1,passed,error,checks/orders_history.yaml]");

        DeltaMetricsRepository repo = new DeltaMetricsRepository(spark, Tables.QUALITY_METRICS);
        List<AnalysisResult> loaded = new ArrayList<>(JavaConverters.seqAsJavaList(repo.load()
                .withTagValues(DeltaMetricsRepository.immutableForTest(Map.of(DeltaMetricsRepository.TAG_RUN, runId))).get()));
        assertThat(loaded).hasSize(1);
        Object completeness = new Completeness("amount", scala.Option.empty(), scala.Option.empty());
        assertThat(loaded.get(0).analyzerContext().metricMap().toList().toString())
                .contains("Completeness(amount,None,None)").contains("0.875");
    }
}
