package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.PythonVenvs;
import dev.ingot.jobs.Cli.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DAGs of {@code airflow-dags/}, parsed by the real Airflow 3 of the {@code airflow} Python environment (its
 * DagBag, no server) and by the Airflow 2.10 of {@code airflow2}: they import with no errors, and every Ingot command
 * line they would run for a logical date (each task's {@code application_args} rendered with Airflow's own
 * templating; the backfill's chunks as its {@code plan_chunks} task computes them) is the same under both and passes
 * {@code IngotMain --dry-run} on the example project. No Spark starts.
 */
class AirflowDagsTest {
    private static final Path DAGS = Path.of("..", "airflow-dags").toAbsolutePath().normalize();
    private static final Path RETAIL = Path.of("..", "examples", "retail").toAbsolutePath().normalize();
    private static final String JAR = "/opt/ingot/app/ingot-jobs.jar";

    @TempDir
    static Path dir;

    private static JsonNode parsed;

    @BeforeAll
    static void parseTheDags() throws Exception {
        parsed = parse("airflow");
    }

    /** The DAG folder as the Airflow of one Python environment ({@code airflow}, {@code airflow2}) parses it. */
    private static JsonNode parse(String venvName) throws Exception {
        Path venv = PythonVenvs.venv(venvName);
        Path script = Path.of(AirflowDagsTest.class.getResource("/airflow-dag-commands.py").toURI());
        Path out = dir.resolve(venvName + "-commands.json");
        Path home = Files.createDirectories(dir.resolve(venvName + "-home"));
        ProcessBuilder pb = new ProcessBuilder(venv.resolve("bin/python").toString(), script.toString(), DAGS.toString(),
                "2026-01-02", "{\"ingot_project_dir\": \"" + RETAIL + "\", \"ingot_app_jar\": \"" + JAR + "\"}",
                "{\"from\": \"2026-01-01\", \"to\": \"2026-01-20\", \"chunk_days\": 7}", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(venvName + "-parse.log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AIRFLOW"));
        env.put("AIRFLOW_HOME", home.toString());
        env.put("AIRFLOW__CORE__LOAD_EXAMPLES", "False");
        env.put("AIRFLOW__CORE__DAGS_FOLDER", DAGS.toString());
        env.put("PYTHONPATH", DAGS.toString()); // as Airflow puts its DAG folder on sys.path for ingot_common
        int code = pb.start().waitFor();
        assertThat(code).as(Files.readString(dir.resolve(venvName + "-parse.log"), StandardCharsets.UTF_8)).isZero();
        return new ObjectMapper().readTree(out.toFile());
    }

    /** dag.task -> the task's row. */
    private static Map<String, JsonNode> tasks() {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        parsed.path("tasks").forEach(t -> m.put(t.path("dag").asText() + "." + t.path("task").asText(), t));
        return m;
    }

    private static List<String> args(JsonNode task) {
        List<String> a = new ArrayList<>();
        task.path("args").forEach(x -> a.add(x.asText()));
        return a;
    }

    @Test
    void everyDagImportsWithNoErrors() {
        assertThat(parsed.path("import_errors").size()).as(parsed.path("import_errors").toString()).isZero();
        assertThat(tasks().keySet()).as("the DAGs and their tasks, in order").containsExactly(
                "ingot_backfill.plan_chunks", "ingot_backfill.materialize[0]", "ingot_backfill.materialize[1]",
                "ingot_backfill.materialize[2]",
                "ingot_daily.materialize", "ingot_daily.validate", "ingot_daily.score",
                "ingot_train.training_set", "ingot_train.train", "ingot_train.promote");
    }

    /**
     * The same files under Airflow 2.10 ({@code python/venv.sh airflow2}, with the Spark provider 5.3.4): their
     * imports fall back to Airflow 2's, and every task is wired the same, down to each rendered command line.
     */
    @Test
    void theDagsImportUnderAirflow2WithTheSameTasksAndCommandLines() throws Exception {
        JsonNode two = parse("airflow2");
        assertThat(two.path("import_errors").size()).as(two.path("import_errors").toString()).isZero();
        assertThat(two.path("tasks").size()).isEqualTo(10);
        assertThat(two.path("tasks")).isEqualTo(parsed.path("tasks"));
    }

    @Test
    void theTasksAreWiredForTheLogicalDate() {
        Map<String, JsonNode> t = tasks();
        assertThat(args(t.get("ingot_daily.materialize"))).containsExactly("features", "materialize", "--from",
                "2026-01-02", "--to", "2026-01-03", "--project", RETAIL.toString());
        assertThat(args(t.get("ingot_daily.score"))).containsSequence("--model", "fraud@champion").containsSequence(
                "--date", "2026-01-02");
        assertThat(args(t.get("ingot_backfill.materialize[2]"))).as("the last chunk ends at 'to'")
                .containsSequence("--from", "2026-01-15", "--to", "2026-01-20");
        assertThat(args(t.get("ingot_train.promote"))).containsSequence("--version", "@challenger");
        t.values().stream().filter(x -> x.has("conn_id")).forEach(x -> {
            assertThat(x.path("conn_id").asText()).as("a named Spark connection, never the provider's yarn default")
                    .isEqualTo("ingot_spark");
            assertThat(x.path("java_class").asText()).isEqualTo("dev.ingot.jobs.IngotMain");
            assertThat(x.path("application").asText()).isEqualTo(JAR);
            assertThat(x.path("timeout_seconds").asDouble()).isPositive();
            assertThat(x.path("retries").asInt()).isEqualTo(2);
        });
        assertThat(t.get("ingot_train.promote").path("on_gate_failure").asText()).as("a refused promotion is skipped")
                .isEqualTo("skip");
        assertThat(t.get("ingot_daily.validate").path("on_gate_failure").asText()).isEqualTo("fail");
    }

    @Test
    void everyCommandLineTheDagsWouldRunPassesTheDryRun() {
        Path warehouse = dir.resolve("warehouse");
        int checked = 0;
        for (JsonNode task : parsed.path("tasks")) {
            if (!"ingot".equals(task.path("kind").asText())) {
                continue;
            }
            List<String> line = new ArrayList<>(args(task));
            line.addAll(List.of("--warehouse", warehouse.toString(), "--dry-run"));
            Result r = run(line.toArray(String[]::new));
            assertThat(r.code()).as(task.path("dag").asText() + "." + task.path("task").asText() + ": " + line + "\n"
                    + r.out() + r.err()).isZero();
            assertThat(r.out()).contains("would run");
            checked++;
        }
        assertThat(checked).isEqualTo(9);
        assertThat(warehouse).as("a dry run writes nothing").doesNotExist();
    }
}
