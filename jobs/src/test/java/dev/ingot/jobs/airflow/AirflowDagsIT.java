package dev.ingot.jobs.airflow;

import static org.assertj.core.api.Assertions.assertThat;

import static dev.ingot.jobs.airflow.AirflowCli.ingot;
import static dev.ingot.jobs.airflow.AirflowCli.row;

import dev.ingot.core.TestSpark;
import dev.ingot.jobs.Dist;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.jobs.airflow.AirflowCli.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The DAGs of {@code airflow-dags/} on ONE real Airflow 3 (see {@link AirflowServerExtension}), their tasks running the
 * packaged distribution's {@code bin/spark-submit} from the {@code PATH} with the app jar, over a small project whose
 * orders are CSV files, in order: {@code ingot_backfill} materializes two days through a quality gate that passes;
 * {@code ingot_train} builds a training set, trains a model and has its promotion refused by the spec's gate (a
 * skipped task, a successful run), then, the gate relaxed and the task cleared, promotes it to champion;
 * {@code bin/ingot airflow trigger ingot_daily --wait}, run as a user runs it (the repository's {@code bin/ingot} in a
 * child process, with the project's {@code airflow:} section and the password from the environment), runs the daily
 * DAG to success and the features, quality results and scores it wrote are checked; {@code ingot_daily} for a day
 * whose spend breaks the gate fails its first task once (exit 1, no retry) and never runs validate or score. Every
 * task leaves its {@code ingot.job_runs} row with Airflow's ids. Needs {@code mvn package} (a failsafe test).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AirflowDagsIT {
    private static final Path DIST = Dist.HOME;
    private static final Path INGOT = Dist.INGOT;
    private static final Path DAGS = Path.of("..", "airflow-dags").toAbsolutePath().normalize();
    /** The project the tasks run on (fixed before Airflow starts: its Variable is in Airflow's environment). */
    private static final Path PROJECT = tempDir("ingot-dags-project-");
    private static final String MODEL = "spend_model";
    private static final String TRAIN_CONF = "{\"model\": \"" + MODEL + "\", \"spine\": \"ml.spend_spine\", "
            + "\"features\": [\"spend\"], \"training_set\": \"ml.spend_training_set\"}";
    private static final String DAILY_CONF = "{\"model\": \"" + MODEL + "\", \"input\": \"features.spend_v1\", "
            + "\"out\": \"spend\"}";

    @RegisterExtension
    static final AirflowServerExtension AIRFLOW = AirflowServerExtension.airflow3(3600).withDags(DAGS,
            Set.of("ingot_daily", "ingot_train", "ingot_backfill"), Map.of(
                    "PATH", DIST.resolve("bin").toString(),
                    "SPARK_HOME", DIST.toString(),
                    "JAVA_HOME", System.getProperty("java.home"),
                    "SPARK_LOCAL_IP", "127.0.0.1",
                    "SPARK_SUBMIT_OPTS", Dist.CHILD_JVM_OPTIONS,
                    "AIRFLOW_CONN_INGOT_SPARK", "{\"conn_type\": \"spark\", \"host\": \"local[1]\"}",
                    "AIRFLOW_VAR_INGOT_PROJECT_DIR", PROJECT.toString(),
                    "AIRFLOW_VAR_INGOT_APP_JAR", DIST.resolve("app/ingot-jobs.jar").toString(),
                    // Manual runs only: unpausing a DAG would also start its latest scheduled interval, more Spark.
                    "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE", "False",
                    // The DAG files never change here: parsed when found, not again every 10 s (each parse is a process
                    // importing Airflow and the Spark provider: about half of Airflow's own CPU over the class).
                    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL", "3600"));

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
        // The airflow: section names this server, its password read from the environment (AirflowCli.VAR).
        AirflowCli.project(PROJECT, AIRFLOW.url(), AirflowCli.VAR, "warehouse: warehouse\n");
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
        model("auc > 1"); // refused: no AUC is above 1
        // The spine: each customer every 2 hours of 2026-01-03 and 2026-01-04 (the backfill's feature ticks), labels
        // alternating so that the training and the test window (the last day) hold both.
        write(PROJECT, "spine.sql", """
                CREATE DATABASE IF NOT EXISTS ml;
                CREATE TABLE ml.spend_spine USING delta AS
                SELECT concat('c', c) AS customer_id, timestamp_seconds(1767398400 + h * 7200) AS ts,
                       CAST((h + c) % 2 AS INT) AS label
                FROM (SELECT explode(sequence(0, 23)) AS h) CROSS JOIN (SELECT explode(sequence(0, 2)) AS c);
                """);
    }

    private static void model(String gate) throws IOException {
        write(PROJECT, "models/" + MODEL + ".yaml", """
                spine: ml.spend_spine
                timestamp: ts
                label: label
                features: [spend]
                algorithm:
                  type: logistic_regression
                test_window: 1d
                gate: ["%s"]
                """.formatted(gate));
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

    /** The job_runs rows of one Airflow run. */
    private static List<Row> jobRuns(String runId) {
        return table("ingot", "job_runs").stream().filter(r -> runId.equals(r.getAs("airflow_run_id"))).toList();
    }

    /**
     * Runs the repository's {@code bin/ingot} in a child process, as a user does: the distribution's Spark launcher,
     * the project's password only in the environment, never printed.
     */
    private static Result binIngot(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(INGOT.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("ingot-out", ".txt");
        Path err = Files.createTempFile("ingot-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            Dist.childEnv(pb.environment()).put(AirflowCli.VAR, AirflowServerExtension.PASSWORD);
            Process p = pb.start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("bin/ingot " + String.join(" ", args) + " did not end in 15 minutes");
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            assertThat(r.all()).as("no command prints the password").doesNotContain(AirflowServerExtension.PASSWORD);
            return r;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @AfterAll
    static void removeTheProject() throws IOException {
        try (Stream<Path> files = Files.walk(PROJECT)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @Order(1)
    void backfillMaterializesTwoDays() {
        Result backfill = ingot("airflow", "trigger", "ingot_backfill", "--project", PROJECT.toString(), "--unpause",
                "--run-id", "backfill-1", "--conf", "{\"from\": \"2026-01-02\", \"to\": \"2026-01-04\"}", "--wait",
                "--timeout", "5m");
        assertThat(backfill.code()).as(backfill.out() + backfill.err()).isZero();
        assertThat(row(backfill.out(), "plan_chunks").get(1)).isEqualTo("success");
        assertThat(row(backfill.out(), "materialize[0]").get(1)).as("one chunk: 2026-01-02 to 2026-01-04").isEqualTo("success");
        assertThat(table("features", "spend_v1")).as("ticks 2026-01-03 and 2026-01-04 for 3 customers").hasSize(6);

        List<Row> runs = jobRuns("backfill-1");
        assertThat(runs).as("one row per task that ran Ingot").hasSize(1);
        Row ok = runs.get(0);
        assertThat(List.of(ok.getAs("airflow_dag_id"), ok.getAs("airflow_task_id"), ok.getAs("command"),
                ok.getAs("outcome"))).containsExactly("ingot_backfill", "materialize", "features materialize", "ok");
    }

    @Test
    @Order(2)
    void trainRefusesThePromotionAsASkippedTaskThenPromotesOnceTheGateHolds() throws Exception {
        Result spine = binIngot("sql", "--project", PROJECT.toString(), "--allow-writes", "-f",
                PROJECT.resolve("spine.sql").toString());
        assertThat(spine.code()).as(spine.out() + spine.err()).isZero();

        Result train = ingot("airflow", "trigger", "ingot_train", "--project", PROJECT.toString(), "--unpause",
                "--run-id", "train-1", "--conf", TRAIN_CONF, "--wait", "--timeout", "10m");
        assertThat(train.code()).as("a refused promotion is not a failed run: " + train.out() + train.err()).isZero();
        assertThat(row(train.out(), "training_set").get(1)).isEqualTo("success");
        assertThat(row(train.out(), "train").get(1)).isEqualTo("success");
        assertThat(row(train.out(), "promote")).as("refused by 'auc > 1', not retried").startsWith("promote", "skipped",
                "1");
        assertThat(table("ml", "model_aliases").stream().filter(r -> MODEL.equals(r.getAs("name")))
                .map(r -> r.<String>getAs("alias")).toList()).as("no champion yet").containsExactly("challenger");

        // The gate relaxed, clearing the task runs the promotion again, in the same DAG run.
        model("auc >= 0");
        AIRFLOW.post("/api/v2/dags/ingot_train/clearTaskInstances", "{\"dry_run\": false, \"dag_run_id\": \"train-1\", "
                + "\"task_ids\": [\"promote\"], \"only_failed\": false, \"reset_dag_runs\": true}");
        AirflowClient client = AirflowClient.connect(ProjectLoader.load(PROJECT).settings().airflow().orElseThrow());
        DagRun again = client.await("ingot_train", "train-1", Duration.ofMinutes(5), r -> { });
        assertThat(again.state()).as("the run after the cleared promote").isEqualTo(DagRun.State.SUCCESS);
        assertThat(client.tasks("ingot_train", "train-1").stream().filter(t -> t.taskId().equals("promote"))
                .map(t -> t.state().orElse("none") + ", try " + t.tryNumber()).toList()).containsExactly("success, try 2");
        assertThat(table("ml", "model_aliases").stream().filter(r -> MODEL.equals(r.getAs("name"))
                && "champion".equals(r.getAs("alias"))).map(r -> String.valueOf(r.<Object>getAs("version"))).toList())
                .containsExactly("1");

        List<Row> runs = jobRuns("train-1").stream()
                .sorted(Comparator.comparing((Row r) -> r.<Timestamp>getAs("started_at"))).toList();
        assertThat(runs.stream().map(r -> r.<String>getAs("airflow_task_id") + ":" + r.<Integer>getAs("exit_code"))
                .toList()).as("one row per task run, the refused promotion's exit code 1 then the promotion's 0")
                .containsExactly("training_set:0", "train:0", "promote:1", "promote:0");
        assertThat(runs.get(2).<Integer>getAs("airflow_try_number")).isEqualTo(1);
        assertThat(runs.get(3).<Integer>getAs("airflow_try_number")).as("the cleared task's second try").isEqualTo(2);
    }

    @Test
    @Order(3)
    void binIngotTriggersTheDailyDagAndWaitsForItsSuccess() throws Exception {
        long t0 = System.nanoTime();
        Result daily = binIngot("airflow", "trigger", "ingot_daily", "--project", PROJECT.toString(), "--unpause",
                "--run-id", "daily-ok", "--logical-date", "2026-01-04", "--conf", DAILY_CONF, "--wait", "--timeout",
                "10m");
        System.out.printf("bin/ingot airflow trigger ingot_daily --wait: %.0f s%n", (System.nanoTime() - t0) / 1e9);
        assertThat(daily.code()).as(daily.out() + daily.err()).isZero();
        assertThat(daily.out()).contains("run daily-ok: success");
        for (String task : List.of("materialize", "validate", "score")) {
            assertThat(row(daily.out(), task)).as(task).startsWith(task, "success", "1");
        }

        List<Row> features = table("features", "spend_v1");
        assertThat(features).as("the day's tick (2026-01-05) added for 3 customers").hasSize(9);
        double max = features.stream().mapToDouble(r -> r.<Double>getAs("spend_1d")).max().orElseThrow();
        assertThat(max).isLessThanOrEqualTo(400);

        Row quality = table("quality", "results").stream().filter(r -> "features.spend_v1".equals(r.getAs("table")))
                .max(Comparator.comparing((Row r) -> r.<Timestamp>getAs("time"))).orElseThrow();
        assertThat(List.of(quality.getAs("suite"), quality.getAs("kind"), quality.getAs("status")))
                .as("validate's check of the whole table").containsExactly("spend", "max", "passed");
        assertThat(quality.<Double>getAs("value")).as("the largest spend of the 9 rows").isEqualTo(max);

        List<Row> scores = table("scores", "spend").stream()
                .filter(r -> Date.valueOf("2026-01-04").equals(r.getAs("score_date"))).toList();
        assertThat(scores).as("every row of the input table, scored for the run's date").hasSize(9);
        assertThat(scores.stream().map(r -> r.<String>getAs("customer_id")).distinct().sorted().toList())
                .containsExactly("c0", "c1", "c2");
        scores.forEach(r -> {
            assertThat(r.<String>getAs("model_name")).isEqualTo(MODEL);
            assertThat(String.valueOf(r.<Object>getAs("model_version"))).as("the champion").isEqualTo("1");
            assertThat(r.<Double>getAs("probability")).isBetween(0.0, 1.0);
        });

        List<Row> runs = jobRuns("daily-ok");
        assertThat(runs.stream().map(r -> r.<String>getAs("airflow_task_id") + ":" + r.<String>getAs("outcome")))
                .containsExactlyInAnyOrder("materialize:ok", "validate:ok", "score:ok");
        assertThat(runs).allMatch(r -> "ingot_daily".equals(r.getAs("airflow_dag_id")));
    }

    @Test
    @Order(4)
    void theDailyRunStopsAtItsQualityGate() {
        Result daily = ingot("airflow", "trigger", "ingot_daily", "--project", PROJECT.toString(), "--unpause",
                "--run-id", "daily-gate", "--logical-date", "2026-01-05", "--conf", DAILY_CONF, "--wait", "--timeout", "5m");
        assertThat(daily.code()).as("the run failed: " + daily.out() + daily.err()).isEqualTo(1);
        Result status = ingot("airflow", "status", "ingot_daily", "daily-gate", "--project", PROJECT.toString());
        assertThat(status.code()).isZero();
        assertThat(row(status.out(), "materialize")).as("failed once, not retried").startsWith("materialize",
                "failed", "1");
        assertThat(row(status.out(), "validate").get(1)).isEqualTo("upstream_failed");
        assertThat(row(status.out(), "score").get(1)).isEqualTo("upstream_failed");

        List<Row> features = table("features", "spend_v1");
        assertThat(features).as("the gate kept 2026-01-06 out").hasSize(9);
        assertThat(features.stream().mapToDouble(r -> r.<Double>getAs("spend_1d")).max().orElseThrow())
                .isLessThanOrEqualTo(400);

        List<Row> runs = jobRuns("daily-gate");
        assertThat(runs).as("one row per task that ran Ingot").hasSize(1);
        Row gate = runs.get(0);
        assertThat(List.of(gate.getAs("airflow_dag_id"), gate.getAs("airflow_task_id"), gate.getAs("outcome")))
                .containsExactly("ingot_daily", "materialize", "gate_failed");
        assertThat(gate.<Integer>getAs("airflow_try_number")).as("not retried").isEqualTo(1);
        assertThat(gate.<Integer>getAs("exit_code")).isEqualTo(1);
    }
}
