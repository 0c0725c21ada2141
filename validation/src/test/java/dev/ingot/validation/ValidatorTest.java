package dev.ingot.validation;

import static dev.ingot.validation.Suites.check;
import static dev.ingot.validation.Suites.col;
import static dev.ingot.validation.Suites.containedIn;
import static dev.ingot.validation.Suites.pattern;
import static dev.ingot.validation.Suites.predicate;
import static dev.ingot.validation.Suites.quantile;
import static dev.ingot.validation.Suites.strict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ingot.core.TestSpark;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ValidatorTest {
    private static SparkSession spark;
    private static Dataset<Row> data;

    /**
     * Ten rows built so that each check kind has a known metric: id 9 twice (uniqueness 0.8), amount 10..90 and one
     * null (completeness 0.9, mean 50), status 'lost' once and null once, code 'x' once and null once.
     */
    @BeforeAll
    static void data() {
        spark = TestSpark.session();
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType)
                .add("amount", DataTypes.DoubleType)
                .add("status", DataTypes.StringType)
                .add("code", DataTypes.StringType);
        String[] status = {"new", "new", "paid", "paid", "paid", "shipped", "shipped", "lost", null, "new"};
        String[] code = {"o-1", "o-2", "o-3", "x", "o-5", "o-6", "o-7", "o-8", "o-9", null};
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(RowFactory.create(i == 9 ? 9 : i + 1, i == 9 ? null : 10.0 * (i + 1), status[i], code[i]));
        }
        data = spark.createDataFrame(rows, schema);
    }

    private static void assertAll(ValidationResult r, CheckStatus status, double[] values) {
        assertThat(r.checks()).hasSize(values.length);
        for (int i = 0; i < values.length; i++) {
            CheckResult c = r.checks().get(i);
            assertThat(c.status()).as("%s: %s", c.checkId(), c.message()).isEqualTo(status);
            assertThat(c.value()).as("%s metric %s", c.checkId(), c.metric()).isPresent();
            assertThat(c.value().getAsDouble()).as("%s metric %s", c.checkId(), c.metric()).isCloseTo(values[i], within(1e-9));
            assertThat(c.checkIndex()).isEqualTo(i);
            assertThat(c.suiteFile()).isEqualTo("checks/" + c.suite() + ".yaml");
        }
    }

    private static final double STDDEV = Math.sqrt(6000.0 / 9); // population stddev of 10, 20, ..., 90

    @Test
    void everyCheckKindPassesOnDataWithinItsBoundsWithExactMetrics() {
        CheckSuiteDef suite = strict("passing",
                col(Kind.COMPLETENESS, "amount", 0.9, null),
                check(Kind.UNIQUENESS, List.of("id"), 0.8, null),
                containedIn("status", "new", "paid", "shipped", "lost"),
                col(Kind.MIN, "amount", 10.0, null),
                col(Kind.MAX, "amount", null, 90.0),
                col(Kind.RANGE, "amount", 10.0, 90.0),
                pattern("code", "^[ox]-?[0-9]*$", null),
                check(Kind.SIZE, List.of(), 10.0, 10.0),
                col(Kind.DISTINCT_COUNT, "status", 4.0, 4.0),
                quantile("amount", 0.5, 50.0, 50.0),
                col(Kind.MEAN, "amount", 50.0, 50.0),
                col(Kind.STDDEV, "amount", 25.0, 26.0),
                predicate("amount >= 10 OR amount IS NULL", null));
        ValidationResult r = Validator.of(spark).validate(data, suite);
        assertAll(r, CheckStatus.PASSED, new double[] {0.9, 0.8, 1, 10, 90, 1, 1, 10, 4, 50, 50, STDDEV, 1});
        assertThat(r.passed()).isTrue();
        assertThat(r.rows()).isEqualTo(10);
        assertThat(r.check("passing", 0).metric()).isEqualTo("Completeness");
        assertThat(r.check("passing", 1).metric()).isEqualTo("Uniqueness");
        assertThat(r.check("passing", 8).metric()).isEqualTo("CountDistinct");
    }

    @Test
    void everyCheckKindFailsOnDataOutsideItsBoundsWithExactMetrics() {
        CheckSuiteDef suite = strict("failing",
                col(Kind.COMPLETENESS, "amount", null, null),
                check(Kind.UNIQUENESS, List.of("id"), null, null),
                containedIn("status", "new", "paid", "shipped"),
                col(Kind.MIN, "amount", 15.0, null),
                col(Kind.MAX, "amount", null, 85.0),
                col(Kind.RANGE, "amount", 0.0, 85.0),
                pattern("code", "^o-[0-9]+$", null),
                check(Kind.SIZE, List.of(), 11.0, null),
                col(Kind.DISTINCT_COUNT, "status", null, 3.0),
                quantile("amount", 0.5, 55.0, null),
                col(Kind.MEAN, "amount", null, 45.0),
                col(Kind.STDDEV, "amount", null, 20.0),
                predicate("amount >= 15", 0.9));
        ValidationResult r = Validator.of(spark).validate(data, suite);
        assertAll(r, CheckStatus.FAILED, new double[] {0.9, 0.8, 0.9, 10, 90, 0.9, 0.9, 10, 4, 50, 50, STDDEV, 0.8});
        assertThat(r.passed()).isFalse();
        assertThat(r.errors()).hasSize(13);
        assertThat(r.check("failing", 0).failingRows()).isEqualTo(1);
        assertThat(r.check("failing", 12).failingRows()).as("10 is below 15, and null is not >= 15").isEqualTo(2);
        assertThat(r.check("failing", 0).message()).isEqualTo("completeness of amount is 0.9, expected >= 1 (1 of 10 rows fail)");
        assertThat(r.check("failing", 2).message())
                .isEqualTo("fraction of values in [new, paid, shipped] of status is 0.9, expected 1 (every value) (1 of 10 rows fail)");
    }

    @Test
    void warningsAreReportedButDoNotFailTheRun() {
        CheckSuiteDef suite = strict("warn", Suites.warning(col(Kind.COMPLETENESS, "amount", null, null)),
                col(Kind.COMPLETENESS, "id", null, null));
        ValidationResult r = Validator.of(spark).validate(data, suite);
        assertThat(r.passed()).isTrue();
        assertThat(r.warnings()).extracting(CheckResult::checkId).containsExactly("warn#0");
        assertThat(r.summary()).contains("1 warnings").contains("WARNING checks/warn.yaml checks[0] completeness of amount is 0.9");
    }

    @Test
    void noRowsPassEveryCheckButASizeCheck() {
        CheckSuiteDef suite = strict("empty", col(Kind.COMPLETENESS, "amount", null, null), col(Kind.MEAN, "amount", 1.0, 2.0),
                quantile("amount", 0.5, 1.0, null), check(Kind.SIZE, List.of(), 1.0, null));
        ValidationResult r = Validator.of(spark).validate(data.limit(0), suite);
        assertThat(r.checks()).extracting(CheckResult::status)
                .containsExactly(CheckStatus.PASSED, CheckStatus.PASSED, CheckStatus.PASSED, CheckStatus.FAILED);
        assertThat(r.check("empty", 1).message()).isEqualTo("mean of amount: no rows to check");
    }

    @Test
    void threeHundredChecksInOneSuiteRunInOneGo() {
        List<CheckDef> checks = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            checks.add(switch (i % 4) {
                case 0 -> col(Kind.COMPLETENESS, "amount", 0.5 + i / 1000.0, null);
                case 1 -> col(Kind.RANGE, "amount", 0.0, 90.0 + i);
                case 2 -> predicate("id <= " + (100 + i), null);
                default -> col(Kind.MEAN, "amount", null, 50.0 + i);
            });
        }
        CheckSuiteDef suite = strict("many", checks.toArray(CheckDef[]::new));
        ValidationResult r = Validator.of(spark).validate(data, suite);
        assertThat(r.checks()).hasSize(300);
        assertThat(r.checks()).allSatisfy(c -> assertThat(c.status()).as(c.message()).isEqualTo(CheckStatus.PASSED));
        assertThat(r.check("many", 299).value().getAsDouble()).isEqualTo(50.0);
    }

    @Test
    void checksMapBackToEverySuiteWhenSeveralRunTogether() {
        CheckSuiteDef a = strict("suite_a", col(Kind.COMPLETENESS, "amount", null, null));
        CheckSuiteDef b = strict("suite_b", col(Kind.COMPLETENESS, "amount", 0.5, null), check(Kind.SIZE, List.of(), 1.0, null));
        ValidationResult r = Validator.of(spark).validate(data, List.of(a, b));
        assertThat(r.checks()).extracting(CheckResult::checkId).containsExactly("suite_a#0", "suite_b#0", "suite_b#1");
        assertThat(r.checks()).extracting(CheckResult::status)
                .containsExactly(CheckStatus.FAILED, CheckStatus.PASSED, CheckStatus.PASSED);
        assertThat(Arrays.asList(r.check("suite_a", 0).value().getAsDouble(), r.check("suite_b", 0).value().getAsDouble()))
                .as("the same analyzer serves both checks").containsExactly(0.9, 0.9);
    }
}
