package dev.ingot.jobs.airflow;

import static org.assertj.core.api.Assertions.assertThat;

import static dev.ingot.jobs.airflow.AirflowCli.ingot;
import static dev.ingot.jobs.airflow.AirflowCli.row;

import dev.ingot.core.TestSpark;
import dev.ingot.jobs.airflow.AirflowCli.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The DAGs of {@code airflow-dags/} on a real Airflow 3 (see {@link AirflowServerExtension}), their tasks running the
 * packaged distribution's {@code bin/spark-submit} from the {@code PATH} with the app jar, over a small project whose
 * orders are CSV files: {@code ingot_backfill} materializes two days through a quality gate that passes and succeeds;
 * {@code ingot_daily} for a day whose spend breaks the gate fails its first task once (exit 1, no retry) and never
 * runs validate or score. Every task leaves its {@code ingot.job_runs} row with Airflow's ids. Needs
 * {@code mvn package} (a failsafe test).
 */
class AirflowDagsIT {
    private static final Path DIST = Path.of(System.getProperty("ingot.dist", "target/ingot-dist")).toAbsolutePath();
    private static final Path DAGS = Path.of("..", "airflow-dags").toAbsolutePath().normalize();
    /** The project the tasks run on (fixed before Airflow starts: its Variable is in Airflow's environment). */
    private static final Path PROJECT = tempDir("ingot-dags-project-");

    @RegisterExtension
    static final AirflowServerExtension AIRFLOW = AirflowServerExtension.airflow3(3600).withDags(DAGS,
            Set.of("ingot_daily", "ingot_train", "ingot_backfill"), Map.of(
                    "PATH", DIST.resolve("bin").toString(),
                    "SPARK_HOME", DIST.toString(),
                    "JAVA_HOME", System.getProperty("java.home"),
                    "SPARK_LOCAL_IP", "127.0.0.1",
                    "AIRFLOW_CONN_INGOT_SPARK", "{\"conn_type\": \"spark\", \"host\": \"local[1]\"}",
                    "AIRFLOW_VAR_INGOT_PROJECT_DIR", PROJECT.toString(),
                    "AIRFLOW_VAR_INGOT_APP_JAR", DIST.resolve("app/ingot-jobs.jar").toString()));

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void projects() throws Exception {
        // Orders of three customers, one an hour from 2026-01-01 to 2026-01-06; on 2026-01-05 c1 spends 1000.
        StringBuilder csv = new StringBuilder("order_id,customer_id,amount,ts\n");
        for (int h = 0; h < 5 * 24; h++) {
            String day = "2026-01-0" + (1 + h / 24);
            double amount = day.equals("2026-01-05") && h % 24 == 12 ? 1000 : 1 + h % 10;
            csv.append(h).append(",c").append(h % 3).append(',').append(amount).append(',').append(day)
                    .append(String.format("T%02d:00:00Z%n", h % 24));
        }
        write(PROJECT, "data/orders/part-0.csv", csv.toString());
        write(PROJECT, "ingot.yaml", "name: shop\nwarehouse: warehouse\n");
        write(PROJECT, "sources/orders.yaml", """
                path: data/orders
                format: csv
                options:
                  header: true
                schema:
                  order_id: long
                  customer_id: string
                  amount: double
                  ts: timestamp
                event_time: ts
                """);
        write(PROJECT, "feature_views/spend.yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                checks: [spend]
                """);
        write(PROJECT, "checks/spend.yaml", """
                checks:
                  - kind: max
                    column: spend_1d
                    max: 400
                    description: Nobody spends more than 400 a day.
                """);
    }

    private static void write(Path dir, String file, String text) throws IOException {
        Files.createDirectories(dir.resolve(file).getParent());
        Files.writeString(dir.resolve(file), text);
    }

    /** A Delta table of the project's warehouse, read by its path (the tasks' catalog stays theirs). */
    private static List<Row> table(String database, String name) {
        Path t = PROJECT.resolve("warehouse").resolve(database + ".db").resolve(name);
        return TestSpark.session().read().format("delta").load(t.toString()).collectAsList();
    }

    @AfterAll
    static void removeTheProject() throws IOException {
        try (Stream<Path> files = Files.walk(PROJECT)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void backfillSucceedsAndTheDailyRunStopsAtItsQualityGate() throws Exception {
        Result backfill = ingot("airflow", "trigger", "ingot_backfill", "--project", AIRFLOW.project().toString(), "--unpause",
                "--run-id", "backfill-1", "--conf", "{\"from\": \"2026-01-02\", \"to\": \"2026-01-04\"}", "--wait",
                "--timeout", "5m");
        assertThat(backfill.code()).as(backfill.out() + backfill.err()).isZero();
        assertThat(row(backfill.out(), "plan_chunks").get(1)).isEqualTo("success");
        assertThat(row(backfill.out(), "materialize[0]").get(1)).as("one chunk: 2026-01-02 to 2026-01-04").isEqualTo("success");

        Result daily = ingot("airflow", "trigger", "ingot_daily", "--project", AIRFLOW.project().toString(), "--unpause",
                "--run-id", "daily-gate", "--logical-date", "2026-01-05", "--wait", "--timeout", "5m");
        assertThat(daily.code()).as("the run failed: " + daily.out() + daily.err()).isEqualTo(1);
        Result status = ingot("airflow", "status", "ingot_daily", "daily-gate", "--project", AIRFLOW.project().toString());
        assertThat(status.code()).isZero();
        assertThat(row(status.out(), "materialize")).as("failed once, not retried").startsWith("materialize",
                "failed", "1");
        assertThat(row(status.out(), "validate").get(1)).isEqualTo("upstream_failed");
        assertThat(row(status.out(), "score").get(1)).isEqualTo("upstream_failed");

        List<Row> features = table("features", "spend_v1");
        assertThat(features).as("ticks 2026-01-03 and 2026-01-04 for 3 customers; the gate kept 2026-01-06 out")
                .hasSize(6);
        assertThat(features.stream().mapToDouble(r -> r.<Double>getAs("spend_1d")).max().orElseThrow())
                .isLessThanOrEqualTo(400);

        // Unpausing ingot_daily also lets the scheduler run its latest interval (today's): its row is not counted here.
        List<Row> runs = table("ingot", "job_runs").stream()
                .filter(r -> List.of("backfill-1", "daily-gate").contains(r.<String>getAs("airflow_run_id"))).toList();
        assertThat(runs).as("one row per task that ran Ingot").hasSize(2);
        Row ok = runs.stream().filter(r -> "ingot_backfill".equals(r.getAs("airflow_dag_id"))).findFirst().orElseThrow();
        assertThat(List.of(ok.getAs("airflow_run_id"), ok.getAs("airflow_task_id"), ok.getAs("command"),
                ok.getAs("outcome"))).containsExactly("backfill-1", "materialize", "features materialize", "ok");
        Row gate = runs.stream().filter(r -> "ingot_daily".equals(r.getAs("airflow_dag_id"))).findFirst().orElseThrow();
        assertThat(List.of(gate.getAs("airflow_run_id"), gate.getAs("airflow_task_id"), gate.getAs("outcome")))
                .containsExactly("daily-gate", "materialize", "gate_failed");
        assertThat(gate.<Integer>getAs("airflow_try_number")).as("not retried").isEqualTo(1);
        assertThat(gate.<Integer>getAs("exit_code")).isEqualTo(1);
    }
}
