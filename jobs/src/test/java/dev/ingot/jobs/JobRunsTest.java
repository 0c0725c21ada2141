package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ingot.core.TestEnvironment;
import dev.ingot.core.TestSpark;
import dev.ingot.jobs.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingot.job_runs} and {@code --metrics-file}: a row for a success, a quality-gate failure and a bad argument
 * found after Spark started, none for one found before; Airflow's ids from the task's environment; secrets masked in the
 * row and the file; a metrics file that follows Prometheus' text format.
 */
class JobRunsTest {
    private static final String[] AIRFLOW_VARS = {"AIRFLOW_CTX_DAG_ID", "AIRFLOW_CTX_DAG_RUN_ID", "AIRFLOW_CTX_TASK_ID",
        "AIRFLOW_CTX_TRY_NUMBER"};
    private static final String SECRET_VAR = "INGOT_TEST_JOB_RUNS_TOKEN";
    private static SparkSession spark;

    @TempDir
    Path dir;

    /** The Airflow run id planted for the test: it finds the test's own rows among those of other test classes. */
    private String airflowRun;

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli");
    }

    @AfterEach
    void unplant() throws Exception {
        Map<String, String> env = TestEnvironment.writable();
        for (String v : AIRFLOW_VARS) {
            env.remove(v);
        }
        env.remove(SECRET_VAR);
    }

    /** Plants the variables Airflow sets for a task's process. */
    private void airflow(String dag, String task) throws Exception {
        airflowRun = "scheduled__2026-01-02T00:00:00+00:00_" + UUID.randomUUID();
        Map<String, String> env = TestEnvironment.writable();
        env.put("AIRFLOW_CTX_DAG_ID", dag);
        env.put("AIRFLOW_CTX_DAG_RUN_ID", airflowRun);
        env.put("AIRFLOW_CTX_TASK_ID", task);
        env.put("AIRFLOW_CTX_TRY_NUMBER", "2");
    }

    private List<Row> rows() {
        return spark.table("ingot.job_runs").where(functions.col("airflow_run_id").equalTo(airflowRun))
                .orderBy("started_at").collectAsList();
    }

    @Test
    void successRecordsCommandRowsStagesFreshnessAndAirflowIds() throws Exception {
        Path project = ShopProject.write(spark, dir, "cli.orders_jr_ok", "cli_jr_spend");
        airflow("ingot_daily", "materialize");
        Path metrics = dir.resolve("ingot_daily.prom");
        Instant before = Instant.now();
        Result r = run("features", "materialize", "--project", project.toString(), "--from", "2026-01-01", "--to",
                "2026-01-02", "--reports", dir.resolve("reports").toString(), "--metrics-file", metrics.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();

        List<Row> rows = rows();
        assertThat(rows).as("one row for the command").hasSize(1);
        Row row = rows.get(0);
        assertThat(row.<String>getAs("command")).isEqualTo("features materialize");
        assertThat(row.<String>getAs("project_name")).isEqualTo("shop");
        assertThat(row.<String>getAs("project_dir")).isEqualTo(project.toString());
        assertThat(row.<Integer>getAs("exit_code")).isZero();
        assertThat(row.<String>getAs("outcome")).isEqualTo("ok");
        assertThat(row.<String>getAs("message")).isNull();
        assertThat(row.getList(row.fieldIndex("arguments"))).containsExactly("features", "materialize", "--project",
                project.toString(), "--from", "2026-01-01", "--to", "2026-01-02", "--reports",
                dir.resolve("reports").toString(), "--metrics-file", metrics.toString());
        long featureRows = spark.table("features.cli_jr_spend_v1").count();
        long tileRows = spark.table("features.cli_jr_spend_v1__tiles").count();
        assertThat(row.<Long>getAs("rows_written")).as("feature rows and tile rows the writes committed")
                .isEqualTo(featureRows + tileRows);
        assertThat(row.getList(row.fieldIndex("tables_written"))).containsExactlyInAnyOrder(
                "features.cli_jr_spend_v1", "features.cli_jr_spend_v1__tiles");
        List<String> lineageRuns = row.getList(row.fieldIndex("lineage_run_ids"));
        assertThat(lineageRuns).as("the run id of its ingot.lineage rows").hasSize(1);
        assertThat(spark.table("ingot.lineage").where(functions.col("run_id").equalTo(lineageRuns.get(0)))
                .select("output_table").as(Encoders.STRING()).collectAsList())
                .containsExactlyInAnyOrder("features.cli_jr_spend_v1", "features.cli_jr_spend_v1__tiles");
        Map<String, Double> stages = row.getJavaMap(row.fieldIndex("stage_seconds"));
        assertThat(stages).containsKeys("before_spark", "spark_session", "after_spark", "quality gate");
        double seconds = row.<Double>getAs("seconds");
        assertThat(stages.get("before_spark") + stages.get("spark_session") + stages.get("after_spark"))
                .as("the three generic stages cover the command").isCloseTo(seconds, within(0.5));
        Instant started = row.<Timestamp>getAs("started_at").toInstant();
        assertThat(started).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(row.<Timestamp>getAs("data_through").toInstant()).isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
        assertThat(row.<Double>getAs("freshness_seconds"))
                .isCloseTo((started.toEpochMilli() - Instant.parse("2026-01-02T00:00:00Z").toEpochMilli()) / 1000.0,
                        within(0.01));
        assertThat(row.<String>getAs("airflow_dag_id")).isEqualTo("ingot_daily");
        assertThat(row.<String>getAs("airflow_task_id")).isEqualTo("materialize");
        assertThat(row.<Integer>getAs("airflow_try_number")).isEqualTo(2);

        Map<String, String> m = parsePrometheus(Files.readString(metrics));
        String labels = "{command=\"features materialize\",project=\"shop\",dag_id=\"ingot_daily\",task_id=\"materialize\"}";
        assertThat(m).containsEntry("ingot_job_exit_code" + labels, "0").containsEntry("ingot_job_success" + labels, "1")
                .containsEntry("ingot_job_rows_written" + labels, Long.toString(featureRows + tileRows))
                .containsKey("ingot_job_duration_seconds" + labels)
                .containsKey("ingot_job_data_freshness_seconds" + labels)
                .containsKey("ingot_job_stage_duration_seconds{command=\"features materialize\",project=\"shop\","
                        + "dag_id=\"ingot_daily\",task_id=\"materialize\",stage=\"spark_session\"}")
                .doesNotContainKey("ingot_job_rows_read" + labels);
        assertThat(Double.parseDouble(m.get("ingot_job_duration_seconds" + labels))).isCloseTo(seconds, within(0.001));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.contains("prom")))
                    .as("no temporary file left beside it").containsExactly("ingot_daily.prom");
        }
    }

    @Test
    void gateFailureAndBadArgumentsRecordTheirOutcome() throws Exception {
        Path project = ShopProject.write(spark, dir, "cli.orders_jr_bad", "cli_jr_never");
        spark.sql("INSERT INTO cli.orders_jr_bad VALUES (500, 1, TIMESTAMP'2026-01-03 10:00:00', -20.0)");
        airflow("ingot_daily", "validate");
        Path metrics = dir.resolve("validate.prom");
        Result gate = run("validate", "--project", project.toString(), "--table", "cli.orders_jr_bad", "--reports",
                dir.resolve("reports").toString(), "--metrics-file", metrics.toString());
        assertThat(gate.code()).as(gate.out() + gate.err()).isEqualTo(1);
        assertThat(parsePrometheus(Files.readString(metrics)))
                .containsEntry("ingot_job_exit_code{command=\"validate\",project=\"shop\",dag_id=\"ingot_daily\","
                        + "task_id=\"validate\"}", "1")
                .containsEntry("ingot_job_rows_read{command=\"validate\",project=\"shop\",dag_id=\"ingot_daily\","
                        + "task_id=\"validate\"}", "201");

        // Found once Spark is up: the view was never materialized.
        Result late = run("validate", "--project", project.toString(), "--table", "cli_jr_never");
        assertThat(late.code()).as(late.out() + late.err()).isEqualTo(2);

        // Found before Spark: no row (starting Spark to record it would cost more than the command), but the file.
        Result early = run("validate", "--project", project.toString(), "--tabel", "cli.orders_jr_bad",
                "--metrics-file", metrics.toString());
        assertThat(early.code()).isEqualTo(2);
        assertThat(parsePrometheus(Files.readString(metrics)))
                .containsEntry("ingot_job_exit_code{command=\"validate\",project=\"\",dag_id=\"ingot_daily\","
                        + "task_id=\"validate\"}", "2");

        List<Row> rows = rows();
        assertThat(rows).extracting(r -> r.<Integer>getAs("exit_code")).containsExactly(1, 2);
        assertThat(rows).extracting(r -> r.<String>getAs("outcome")).containsExactly("gate_failed", "bad_input");
        assertThat(rows.get(0).<Long>getAs("rows_read")).as("validate counts the rows it checked").isEqualTo(201);
        assertThat(rows.get(0).<Long>getAs("rows_written")).as("validate writes no data table").isNull();
        assertThat(rows.get(1).<String>getAs("message")).contains("cli_jr_never");
    }

    @Test
    void secretsAreMaskedInTheRowAndTheFile() throws Exception {
        String token = "planted-" + UUID.randomUUID().toString().replace("-", "");
        TestEnvironment.writable().put(SECRET_VAR, token);
        Path project = ShopProject.write(spark, dir, "cli.orders_jr_secret", "cli_jr_secret");
        // ingot.yaml reads the token from the environment, which registers it as a secret.
        Files.writeString(project.resolve("ingot.yaml"), "\nspark:\n  conf:\n    spark.hadoop.fs.s3a.secret.key: ${env:"
                + SECRET_VAR + "}\n", java.nio.file.StandardOpenOption.APPEND);
        airflow("ingot_daily", "with \"quotes\", a \\ and a\nnew line");
        Path reports = dir.resolve("reports-" + token);
        Path metrics = dir.resolve("secret.prom");
        Result ok = run("validate", "--project", project.toString(), "--table", "cli.orders_jr_secret", "--reports",
                reports.toString(), "--metrics-file", metrics.toString());
        spark.conf().unset("spark.hadoop.fs.s3a.secret.key");
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        List<Row> rows = rows();
        assertThat(rows).hasSize(1);
        assertThat(spark.table("ingot.job_runs").selectExpr("to_json(struct(*)) AS j")
                .where(functions.instr(functions.col("j"), token).gt(0)).count()).as("the token in no row").isZero();
        Row last = rows.get(rows.size() - 1);
        assertThat(last.getList(last.fieldIndex("arguments"))).contains(dir.resolve("reports-****").toString());
        String text = Files.readString(metrics);
        assertThat(text).doesNotContain(token);
        Map<String, String> m = parsePrometheus(text);
        assertThat(m.keySet()).as("the task id escaped, and read back as it was").anyMatch(k -> k.startsWith(
                "ingot_job_success{command=\"validate\",project=\"shop\",dag_id=\"ingot_daily\",task_id=\"with "
                        + "\\\"quotes\\\", a \\\\ and a\\nnew line\"}"));
        assertThat(unescape("with \\\"quotes\\\", a \\\\ and a\\nnew line")).isEqualTo("with \"quotes\", a \\ and a\nnew line");
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*)})? (\\S+)");

    /**
     * Parses Prometheus' text exposition format strictly (version 0.0.4): every line is a HELP, a TYPE or a sample;
     * names and label names are valid; label values escape backslash, quote and line feed; a metric's HELP and TYPE
     * come once, before its samples; every value is a number; the text ends with a line feed.
     *
     * @return each sample as {@code name{labels}} to its value
     */
    static Map<String, String> parsePrometheus(String text) {
        assertThat(text).as("ends with a line feed").endsWith("\n");
        Map<String, String> samples = new LinkedHashMap<>();
        List<String> typed = new ArrayList<>();
        List<String> helped = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String name = line.substring(7).split(" ", 2)[0];
                assertThat(name).matches(NAME);
                assertThat(helped).as("one HELP per metric").doesNotContain(name);
                helped.add(name);
            } else if (line.startsWith("# TYPE ")) {
                String[] t = line.substring(7).split(" ");
                assertThat(t).hasSize(2);
                assertThat(t[0]).matches(NAME);
                assertThat(t[1]).isIn("counter", "gauge", "histogram", "summary", "untyped");
                assertThat(typed).as("one TYPE per metric").doesNotContain(t[0]);
                typed.add(t[0]);
            } else {
                Matcher m = SAMPLE.matcher(line);
                assertThat(m.matches()).as("a sample line: " + line).isTrue();
                assertThat(typed).as("TYPE before the samples of " + m.group(1)).endsWith(m.group(1));
                Double.parseDouble(m.group(4));
                String key = m.group(1) + (m.group(2) == null ? "" : m.group(2));
                assertThat(samples).as("no sample twice").doesNotContainKey(key);
                samples.put(key, m.group(4));
            }
        }
        assertThat(helped).containsExactlyElementsOf(typed);
        return samples;
    }

    private static String unescape(String v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\') {
                char n = v.charAt(++i);
                b.append(n == 'n' ? '\n' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** A file in an unwritable place: the command is refused before it runs. */
    @Test
    void metricsFileInAFolderThatDoesNotExistIsABadArgument() throws IOException {
        Path project = ShopProject.write(spark, dir, "cli.orders_jr_file", "cli_jr_file");
        Result r = run("validate", "--project", project.toString(), "--table", "cli.orders_jr_file",
                "--metrics-file", dir.resolve("missing/ingot.prom").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--metrics-file").contains("missing").contains("does not exist");
        assertThat(spark.sql("SELECT count(*) FROM quality.results WHERE `table` = 'cli.orders_jr_file'").first()
                .getLong(0)).as("nothing ran").isZero();
    }
}
