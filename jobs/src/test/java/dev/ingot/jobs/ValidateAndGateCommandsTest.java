package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.jobs.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate} and the gate of {@code features materialize} from the command line, in-process on the test JVM's
 * session: exit codes 0, 1 and 2, what is printed, the report, and what is (not) written. Each test has its own
 * orders table and project, so that the tests run in any order.
 */
class ValidateAndGateCommandsTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli");
    }

    @Test
    void validatePassesPrintsEveryCheckAndTheReportAndRecordsTheRun() throws IOException {
        Path project = shop("cli.orders_ok");
        Path reports = dir.resolve("reports");
        Result r = run("validate", "--project", project.toString(), "--table", "cli.orders_ok", "--reports", reports.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("cli.orders_ok at Delta version 0: 200 rows, 3 checks")
                .contains("ok     checks/orders.yaml checks[0]").contains("ok     checks/orders.yaml checks[1]")
                .contains("PASSED: 0 errors, 0 warnings");
        Path report = reportOf(r.out());
        assertThat(report).exists().startsWith(reports);
        assertThat(spark.sql("SELECT count(*) FROM quality.results WHERE `table` = 'cli.orders_ok' AND delta_version = 0")
                .first().getLong(0)).isEqualTo(3);
    }

    @Test
    void validateExitsWith1WhenAnErrorCheckFailsAndNamesIt() throws IOException {
        Path project = shop("cli.orders_bad");
        spark.sql("INSERT INTO cli.orders_bad VALUES (500, 1, TIMESTAMP'2026-01-03 10:00:00', -20.0)");
        Result r = run("validate", "--project", project.toString(), "--table", "cli.orders_bad", "--reports",
                dir.resolve("reports").toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("cli.orders_bad at Delta version 1: 201 rows").contains("ERROR  checks/orders.yaml checks[1]")
                .contains("FAILED: 1 errors");
        assertThat(reportOf(r.out())).exists();
        assertThat(spark.table("cli.orders_bad").count()).as("validate never changes the table").isEqualTo(201);
    }

    @Test
    void badSuiteOrTableIsExitCode2BeforeAnyJob() throws IOException {
        Path project = shop("cli.orders_args");
        Result unknown = run("validate", "--project", project.toString(), "--table", "cli.orders_args", "--suite", "order");
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
    void materializeThroughTheGateExitsWith1AndPublishesNothingWhenACheckFails() throws IOException {
        Path project = shop("cli.orders_gate");
        Path reports = dir.resolve("reports");
        // Customer 1 spends 0.5 + 7.5 + ... on day 1: under 400. Then an order of 900 on Jan 2 breaks the max.
        Result ok = run("features", "materialize", "--project", project.toString(), "--from", "2026-01-01",
                "--to", "2026-01-02", "--reports", reports.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("features.cli_spend_v1: 7 feature rows").contains("quality gate [cli_spend]: published")
                .contains("Report: ");
        long version = spark.sql("DESCRIBE HISTORY features.cli_spend_v1 LIMIT 1").first().getLong(0);

        spark.sql("INSERT INTO cli.orders_gate VALUES (501, 2, TIMESTAMP'2026-01-02 11:00:00', 900.0)");
        Result refused = run("features", "materialize", "--project", project.toString(), "--from", "2026-01-02",
                "--to", "2026-01-03", "--reports", reports.toString());
        assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(1);
        assertThat(refused.err()).contains("Quality gate of features.cli_spend_v1 failed").contains("checks/cli_spend.yaml checks[0]")
                .contains("Nothing was published").contains("features.cli_spend_v1__staging").contains("Report: ");
        assertThat(spark.sql("DESCRIBE HISTORY features.cli_spend_v1 LIMIT 1").first().getLong(0)).isEqualTo(version);
        assertThat(spark.sql("SELECT max(spend_1d) FROM features.cli_spend_v1__staging").first().getDouble(0)).isGreaterThan(900);
    }

    /**
     * An Airflow worker's case: ingot.yaml has secrets that only some commands use (Airflow's and the SQL server's
     * passwords, the signing key, the MLflow token), none of whose variables is set here. {@code validate} and
     * {@code features materialize} run as usual; the commands that use one of them refuse, naming it.
     */
    @Test
    void commandsRunWithoutTheVariablesOfSecretsTheyDoNotUse() throws IOException {
        Path project = ShopProject.write(spark, dir, "cli.orders_worker", "worker_spend");
        Path yaml = project.resolve("ingot.yaml");
        Files.writeString(yaml, Files.readString(yaml) + """
                tracking:
                  type: mlflow
                  uri: http://127.0.0.1:9
                  token: ${env:INGOT_TEST_WORKER_UNSET_TOKEN}
                signing:
                  private_key: ${env:INGOT_TEST_WORKER_UNSET_KEY}
                sql_server:
                  auth: password
                  username: analyst
                  password: ${env:INGOT_TEST_WORKER_UNSET_SQL}
                airflow:
                  url: http://127.0.0.1:9
                  username: admin
                  password: ${env:INGOT_TEST_WORKER_UNSET_AIRFLOW}
                """);
        Path reports = dir.resolve("reports");
        Result validate = run("validate", "--project", project.toString(), "--table", "cli.orders_worker",
                "--reports", reports.toString());
        assertThat(validate.code()).as(validate.err()).isZero();
        assertThat(validate.out()).contains("PASSED: 0 errors, 0 warnings");
        Result materialize = run("features", "materialize", "--project", project.toString(), "--from", "2026-01-01",
                "--to", "2026-01-02", "--reports", reports.toString());
        assertThat(materialize.code()).as(materialize.err()).isZero();
        assertThat(materialize.out()).contains("features.worker_spend_v1: 7 feature rows");

        Result airflow = run("airflow", "status", "ingot_daily", "--project", project.toString());
        assertThat(airflow.code()).as(airflow.err()).isEqualTo(2);
        assertThat(airflow.err()).contains("ingot.yaml: airflow.password")
                .contains("environment variable INGOT_TEST_WORKER_UNSET_AIRFLOW (from"
                        + " ${env:INGOT_TEST_WORKER_UNSET_AIRFLOW}) is not set")
                .contains("export INGOT_TEST_WORKER_UNSET_AIRFLOW").doesNotContain("127.0.0.1:9");
        Result sqlServer = run("sql-server", "--project", project.toString(), "--dry-run");
        assertThat(sqlServer.code()).as(sqlServer.err()).isEqualTo(2);
        assertThat(sqlServer.err()).contains("ingot.yaml: sql_server.password").contains("INGOT_TEST_WORKER_UNSET_SQL")
                .doesNotContain("airflow.password").doesNotContain("tracking.token");
    }

    private Path shop(String table) throws IOException {
        return ShopProject.write(spark, dir, table);
    }

    private static Path reportOf(String out) {
        Matcher m = Pattern.compile("Report: (\\S+\\.html)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Path.of(m.group(1));
    }
}
