package dev.ingot.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.Completeness;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.metrics.DoubleMetric;
import com.amazon.deequ.metrics.Entity$;
import com.amazon.deequ.metrics.Metric;
import com.amazon.deequ.repository.AnalysisResult;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.CheckDef;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckSuiteDef.AnomalyDef;
import dev.ingot.core.config.CheckSuiteDef.DriftDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import dev.ingot.core.config.CheckSuiteDef.Severity;
import dev.ingot.validation.internal.DeltaMetricsRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.util.Success;

class AnomalyDriftTest {
    private static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
    }

    private static CheckDef anomaly(CheckSuiteDef.Metric metric, String column, CheckSuiteDef.Strategy strategy,
                                    Double maxChange, Double sigmas, int window) {
        return new CheckDef.Anomaly(Optional.ofNullable(column),
                new AnomalyDef(metric, strategy, Optional.ofNullable(maxChange), Optional.ofNullable(sigmas), window),
                Severity.ERROR, "");
    }

    private static CheckDef drift(String column, TableName reference, Double psiMax, Double ksMax) {
        return new CheckDef.Drift(column,
                new DriftDef(Optional.ofNullable(reference), Optional.ofNullable(psiMax), Optional.ofNullable(ksMax), 10),
                Severity.ERROR, "");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void history(TableName table, Object analyzer, String entity, String name, String instance, double... values) {
        List<AnalysisResult> results = new ArrayList<>();
        long t0 = System.currentTimeMillis() - 1_000_000;
        for (int i = 0; i < values.length; i++) {
            DoubleMetric m = new DoubleMetric(entity.equals("Dataset") ? Entity$.MODULE$.Dataset() : Entity$.MODULE$.Column(),
                    name, instance, new Success<>(values[i]), Option.empty());
            Map<Analyzer<?, Metric<?>>, Metric<?>> one = Map.of((Analyzer) analyzer, (Metric) m);
            scala.collection.immutable.Map<Analyzer<?, Metric<?>>, Metric<?>> sm = scala.collection.immutable.Map$.MODULE$.empty();
            sm = sm.$plus(new scala.Tuple2<>((Analyzer) analyzer, (Metric) m));
            results.add(new AnalysisResult(DeltaMetricsRepository.key(t0 + i * 1000L, Optional.of(table.toString()), "h" + i),
                    new AnalyzerContext(sm)));
        }
        new DeltaMetricsRepository(spark, Tables.QUALITY_METRICS).saveAll(results);
    }

    /** n rows of amount, the first {@code nulls} of them null. */
    private static Dataset<Row> rows(int n, int nulls) {
        return spark.sql("SELECT id, IF(id < " + nulls + ", NULL, CAST(id AS DOUBLE)) AS amount FROM range(" + n + ")");
    }

    private static CheckResult only(Dataset<Row> data, TableName table, CheckDef check) {
        ValidationResult r = Validator.of(spark).withTable(table, 1)
                .validate(data, new CheckSuiteDef("rules", "", Optional.empty(), CheckSuiteDef.Policy.STRICT, List.of(check)));
        return r.checks().get(0);
    }

    @Test
    void rowCountChangingMoreThanThirtyPercentFromTheLastRunIsAnAnomaly() {
        Size size = new Size(Option.empty());
        TableName jump = new TableName("features", "anomaly_size_jump");
        history(jump, size, "Dataset", "Size", "*", 10, 10, 10);
        CheckDef rule = anomaly(CheckSuiteDef.Metric.SIZE, null, CheckSuiteDef.Strategy.RELATIVE_CHANGE, 0.3, null, 1);
        CheckResult fired = only(rows(14, 0), jump, rule);
        assertThat(fired.status()).as(fired.message()).isEqualTo(CheckStatus.FAILED);
        assertThat(fired.value().getAsDouble()).isEqualTo(14);
        assertThat(fired.message()).isEqualTo("size is 14 (previous: 10), an anomaly: expected a change of at most 30% from the previous run");

        TableName steady = new TableName("features", "anomaly_size_steady");
        history(steady, size, "Dataset", "Size", "*", 10, 10, 12);
        CheckResult quiet = only(rows(14, 0), steady, rule);
        assertThat(quiet.status()).as(quiet.message()).isEqualTo(CheckStatus.PASSED);

        CheckResult first = only(rows(14, 0), new TableName("features", "anomaly_size_new"), rule);
        assertThat(first.status()).isEqualTo(CheckStatus.PASSED);
        assertThat(first.message()).contains("not enough history yet (0 runs)");
    }

    @Test
    void completenessBeyondThreeSigmasOfRecentRunsIsAnAnomalyAndStableValuesAreNot() {
        Completeness completeness = new Completeness("amount", Option.empty(), Option.empty());
        TableName table = new TableName("features", "anomaly_completeness");
        history(table, completeness, "Column", "Completeness", "amount",
                0.91, 0.90, 0.89, 0.90, 0.91, 0.90, 0.89, 0.90, 0.91, 0.90);
        CheckDef rule = anomaly(CheckSuiteDef.Metric.COMPLETENESS, "amount", CheckSuiteDef.Strategy.STD_DEV, null, 3.0, 10);
        CheckResult fired = only(rows(10, 3), table, rule);
        assertThat(fired.status()).as(fired.message()).isEqualTo(CheckStatus.FAILED);
        assertThat(fired.value().getAsDouble()).isEqualTo(0.7);
        CheckResult quiet = only(rows(10, 1), table, rule);
        assertThat(quiet.status()).as(quiet.message()).isEqualTo(CheckStatus.PASSED);
        assertThat(quiet.value().getAsDouble()).isEqualTo(0.9);
    }

    @Test
    void driftAgainstAReferenceTableAndThePreviousRowsFiresOnAShiftAndNotOnTheSameDistribution() {
        TableName training = new TableName("ml", "drift_reference");
        spark.sql("SELECT CAST(id AS DOUBLE) AS amount FROM range(1, 1001)").write().format("delta").saveAsTable(training.toString());
        Dataset<Row> same = spark.sql("SELECT CAST(id AS DOUBLE) AS amount FROM range(1, 1001)");
        Dataset<Row> shifted = spark.sql("SELECT CAST(id AS DOUBLE) AS amount FROM range(501, 1501)");
        CheckDef rule = drift("amount", training, 0.2, 0.1);

        CheckResult stable = only(same, new TableName("features", "drift_t"), rule);
        assertThat(stable.status()).as(stable.message()).isEqualTo(CheckStatus.PASSED);
        assertThat(stable.value().getAsDouble()).isCloseTo(0.0, within(1e-9));

        ValidationResult r = Validator.of(spark).validate(shifted,
                new CheckSuiteDef("drift_rules", "", Optional.empty(), CheckSuiteDef.Policy.STRICT, List.of(rule)));
        CheckResult moved = r.checks().get(0);
        assertThat(moved.status()).as(moved.message()).isEqualTo(CheckStatus.FAILED);
        // Deciles of 1..1000 cut at 100, 200, ..., 900: 501..1500 leaves five bins empty, puts 10% in four and 60% in the last.
        double empty = (Drift_EPSILON - 0.1) * Math.log(Drift_EPSILON / 0.1);
        double psi = 5 * empty + (0.6 - 0.1) * Math.log(6);
        assertThat(moved.value().getAsDouble()).as("PSI").isCloseTo(psi, within(0.02));
        double ks = r.metrics().stream().filter(m -> m.name().equals("KS")).findFirst().orElseThrow().value();
        assertThat(ks).as("KS: at 1000, 100% of the reference and 50% of the new rows").isEqualTo(0.5);
        assertThat(moved.message()).startsWith("drift of amount from ml.drift_reference: PSI ");

        // reference: previous, through the gate: the target's current rows are the reference.
        TableName target = new TableName("features", "drift_target");
        same.write().format("delta").saveAsTable(target.toString());
        CheckSuiteDef previous = new CheckSuiteDef("drift_prev", "", Optional.empty(), CheckSuiteDef.Policy.STRICT,
                List.of(drift("amount", null, null, 0.1)));
        try (GateOutcome gate = Gate.of(spark).check(shifted, List.of(previous), target)) {
            assertThat(gate.publishable()).isFalse();
            assertThat(gate.errors().get(0).metric()).isEqualTo("KS");
            assertThat(gate.errors().get(0).value().getAsDouble()).isEqualTo(0.5);
            assertThat(gate.errors().get(0).message()).contains("from features.drift_target (current rows)");
        }
        try (GateOutcome gate = Gate.of(spark).check(same, List.of(previous), target)) {
            assertThat(gate.publishable()).isTrue();
        }
        assertThat(spark.table("quality.metrics").where("table = 'features.drift_target' AND metric IN ('PSI', 'KS')").count())
                .as("PSI and KS of both runs are in the history").isEqualTo(4);
    }

    private static final double Drift_EPSILON = 1e-4;
}
