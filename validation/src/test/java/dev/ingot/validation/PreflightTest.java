package dev.ingot.validation;

import static dev.ingot.validation.Suites.col;
import static dev.ingot.validation.Suites.pattern;
import static dev.ingot.validation.Suites.predicate;
import static dev.ingot.validation.Suites.strict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.ExitCode;
import dev.ingot.core.InvalidConfigException;
import dev.ingot.core.TableName;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class PreflightTest {
    @Test
    void checksThatDoNotFitTheSchemaAreAllReportedWithFileCheckAndColumnsBeforeAnyJob() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> data = spark.sql("SELECT 'c1' AS customer_id, 12.5 AS spend_7d, 3 AS orders");
        String group = "preflight-" + System.nanoTime();
        spark.sparkContext().setJobGroup(group, "preflight", false);
        InvalidConfigException e;
        try {
            e = catchThrowableOfType(() -> Validator.of(spark).withTable(new TableName("features", "spend_v1"), 3)
                    .validate(data, strict("spend_checks",
                            col(Kind.COMPLETENESS, "customer_id", null, null),
                            col(Kind.COMPLETENESS, "spend_30d", null, null),
                            col(Kind.MEAN, "customer_id", null, 1.0),
                            pattern("orders", "^[0-9]+$", null),
                            predicate("refunds > 0", null),
                            predicate("orders + 1", null))), InvalidConfigException.class);
            assertThat(spark.sparkContext().statusTracker().getJobIdsForGroup(group)).as("no job started").isEmpty();
        } finally {
            spark.sparkContext().clearJobGroup();
        }
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        List<ConfigProblem> p = e.problems();
        assertThat(p).extracting(ConfigProblem::keyPath)
                .containsExactly("checks[1].column", "checks[2].column", "checks[3].column", "checks[4].expr", "checks[5].expr");
        assertThat(p).extracting(ConfigProblem::file).containsOnly("checks/spend_checks.yaml");
        assertThat(p.get(0).toString()).isEqualTo("checks/spend_checks.yaml: checks[1].column: the completeness check names column "
                + "'spend_30d', which features.spend_v1 does not have (columns: customer_id, spend_7d, orders). "
                + "Fix: name one of the columns of features.spend_v1");
        assertThat(p.get(1).problem()).contains("needs a numeric column, but 'customer_id' of features.spend_v1 is string");
        assertThat(p.get(2).problem()).contains("needs a string column, but 'orders' of features.spend_v1 is int");
        assertThat(p.get(3).problem()).contains("'refunds > 0' cannot be evaluated").contains("refunds")
                .contains("(columns: customer_id, spend_7d, orders)");
        assertThat(p.get(4).problem()).contains("'orders + 1' is a int, not a condition");
        assertThat(e.getMessage()).startsWith("Cannot validate features.spend_v1: 5 problems");
    }
}
