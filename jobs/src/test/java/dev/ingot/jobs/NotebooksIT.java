package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.PythonVenvs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebooks of {@code notebooks/} executed headless on the demo's real tables, as a user runs them after
 * {@code bin/ingot demo}: the demo (small) runs once through the distribution's {@code spark-submit} into a temp
 * warehouse, then {@code notebooks/run.py} executes every notebook with papermill in the environment
 * {@code python/venv.sh notebooks} builds (PySpark 3.5.4, delta-spark 3.3.2), each session configured by
 * {@code bin/ingot spark-conf}. Any cell that fails fails the test. Needs {@code mvn package} (a failsafe test).
 */
@EnabledIfSystemProperty(named = "ingot.it.notebooks", matches = "true",
        disabledReason = "7 to 11 minutes: run with mvn verify -Dingot.it.notebooks=true (notebooks/README.md)")
class NotebooksIT {
    private static final Path DIST = Path.of(System.getProperty("ingot.dist", "target/ingot-dist")).toAbsolutePath();
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path RETAIL = ROOT.resolve("examples/retail");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static Path warehouse;
    private static Path executed;
    private static Ran demo;
    private static Ran notebooks;

    /** A finished child process: exit code, output and error together, wall time. */
    private record Ran(int code, String output, double seconds) {}

    private static Ran run(List<String> cmd, Path log, int minutes) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.remove("SPARK_HOME");
        env.remove("SPARK_CONF_DIR");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("INGOT_DRIVER_MEMORY", "1g");
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(cmd + " did not finish within " + minutes + " minutes:\n" + Files.readString(log));
        }
        return new Ran(p.exitValue(), Files.readString(log), (System.nanoTime() - t0) / 1e9);
    }

    @BeforeAll
    static void demoThenNotebooks() throws Exception {
        assertThat(DIST.resolve("bin/spark-submit")).as("laid out by the build (mvn verify)").isExecutable();
        Path venv = PythonVenvs.venv("notebooks");
        warehouse = tmp.resolve("warehouse");
        executed = tmp.resolve("executed");
        // The smallest demo that still trains, promotes and scores (DemoPipelineTest's size); --chunk 30 gives the
        // feature tables two Delta versions for 01_features to compare.
        demo = run(List.of(DIST.resolve("bin/spark-submit").toString(), "--master", "local[2]", "--driver-memory", "1g",
                "--class", "dev.ingot.jobs.IngotMain", DIST.resolve("app/ingot-jobs.jar").toString(), "demo",
                "--rows", "20000", "--days", "60", "--chunk", "30", "--warehouse", warehouse.toString(), "--gpu", "off"),
                tmp.resolve("demo.log"), 15);
        assertThat(demo.code()).as(demo.output()).isZero();
        notebooks = run(List.of(venv.resolve("bin/python").toString(), ROOT.resolve("notebooks/run.py").toString(),
                "--project", RETAIL.toString(), "--warehouse", warehouse.toString(), "--out", executed.toString()),
                tmp.resolve("notebooks.log"), 20);
        System.out.printf("NotebooksIT: demo %.1f s, notebooks %.1f s%n%s", demo.seconds(), notebooks.seconds(),
                notebooks.output());
    }

    /** {@code name -> plots} from run.py's lines ({@code 01_features.ipynb: 21 cells, 4 plots, 30.2 s}). */
    private static Map<String, Integer> plotsByNotebook() {
        Map<String, Integer> plots = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^(\\S+\\.ipynb): \\d+ cells, (\\d+) plots, [0-9.]+ s$").matcher(notebooks.output());
        while (m.find()) {
            plots.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return plots;
    }

    /** Every output text of a notebook's code cells, in order. */
    private static String outputs(String notebook) throws IOException {
        JsonNode nb = JSON.readTree(executed.resolve(notebook).toFile());
        List<String> texts = new ArrayList<>();
        for (JsonNode cell : nb.get("cells")) {
            for (JsonNode o : cell.path("outputs")) {
                o.path("text").forEach(t -> texts.add(t.asText()));
                o.path("data").path("text/plain").forEach(t -> texts.add(t.asText()));
            }
        }
        return String.join("", texts);
    }

    @Test
    void everyNotebookExecutesWithoutAnErrorAndDrawsItsPlots() {
        assertThat(notebooks.code()).as(notebooks.output()).isZero();
        assertThat(plotsByNotebook()).as(notebooks.output())
                .containsOnlyKeys("01_features.ipynb", "02_quality.ipynb", "03_models_and_scores.ipynb")
                .allSatisfy((name, plots) -> assertThat(plots).as(name).isGreaterThanOrEqualTo(2));
    }

    @Test
    void theNotebooksReadTheDemosTablesNotSomethingElse() throws IOException {
        assertThat(notebooks.code()).as(notebooks.output()).isZero();
        assertThat(outputs("01_features.ipynb")).contains("features.customer_spend_v1").contains("ml.fraud_training_set");
        assertThat(outputs("02_quality.ipynb")).contains("quality.transactions__quarantine")
                .contains("transactions_raw#");
        assertThat(outputs("03_models_and_scores.ipynb")).contains("scores.fraud").contains("fraud v1")
                .contains("features.customer_spend_v1@");
    }

    @Test
    void theNotebooksLeaveNothingInTheRepository() {
        assertThat(ROOT.resolve("notebooks/derby.log")).doesNotExist();
        assertThat(ROOT.resolve("notebooks/metastore_db")).doesNotExist();
        assertThat(ROOT.resolve("notebooks/spark-warehouse")).doesNotExist();
    }
}
