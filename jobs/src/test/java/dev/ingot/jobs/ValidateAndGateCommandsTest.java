package dev.ingot.jobs;

import static dev.ingot.jobs.IngotMainTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.jobs.IngotMainTest.Result;

import dev.ingot.core.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate} and the gate of {@code features materialize} from the command line, in-process on the test JVM's
 * session: exit codes 0, 1 and 2, what is printed, the report, and what is (not) written.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ValidateAndGateCommandsTest {
    private static SparkSession spark;
    private static Path project;
    private static Path reports;

    @BeforeAll
    static void projectAndTable(@TempDir Path dir) throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli");
        spark.sql("SELECT id AS order_id, CAST(id % 7 AS BIGINT) AS customer_id, "
                        + "timestamp_seconds(1767225600 + id * 3600) AS ts, CAST(id % 50 AS DOUBLE) + 0.5 AS amount FROM range(200)")
                .write().format("delta").mode("overwrite").saveAsTable("cli.orders");
        project = dir.resolve("shop");
        reports = dir.resolve("reports");
        write("ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n");
        write("sources/orders.yaml", "table: cli.orders\nevent_time: ts\n");
        write("checks/orders.yaml", """
                table: cli.orders
                checks:
                  - kind: uniqueness
                    columns: [order_id]
                    description: One row per order.
                  - kind: min
                    column: amount
                    min: 0
                    description: No negative amounts.
                  - kind: size
                    max: 1000
                    severity: warning
                    description: The table stays small.
                """);
        write("feature_views/cli_spend.yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                checks: [cli_spend]
                """);
        write("checks/cli_spend.yaml", """
                checks:
                  - kind: max
                    column: spend_1d
                    max: 400
                    description: Nobody spends more than 400 a day.
                """);
    }

    private static void write(String file, String text) throws IOException {
        Path p = project.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    @Order(1)
    void validatePassesPrintsEveryCheckAndTheReportAndRecordsTheRun() {
        Result r = run("validate", "--project", project.toString(), "--table", "cli.orders", "--reports", reports.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("cli.orders at Delta version 0: 200 rows, 3 checks")
                .contains("ok     checks/orders.yaml checks[0]").contains("ok     checks/orders.yaml checks[1]")
                .contains("PASSED: 0 errors, 0 warnings");
        Path report = reportOf(r.out());
        assertThat(report).exists().startsWith(reports);
        assertThat(spark.sql("SELECT count(*) FROM quality.results WHERE `table` = 'cli.orders' AND delta_version = 0")
                .first().getLong(0)).isEqualTo(3);
    }

    @Test
    @Order(2)
    void validateExitsWith1WhenAnErrorCheckFailsAndNamesIt() {
        spark.sql("INSERT INTO cli.orders VALUES (500, 1, TIMESTAMP'2026-01-03 10:00:00', -20.0)");
        Result r = run("validate", "--project", project.toString(), "--table", "cli.orders", "--reports", reports.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("cli.orders at Delta version 1: 201 rows").contains("ERROR  checks/orders.yaml checks[1]")
                .contains("FAILED: 1 errors");
        assertThat(reportOf(r.out())).exists();
        assertThat(spark.table("cli.orders").count()).as("validate never changes the table").isEqualTo(201);
    }

    @Test
    @Order(3)
    void badSuiteOrTableIsExitCode2BeforeAnyJob() {
        Result unknown = run("validate", "--project", project.toString(), "--table", "cli.orders", "--suite", "order");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("order").contains("orders");
        Result none = run("validate", "--project", project.toString(), "--table", "cli.customers");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("a suite for cli.customers").contains("--suite");
        Result bare = run("validate", "--project", project.toString(), "--table", "orders");
        assertThat(bare.code()).isEqualTo(2);
        assertThat(bare.err()).contains("database.table").contains("cli_spend");
    }

    @Test
    @Order(4)
    void materializeThroughTheGateExitsWith1AndPublishesNothingWhenACheckFails() {
        // Customer 1 spends 0.5 + 7.5 + ... on day 1: under 400. Then an order of 900 on Jan 2 breaks the max.
        Result ok = run("features", "materialize", "--project", project.toString(), "--from", "2026-01-01",
                "--to", "2026-01-02", "--reports", reports.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("features.cli_spend_v1: 7 feature rows").contains("quality gate [cli_spend]: published")
                .contains("Report: ");
        long version = spark.sql("DESCRIBE HISTORY features.cli_spend_v1 LIMIT 1").first().getLong(0);

        spark.sql("INSERT INTO cli.orders VALUES (501, 2, TIMESTAMP'2026-01-02 11:00:00', 900.0)");
        Result refused = run("features", "materialize", "--project", project.toString(), "--from", "2026-01-02",
                "--to", "2026-01-03", "--reports", reports.toString());
        assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(1);
        assertThat(refused.err()).contains("Quality gate of features.cli_spend_v1 failed").contains("checks/cli_spend.yaml checks[0]")
                .contains("Nothing was published").contains("features.cli_spend_v1__staging").contains("Report: ");
        assertThat(spark.sql("DESCRIBE HISTORY features.cli_spend_v1 LIMIT 1").first().getLong(0)).isEqualTo(version);
        assertThat(spark.sql("SELECT max(spend_1d) FROM features.cli_spend_v1__staging").first().getDouble(0)).isGreaterThan(900);
    }

    private static Path reportOf(String out) {
        Matcher m = Pattern.compile("Report: (\\S+\\.html)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Path.of(m.group(1));
    }
}
