package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as {@code SPARK_HOME}: Spark's own {@code bin/spark-submit} submits the app jar with
 * {@code --class dev.ingot.jobs.IngotMain}, as Airflow's SparkSubmitOperator does, once found from its own folder
 * (no {@code SPARK_HOME}) and once as {@code spark-submit} on the PATH with {@code SPARK_HOME} set; the exit code and
 * output come through, and the run's {@code ingot.job_runs} row carries the Airflow ids of the task's environment.
 */
class SparkSubmitIT {
    private static final Path DIST = Dist.HOME;
    private static final Path APP_JAR = Dist.APP_JAR;
    private static final Path RETAIL = Path.of("..", "examples", "retail").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private Dist.Ran run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Dist.childEnv(pb.environment()).putAll(env);
        return Dist.run(pb, tmp, Duration.ofMinutes(5));
    }

    private List<String> history(String submit, Path warehouse, String view, String... more) {
        List<String> cmd = new ArrayList<>(List.of(submit, "--master", "local[1]", "--driver-memory", "1g",
                "--class", "dev.ingot.jobs.IngotMain", APP_JAR.toString(), "features", "history", "--project",
                RETAIL.toString(), "--warehouse", warehouse.toString(), "--view", view));
        cmd.addAll(List.of(more));
        return cmd;
    }

    @Test
    void sparkSubmitOfTheDistributionRunsIngotAndRecordsTheAirflowTask() throws Exception {
        assertThat(DIST.resolve("bin/spark-submit")).as("laid out by the build (mvn verify)").isExecutable();
        Path warehouse = tmp.resolve("wh");
        Path metrics = tmp.resolve("ingot.prom");
        Dist.Ran r = run(history(DIST.resolve("bin/spark-submit").toString(), warehouse, "customer_spend",
                        "--metrics-file", metrics.toString()),
                Map.of("AIRFLOW_CTX_DAG_ID", "ingot_daily", "AIRFLOW_CTX_DAG_RUN_ID", "manual__2026-01-02",
                        "AIRFLOW_CTX_TASK_ID", "history", "AIRFLOW_CTX_TRY_NUMBER", "1"));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("customer_spend: never materialized");
        assertThat(r.err()).as("SparkSubmit ran the driver with the master asked for")
                .contains("Spark 3.5.4 session 'ingot features history (retail)' on local[1]");
        assertThat(Files.readString(metrics)).contains("ingot_job_success{command=\"features history\",project=\"retail\","
                + "dag_id=\"ingot_daily\",task_id=\"history\"} 1\n");

        Row row = TestSpark.session().read().format("delta").load(warehouse.resolve("ingot.db/job_runs").toString())
                .first();
        assertThat(row.<String>getAs("command")).isEqualTo("features history");
        assertThat(row.<Integer>getAs("exit_code")).isZero();
        assertThat(row.<String>getAs("airflow_dag_id")).isEqualTo("ingot_daily");
        assertThat(row.<String>getAs("airflow_run_id")).isEqualTo("manual__2026-01-02");
        assertThat(row.<String>getAs("airflow_task_id")).isEqualTo("history");
        assertThat(row.<Integer>getAs("airflow_try_number")).isEqualTo(1);
    }

    @Test
    void sparkSubmitOnThePathWithSparkHomeSetPassesTheExitCodeThrough() throws Exception {
        String path = DIST.resolve("bin") + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        // env runs spark-submit from the child's PATH, as Airflow's hook does (Popen with env=).
        List<String> cmd = new ArrayList<>(List.of("env"));
        cmd.addAll(history("spark-submit", tmp.resolve("wh"), "no_such_view"));
        Dist.Ran r = run(cmd,
                Map.of("SPARK_HOME", DIST.toString(), "PATH", path));
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("no_such_view").contains("customer_spend");
    }
}
