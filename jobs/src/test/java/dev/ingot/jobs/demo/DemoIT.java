package dev.ingot.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.PythonVenvs;
import dev.ingot.jobs.Dist;
import dev.ingot.jobs.SqlResults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user does after a fresh clone, on the packaged distribution: {@code bin/ingot demo} (small: it still trains,
 * promotes and scores), then {@code bin/ingot sql "select * from features.customer_spend_v1 limit 5"} prints a table;
 * {@code bin/ingot sql-server} serves the same rows, and those of the quality, ml and scores tables, to Hive's JDBC
 * driver in this JVM; then {@code notebooks/run.py} executes every notebook of {@code notebooks/} with papermill in the
 * environment {@code python/venv.sh notebooks} builds (PySpark 3.5.4, delta-spark 3.3.2), each session configured by
 * {@code bin/ingot spark-conf}. Any cell that fails fails the test. Needs {@code mvn package} (a failsafe test).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoIT {
    private static final Path RETAIL = Dist.ROOT.resolve("examples/retail");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The README's query. */
    static final String FIRST_QUERY = "select * from features.customer_spend_v1 limit 5";
    /** Queries over each database the demo writes, ordered so that both sides list the rows alike. */
    static final List<String> QUERIES = List.of(
            FIRST_QUERY,
            "SELECT * FROM features.customer_spend_v1 ORDER BY customer_id, feature_time LIMIT 40",
            "SELECT run_id, `table`, delta_version, time, suite, check_id, kind, to_json(columns) AS columns, severity,"
                    + " status, metric, value, failing_rows, message FROM quality.results"
                    + " ORDER BY time, run_id, `table`, check_index",
            "SELECT txn_id, customer_id, amount, ts, event_date, to_json(failed_checks) AS failed_checks, run_id,"
                    + " quarantined_at FROM quality.transactions__quarantine ORDER BY txn_id",
            "SELECT table_name, delta_version, spine, features, inputs, rows, run_id, created_at FROM ml.training_sets"
                    + " ORDER BY created_at, table_name",
            "SELECT name, version, run_id, created_at FROM ml.model_versions ORDER BY name, version",
            "SELECT txn_id, customer_id, ts, label, probability, to_json(probabilities) AS probabilities, model_name,"
                    + " model_version, score_date, shadow_probability, shadow_model_version FROM scores.fraud"
                    + " ORDER BY txn_id, score_date LIMIT 50",
            "SELECT score_date, model_version, count(*) AS n, round(avg(probability), 6) AS mean_probability"
                    + " FROM scores.fraud GROUP BY score_date, model_version ORDER BY score_date, model_version");

    @TempDir
    static Path tmp;

    private static Path warehouse;
    private static Path executed;
    private static Dist.Ran demo;
    private static Dist.Ran notebooks;

    private static ProcessBuilder spark(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        Dist.childEnv(pb.environment());
        return pb;
    }

    private static Dist.Ran ingot(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Dist.INGOT.toString(), "--master", "local[2]"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--project", RETAIL.toString(), "--warehouse", warehouse.toString()));
        return Dist.run(spark(cmd), tmp.resolve("logs"), Duration.ofMinutes(5));
    }

    @BeforeAll
    static void demo() throws Exception {
        assertThat(Dist.SPARK_SUBMIT).as("laid out by the build (mvn verify)").isExecutable();
        warehouse = tmp.resolve("warehouse");
        // The smallest demo that still trains, promotes and scores (DemoPipelineTest's size); --chunk 30 gives the
        // feature tables two Delta versions for 01_features to compare.
        ProcessBuilder pb = spark(List.of(Dist.SPARK_SUBMIT.toString(), "--master", "local[2]", "--driver-memory", "1g",
                "--class", "dev.ingot.jobs.IngotMain", Dist.APP_JAR.toString(), "demo",
                "--rows", "20000", "--days", "60", "--chunk", "30", "--warehouse", warehouse.toString(), "--gpu", "off"));
        // Both compilers for the demo's JVM (minutes long, 100 boosted trees): the client compiler alone made it slower.
        pb.environment().remove("SPARK_SUBMIT_OPTS");
        demo = Dist.run(pb, tmp.resolve("logs"), Duration.ofMinutes(15));
        assertThat(demo.code()).as(demo.all()).isZero();
        System.out.printf(Locale.ROOT, "DemoIT: demo %.1f s%n", demo.seconds());
    }

    @Test
    @Order(1)
    void ingotSqlPrintsATableAndTheSqlServerGivesJdbcTheSameRows() throws Exception {
        Dist.Ran table = ingot("sql", FIRST_QUERY);
        assertThat(table.code()).as(table.all()).isZero();
        List<String> lines = table.out().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(table.out()).hasSize(7).last().isEqualTo("(5 rows)");
        assertThat(lines.get(0).split(" +")).as("the header").startsWith("customer_id", "feature_time");

        Path script = tmp.resolve("queries.sql");
        Files.writeString(script, String.join(";\n", QUERIES) + ";\n");
        Dist.Ran json = ingot("sql", "--format", "json", "-f", script.toString());
        assertThat(json.code()).as(json.all()).isZero();
        List<List<Map<String, Object>>> expected = SqlResults.ofJsonLines(json.out());
        assertThat(expected).hasSize(QUERIES.size()).allSatisfy(rows -> assertThat(rows).isNotEmpty());
        // The table shows the rows of the README's query.
        for (Map<String, Object> row : expected.get(0)) {
            assertThat(table.out()).contains(String.valueOf(row.get("customer_id")));
        }

        int port = PythonVenvs.freePort();
        Path out = tmp.resolve("server.out");
        ProcessBuilder pb = spark(List.of(Dist.INGOT.toString(), "--master", "local[2]", "sql-server",
                "--project", RETAIL.toString(), "--warehouse", warehouse.toString(), "--port", String.valueOf(port)))
                .redirectOutput(out.toFile()).redirectError(tmp.resolve("server.err").toFile());
        long t0 = System.nanoTime();
        Process server = pb.start();
        try {
            String url = awaitUrl(server, out);
            System.out.printf(Locale.ROOT, "DemoIT: sql-server up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            try (Connection c = DriverManager.getConnection(url, "demo", "")) {
                for (int i = 0; i < QUERIES.size(); i++) {
                    List<Map<String, Object>> got = SqlResults.rows(c, QUERIES.get(i));
                    if (i == 0) { // no ORDER BY: the same rows, listed as Spark's scan gives them
                        assertThat(got).as(QUERIES.get(i)).containsExactlyInAnyOrderElementsOf(expected.get(i));
                    } else {
                        assertThat(got).as(QUERIES.get(i)).isEqualTo(expected.get(i));
                    }
                }
            }
        } finally {
            server.destroy(); // SIGTERM; the notebooks need the embedded metastore free
            if (!server.waitFor(2, TimeUnit.MINUTES)) {
                server.destroyForcibly().waitFor();
            }
        }
        assertThat(server.exitValue()).as(Files.readString(out)).isZero();
    }

    private static String awaitUrl(Process server, Path out) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        for (;;) {
            String url = Files.readString(out).lines().filter(l -> l.startsWith("JDBC URL: "))
                    .map(l -> l.substring("JDBC URL: ".length()).strip()).findFirst().orElse(null);
            if (url != null) {
                return url;
            }
            assertThat(server.isAlive()).as("the server runs: " + Files.readString(tmp.resolve("server.err"))).isTrue();
            assertThat(System.nanoTime()).as("the server printed its URL in time").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** notebooks/run.py over the demo's warehouse, once (the first test that needs it runs it). */
    private static synchronized Dist.Ran notebooks() throws Exception {
        if (notebooks == null) {
            Path venv = PythonVenvs.venv("notebooks");
            executed = tmp.resolve("executed");
            ProcessBuilder pb = spark(List.of(venv.resolve("bin/python").toString(),
                    Dist.ROOT.resolve("notebooks/run.py").toString(), "--project", RETAIL.toString(),
                    "--warehouse", warehouse.toString(), "--out", executed.toString())).redirectErrorStream(true);
            notebooks = Dist.run(pb, tmp.resolve("logs"), Duration.ofMinutes(20));
            System.out.printf(Locale.ROOT, "DemoIT: notebooks %.1f s%n%s", notebooks.seconds(), notebooks.out());
        }
        return notebooks;
    }

    /** {@code name -> plots} from run.py's lines ({@code 01_features.ipynb: 21 cells, 4 plots, 30.2 s}). */
    private static Map<String, Integer> plotsByNotebook(String output) {
        Map<String, Integer> plots = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^(\\S+\\.ipynb): \\d+ cells, (\\d+) plots, [0-9.]+ s$").matcher(output);
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
    @Order(2)
    void everyNotebookExecutesWithoutAnErrorAndDrawsItsPlots() throws Exception {
        Dist.Ran nb = notebooks();
        assertThat(nb.code()).as(nb.all()).isZero();
        assertThat(plotsByNotebook(nb.out())).as(nb.out())
                .containsOnlyKeys("01_features.ipynb", "02_quality.ipynb", "03_models_and_scores.ipynb")
                .allSatisfy((name, plots) -> assertThat(plots).as(name).isGreaterThanOrEqualTo(2));
    }

    @Test
    @Order(3)
    void theNotebooksReadTheDemosTablesNotSomethingElse() throws Exception {
        Dist.Ran nb = notebooks();
        assertThat(nb.code()).as(nb.all()).isZero();
        assertThat(outputs("01_features.ipynb")).contains("features.customer_spend_v1").contains("ml.fraud_training_set");
        assertThat(outputs("02_quality.ipynb")).contains("quality.transactions__quarantine")
                .contains("transactions_raw#");
        assertThat(outputs("03_models_and_scores.ipynb")).contains("scores.fraud").contains("fraud v1")
                .contains("features.customer_spend_v1@");
    }

    @Test
    @Order(4)
    void theNotebooksLeaveNothingInTheRepository() throws Exception {
        notebooks();
        assertThat(Dist.ROOT.resolve("notebooks/derby.log")).doesNotExist();
        assertThat(Dist.ROOT.resolve("notebooks/metastore_db")).doesNotExist();
        assertThat(Dist.ROOT.resolve("notebooks/spark-warehouse")).doesNotExist();
    }
}
