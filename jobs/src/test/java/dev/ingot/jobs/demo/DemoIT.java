package dev.ingot.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.CatalogEntry;
import dev.ingot.core.Psi;
import dev.ingot.core.PythonVenvs;
import dev.ingot.jobs.Dist;
import dev.ingot.jobs.SqlResults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
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
 *
 * <p>What the demo did is checked over the same JDBC connection, as a SQL user sees it: the broken rows are
 * quarantined at load, the feature views pass their gate, the reports are written, every table is described in the
 * catalog with its lineage, the fraud model is trained, registered and promoted to champion in the local tracking
 * store (its {@code ml} tables), a challenger version is registered beside it, and the last day's transactions are
 * scored by the champion, shadowed by the challenger.
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
    private static Process server;
    private static Path serverOut;
    private static Connection jdbc;

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
        // The smallest demo that still trains, promotes and scores; --chunk 30 gives the
        // feature tables two Delta versions for 01_features to compare.
        ProcessBuilder pb = spark(List.of(Dist.INGOT.toString(), "--master", "local[2]", "demo",
                "--rows", "20000", "--days", "60", "--chunk", "30", "--warehouse", warehouse.toString(), "--gpu", "off"));
        // Both compilers for the demo's JVM (minutes long, 100 boosted trees): the client compiler alone made it slower.
        pb.environment().remove("INGOT_JAVA_OPTS");
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

        Connection c = jdbc();
        for (int i = 0; i < QUERIES.size(); i++) {
            List<Map<String, Object>> got = SqlResults.rows(c, QUERIES.get(i));
            if (i == 0) { // no ORDER BY: the same rows, listed as Spark's scan gives them
                assertThat(got).as(QUERIES.get(i)).containsExactlyInAnyOrderElementsOf(expected.get(i));
            } else {
                assertThat(got).as(QUERIES.get(i)).isEqualTo(expected.get(i));
            }
        }
    }

    /** A JDBC connection to {@code bin/ingot sql-server} over the demo's warehouse, started by the first caller. */
    private static synchronized Connection jdbc() throws Exception {
        if (jdbc == null) {
            int port = PythonVenvs.freePort();
            serverOut = tmp.resolve("server.out");
            ProcessBuilder pb = spark(List.of(Dist.INGOT.toString(), "--master", "local[2]", "sql-server",
                    "--project", RETAIL.toString(), "--warehouse", warehouse.toString(), "--port", String.valueOf(port)))
                    .redirectOutput(serverOut.toFile()).redirectError(tmp.resolve("server.err").toFile());
            long t0 = System.nanoTime();
            server = pb.start();
            String url = awaitUrl(server, serverOut);
            System.out.printf(Locale.ROOT, "DemoIT: sql-server up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            jdbc = DriverManager.getConnection(url, "demo", "");
        }
        return jdbc;
    }

    /** Stops the SQL server with SIGTERM (the notebooks need the embedded metastore free): it ends with exit 0. */
    private static synchronized void stopServer() throws Exception {
        if (server == null) {
            return;
        }
        try {
            jdbc.close();
        } finally {
            server.destroy();
            if (!server.waitFor(2, TimeUnit.MINUTES)) {
                server.destroyForcibly().waitFor();
            }
        }
        int code = server.exitValue();
        server = null;
        jdbc = null;
        assertThat(code).as("the SQL server's exit code after SIGTERM: " + Files.readString(serverOut)).isZero();
    }

    @AfterAll
    static void stopTheServer() throws Exception {
        stopServer();
    }

    /** Every row of a query over {@link #jdbc()}, values as the driver gives them. */
    private static List<List<Object>> sql(String query) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Statement s = jdbc().createStatement(); ResultSet r = s.executeQuery(query)) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(r.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** The one row of a query. */
    private static List<Object> one(String query) throws Exception {
        List<List<Object>> rows = sql(query);
        assertThat(rows).as(query).hasSize(1);
        return rows.get(0);
    }

    private static long count(String query) throws Exception {
        return ((Number) one(query).get(0)).longValue();
    }

    private static double number(Object v) {
        return ((Number) v).doubleValue();
    }

    /** A version of {@code fraud} as the local tracking store's tables hold it. */
    private record Version(long version, String runId, List<String> aliases, Map<String, String> tags) {}

    /** The READY version an alias of {@code fraud} points at. */
    private static Version byAlias(String alias) throws Exception {
        return version(count("SELECT version FROM ml.model_aliases WHERE name = 'fraud' AND alias = '" + alias + "'"));
    }

    private static Version version(long v) throws Exception {
        String run = (String) one("SELECT run_id FROM ml.model_versions WHERE name = 'fraud' AND version = " + v
                + " AND coalesce(status, 'READY') = 'READY'").get(0);
        List<String> aliases = sql("SELECT alias FROM ml.model_aliases WHERE name = 'fraud' AND version = " + v
                + " ORDER BY alias").stream().map(r -> (String) r.get(0)).toList();
        Map<String, String> tags = new TreeMap<>();
        for (List<Object> r : sql("SELECT key, max_by(value, updated_at) FROM ml.model_version_tags"
                + " WHERE name = 'fraud' AND version = " + v + " GROUP BY key")) {
            tags.put((String) r.get(0), (String) r.get(1));
        }
        return new Version(v, run, aliases, tags);
    }

    /** A run's metrics, the latest value of each. */
    private static Map<String, Double> metrics(String runId) throws Exception {
        Map<String, Double> metrics = new TreeMap<>();
        for (List<Object> r : sql("SELECT key, max_by(value, struct(step, timestamp)) FROM ml.metrics"
                + " WHERE run_id = '" + runId + "' GROUP BY key")) {
            metrics.put((String) r.get(0), number(r.get(1)));
        }
        return metrics;
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

    /** The last of the 60 days from 2026-01-01: the day the demo scores. */
    private static final String LAST_DAY = "2026-03-01";

    @Test
    @Order(2)
    void theDemoSaysWhatItDid() {
        assertThat(demo.out()).contains("[4/9] Point-in-time training set ml.fraud_training_set: done")
                .contains("[5/9] Train the fraud model (models/fraud.yaml, gbt_classifier) on ml.fraud_training_set")
                .contains("[6/9] Promote fraud v1 to champion")
                .contains("[7/9] Train a challenger version of fraud (models/fraud.yaml with logistic_regression "
                        + "{maxIter=50, regParam=0.001}) on ml.fraud_training_set, register it as fraud@challenger beside "
                        + "the champion: done")
                .contains("[8/9] Scoring input ml.fraud_scoring_input: the transactions of " + LAST_DAY)
                .contains("[9/9] Score ml.fraud_scoring_input with fraud@champion, shadowed by fraud@challenger, into "
                        + "scores.fraud (ingot score --model fraud@champion --input ml.fraud_scoring_input --out fraud "
                        + "--date " + LAST_DAY + " --keys txn_id,customer_id,merchant_id,ts --nulls impute --shadow "
                        + "challenger), and compare the two: done")
                .contains("broken rows quarantined in quality.transactions__quarantine")
                .contains("quality gate [customer_spend]: published").contains("Quality reports: ");
    }

    @Test
    @Order(3)
    void everyTableItWroteIsDescribedInTheCatalogWithItsLineage() throws Exception {
        Map<String, String> tables = new TreeMap<>(Map.ofEntries(
                Map.entry("features.customer_spend_v1", "How each customer usually spends"),
                Map.entry("features.customer_spend_v1__tiles", "Partial aggregates (tiles) of feature view"),
                Map.entry("quality.metrics", "Data quality metrics"),
                Map.entry("quality.results", "Data quality check results"),
                Map.entry("quality.transactions__quarantine", "Rows of raw.transactions that failed its row-level checks"),
                Map.entry("ml.fraud_spine", "label spine"),
                Map.entry("ml.fraud_training_set", "Training set: the spine ml.fraud_spine joined point-in-time"),
                Map.entry("ml.training_sets", "Training-set lineage"),
                Map.entry("ml.runs", "Training runs"),
                Map.entry("ml.model_versions", "Model versions"),
                Map.entry("ml.model_aliases", "alias"),
                Map.entry("scores.fraud", "Scores of ml.fraud_scoring_input by model fraud"),
                Map.entry("ingot.lineage", "Lineage of every write"),
                Map.entry("ingot.feature_views", "The feature view registry"),
                Map.entry("ingot.score_runs", "One row per scoring run"),
                Map.entry("ingot.job_runs", "One row per Ingot command run")));
        Map<String, CatalogEntry> entries = new TreeMap<>();
        for (Map.Entry<String, String> t : tables.entrySet()) {
            CatalogEntry e = CatalogEntry.of(jdbc(), t.getKey());
            assertThat(e.comment()).as(t.getKey()).contains(t.getValue());
            assertThat(e.uncommented()).as(t.getKey() + ": columns without a comment").isEmpty();
            entries.put(t.getKey(), e);
        }

        assertThat(entries.get("features.customer_spend_v1").columns())
                .containsEntry("txn_count_1d", "Number of transactions. (1d)")
                .containsEntry("customer_id", "Entity key, as in source transactions");
        assertThat(entries.get("features.customer_spend_v1").properties())
                .containsEntry("ingot.feature_view", "customer_spend").containsEntry("ingot.feature_view_version", "1")
                .containsKey("ingot.created_definition_hash")
                .hasEntrySatisfying("ingot.created_from", v -> assertThat(v).matches("transactions=raw\\.transactions@\\d+"));

        assertThat(entries.get("quality.transactions__quarantine").properties())
                .containsEntry("ingot.quarantine_of", "raw.transactions");
        assertThat(entries.get("quality.transactions__quarantine").columns())
                .containsEntry("amount", "As in raw.transactions")
                .containsEntry("failed_checks", "Ids (<suite>#<index>) of the row-level checks the row failed "
                        + "(quality.results)");
        assertThat(entries.get("quality.metrics").columns()).containsEntry("delta_version",
                "Its Delta version measured; null for a table that is not Delta");

        Map<String, String> ts = entries.get("ml.fraud_training_set").properties();
        assertThat(ts).containsEntry("ingot.spine_time", "ts").containsKey("ingot.run_id");
        assertThat(ts.get("ingot.spine")).matches("ml\\.fraud_spine@\\d+");
        assertThat(ts.get("ingot.created_from")).startsWith(ts.get("ingot.spine").replace("ml.", "spine=ml."))
                .containsPattern("customer_spend=features\\.customer_spend_v1@\\d+")
                .containsPattern("merchant_risk=features\\.merchant_risk_v1@\\d+");
        assertThat(entries.get("ml.fraud_training_set").columns()).containsEntry("is_fraud",
                "The label: 1 when a chargeback for the transaction arrived")
                .hasEntrySatisfying("customer_spend__txn_count_1d", c -> assertThat(c).startsWith("Number of "
                        + "transactions.").endsWith("(feature txn_count_1d of features.customer_spend_v1, as of the spine "
                        + "row's ts)"));

        Version champion = byAlias("champion");
        assertThat(entries.get("scores.fraud").properties()).containsEntry("ingot.model_name", "fraud")
                .containsEntry("ingot.created_model_version", Long.toString(champion.version()))
                .containsEntry("ingot.created_model_run_id", champion.runId())
                .containsEntry("ingot.input_table", "ml.fraud_scoring_input")
                .hasEntrySatisfying("ingot.created_model_sha256", v -> assertThat(v).matches("[0-9a-f]{64}"))
                .hasEntrySatisfying("ingot.created_from", v -> assertThat(v)
                        .startsWith("input=ml.fraud_scoring_input@").contains("training_set=ml.fraud_training_set@0"));
        assertThat(entries.get("scores.fraud").columns()).containsEntry("probability",
                "The model's probability of class 1 (binary classifier)").containsEntry("shadow_probability",
                "The --shadow model's probability of class 1 (binary classifier)")
                .containsEntry("model_sha256", "SHA-256 of the ONNX model that scored the row");
        assertThat(sql("DESCRIBE HISTORY scores.fraud")).as("the doc came with the first write").hasSize(1);
    }

    @Test
    @Order(4)
    void exactlyTheBrokenRowsAreQuarantinedAndTheRestPublished() throws Exception {
        long quarantined = count("SELECT count(*) FROM quality.transactions__quarantine");
        assertThat(quarantined).isBetween(1L, 12L);
        assertThat(count("SELECT count(*) FROM quality.transactions__quarantine WHERE "
                + RetailDemoData.BROKEN_PREDICATE)).isEqualTo(quarantined);
        assertThat(count("SELECT count(*) FROM raw.transactions WHERE " + RetailDemoData.BROKEN_PREDICATE)).isZero();
        assertThat(count("SELECT count(*) FROM raw.transactions") + quarantined).isEqualTo(20000);
        assertThat(demo.out()).contains(String.format("%,d broken rows quarantined", quarantined));
    }

    @Test
    @Order(5)
    void featureTablesWereCheckedAndTheReportsWritten() throws Exception {
        assertThat(sql("SELECT DISTINCT suite FROM quality.results WHERE `table` = 'features.customer_spend_v1'"))
                .containsExactly(List.of("customer_spend"));
        try (Stream<Path> files = Files.list(warehouse.resolve("_reports"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("raw_transactions-") && n.endsWith(".html"))
                    .anyMatch(n -> n.startsWith("features_customer_spend_v1-"));
        }
        assertThat(count("SELECT count(*) FROM ml.fraud_training_set")).isPositive();
    }

    @Test
    @Order(6)
    void theFraudModelIsRegisteredAndPromotedToChampionWithItsMetricsInTheRegistryAndTheSummary() throws Exception {
        assertThat(sql("SELECT version FROM ml.model_versions WHERE name = 'fraud' AND coalesce(status, 'READY') = "
                + "'READY' ORDER BY version")).as("the champion, then the challenger, on a fresh warehouse")
                .containsExactly(List.of(1L), List.of(2L));
        Version champion = byAlias("champion");
        assertThat(champion.version()).isEqualTo(1);
        assertThat(champion.aliases()).containsExactly("champion");
        assertThat(champion.tags()).containsEntry("ingot.training_set", "ml.fraud_training_set")
                .anySatisfy((k, v) -> {
                    assertThat(k).startsWith("ingot.event.");
                    assertThat(v).contains("\"action\":\"promoted\"").contains("\"version\":1");
                });

        Map<String, Double> metrics = metrics(champion.runId());
        assertThat(metrics).containsKeys("auc", "pr_auc", "log_loss", "f1", "precision_at_k", "validation/auc",
                "gap/auc", "group/mass/auc", "group/affluent/auc", "group/business/auc");
        double auc = metrics.get("auc");
        assertThat(auc).as("the generated fraud is learnable from the point-in-time features").isGreaterThan(0.6);
        assertThat(champion.tags()).as("the version carries its test metrics")
                .containsEntry("metric.auc", Double.toString(auc));
        assertThat(metrics.get("log_loss")).as("probabilities around a base rate of about 2%").isBetween(0.0, 0.2);
        assertThat(metrics.get("gap/auc")).as("the gate held: the auc gap across segments is within 0.30")
                .isBetween(0.0, 0.30);

        assertThat(demo.out()).contains(String.format(Locale.ROOT,
                        "Champion: fraud v1 (alias champion), run %s: promoted by this run", champion.runId()))
                .containsPattern("\\n  auc +" + Pattern.quote(String.format(Locale.ROOT, "%.4f", auc)) + "\\n")
                .containsPattern("\\n  pr_auc +" + Pattern.quote(String.format(Locale.ROOT, "%.4f", metrics.get("pr_auc"))))
                .contains("auc gap across segment")
                .doesNotContain("not promoted").contains("models show --project examples/retail fraud@champion");
    }

    @Test
    @Order(7)
    void theChallengerIsAnotherVersionOfFraudWithADifferentModelAndIsNotPromoted() throws Exception {
        Version champion = byAlias("champion");
        Version challenger = byAlias("challenger");
        assertThat(challenger.version()).isEqualTo(2);
        assertThat(challenger.aliases()).containsExactly("challenger");
        assertThat(challenger.runId()).isNotEqualTo(champion.runId());
        assertThat(challenger.tags()).containsEntry("ingot.training_set", "ml.fraud_training_set")
                .containsEntry("ingot.training_set_version", champion.tags().get("ingot.training_set_version"))
                .containsKey("metric.auc")
                .noneSatisfy((k, v) -> assertThat(k).startsWith("ingot.event."));
        assertThat(challenger.tags().get("ingot.onnx_sha256")).as("another model, not the champion's bytes again")
                .isNotBlank().isNotEqualTo(champion.tags().get("ingot.onnx_sha256"));
        assertThat(sql("SELECT value FROM ml.params WHERE run_id = '" + challenger.runId() + "' AND key = 'algorithm'"))
                .containsExactly(List.of("logistic_regression"));
        assertThat(demo.out()).contains("Challenger: fraud v2 (alias challenger, logistic_regression), run "
                + challenger.runId() + ": test auc " + String.format(Locale.ROOT, "%.4f",
                Double.parseDouble(challenger.tags().get("metric.auc"))) + ", left as challenger");
    }

    @Test
    @Order(8)
    void theLastDaysTransactionsAreScoredByTheChampionWithTheirFeaturesAsOfTheirTime() throws Exception {
        assertThat(one("SELECT CAST(max(event_date) AS STRING) FROM raw.transactions")).containsExactly(LAST_DAY);
        long day = count("SELECT count(*) FROM raw.transactions WHERE event_date = DATE'" + LAST_DAY + "'");
        assertThat(day).as("about 20000 / 60 transactions a day").isBetween(100L, 1000L);
        assertThat(count("SELECT count(*) FROM ml.fraud_scoring_input")).isEqualTo(day);
        List<String> inputColumns = sql("DESCRIBE TABLE ml.fraud_scoring_input").stream()
                .map(r -> (String) r.get(0)).toList();
        assertThat(inputColumns).as("no label: it is not known at scoring time")
                .doesNotContain("is_fraud").contains("txn_id", "customer_spend__amount_sum_7d");

        Version champion = byAlias("champion");
        List<Object> s = one("SELECT count(*), count(DISTINCT txn_id), min(model_version), max(model_version), "
                + "min(model_run_id), max(model_run_id), min(probability), max(probability), count(probability) "
                + "FROM scores.fraud WHERE score_date = DATE'" + LAST_DAY + "'");
        assertThat(number(s.get(0))).as("one score per transaction of the day").isEqualTo(day);
        assertThat(number(s.get(1))).isEqualTo(day);
        assertThat(List.of(number(s.get(2)), number(s.get(3)))).as("the champion on every row")
                .containsOnly((double) champion.version());
        assertThat(List.of(s.get(4), s.get(5))).containsOnly(champion.runId());
        assertThat(number(s.get(8))).isEqualTo(day);
        assertThat(number(s.get(6))).isBetween(0.0, 1.0);
        assertThat(number(s.get(7))).isBetween(number(s.get(6)), 1.0).isGreaterThan(number(s.get(6)));
        List<Object> shadow = one("SELECT min(shadow_model_version), max(shadow_model_version), "
                + "count(shadow_probability), sum(CASE WHEN shadow_probability <> probability THEN 1 ELSE 0 END) "
                + "FROM scores.fraud");
        assertThat(List.of(number(shadow.get(0)), number(shadow.get(1)))).as("the challenger shadows every row")
                .containsOnly(2.0);
        assertThat(number(shadow.get(2))).isEqualTo(day);
        assertThat(number(shadow.get(3))).as("another model: its scores differ").isPositive();

        assertThat(count("SELECT count(*) FROM ingot.score_runs WHERE output_table = 'scores.fraud'")).isEqualTo(1);
        List<Object> run = one("SELECT rows, rows_per_second, batch_p50_ms, batch_p95_ms, batch_p99_ms, batches, "
                + "model_version, run_id, input_table, shadow_model_version, shadow_batch_p50_ms, shadow_batch_p95_ms, "
                + "shadow_batch_p99_ms, score_psi FROM ingot.score_runs WHERE output_table = 'scores.fraud'");
        assertThat(number(run.get(0))).isEqualTo(day);
        assertThat(number(run.get(1))).isPositive();
        assertThat(number(run.get(2))).isPositive().isLessThanOrEqualTo(number(run.get(3)));
        assertThat(number(run.get(3))).isLessThanOrEqualTo(number(run.get(4)));
        assertThat(number(run.get(5))).isPositive();
        assertThat(number(run.get(6))).isEqualTo(champion.version());
        assertThat(run.get(8)).isEqualTo("ml.fraud_scoring_input");
        assertThat(number(run.get(9))).isEqualTo(2);
        assertThat(run.get(13)).as("the champion has its test window's scores as reference").isNotNull();
        double psi = number(run.get(13));
        assertThat(psi).isNotNegative();
        assertThat(sql("SELECT value FROM quality.metrics WHERE `table` = 'scores.fraud' AND metric = 'score_psi' "
                + "AND `column` = 'fraud/1'")).extracting(r -> number(r.get(0))).containsExactly(psi);
        assertThat(number(run.get(10))).isPositive().isLessThanOrEqualTo(number(run.get(11)));
        assertThat(number(run.get(11))).isLessThanOrEqualTo(number(run.get(12)));

        assertThat(demo.out()).contains(String.format(Locale.ROOT, "scores.fraud: %,d rows scored by fraud v1", day))
                .contains("Scoring: scores.fraud, score_date " + LAST_DAY + ", by fraud v1 (champion), run " + run.get(7))
                .containsPattern("\\n  rows scored +" + Pattern.quote(String.format(Locale.ROOT, "%,d of %,d in "
                        + "ml.fraud_scoring_input", day, day)))
                .containsPattern("\\n  throughput +[0-9,]+ rows/s")
                .containsPattern("\\n  batch latency +p50 " + Pattern.quote(String.format(Locale.ROOT, "%.2f ms, p95 "
                        + "%.2f ms, p99 %.2f ms", number(run.get(2)), number(run.get(3)), number(run.get(4)))))
                .containsPattern("\\n  shadow latency +p50 " + Pattern.quote(String.format(Locale.ROOT, "%.2f ms",
                        number(run.get(10)))))
                .contains("\n  score drift     PSI " + Psi.describe(psi) + ", against v1's test window (quality.metrics "
                        + "score_psi)\n")
                .contains("Champion against challenger (bin/ingot models compare --scores fraud --date " + LAST_DAY + "):")
                .contains(String.format(Locale.ROOT, "  scores.fraud on %s: fraud v1 (main) against v2 (shadow), %,d rows",
                        LAST_DAY, day))
                .containsPattern("\\n  labels: [01]\\.[0-9]{4} agree")
                .containsPattern("\\n    mean \\|diff\\| [0-9.]+, max \\|diff\\| [0-9.]+, KS [0-9.]+, PSI [0-9.]+");
    }

    @Test
    @Order(9)
    void aScoreIsTracedThroughTheLineageToTheFeatureTableVersionsAndTheModel() throws Exception {
        List<Object> score = one("SELECT inputs, details FROM ingot.lineage WHERE output_table = 'scores.fraud'");
        long input = count("SELECT output_version FROM ingot.lineage WHERE output_table = 'ml.fraud_scoring_input'");
        assertThat((String) score.get(0)).contains("{\"name\":\"input\",\"location\":\"ml.fraud_scoring_input\","
                        + "\"delta_version\":" + input + "}")
                .as("the models' training set, at the version in their tags")
                .contains("{\"name\":\"training_set\",\"location\":\"ml.fraud_training_set\",\"delta_version\":0}")
                .contains("{\"name\":\"shadow_training_set\",\"location\":\"ml.fraud_training_set\",\"delta_version\":0}");
        assertThat((String) score.get(1)).contains("\"model_version\":\"1\"");
        String features = (String) one("SELECT inputs FROM ingot.lineage WHERE output_table = 'ml.fraud_scoring_input'")
                .get(0);
        assertThat(features).contains("features.customer_spend_v1").contains("features.merchant_risk_v1")
                .contains("ml.fraud_scoring_spine");
    }

    /** notebooks/run.py over the demo's warehouse, once (the first test that needs it runs it). */
    private static synchronized Dist.Ran notebooks() throws Exception {
        if (notebooks == null) {
            stopServer();
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
    @Order(20)
    void everyNotebookExecutesWithoutAnErrorAndDrawsItsPlots() throws Exception {
        Dist.Ran nb = notebooks();
        assertThat(nb.code()).as(nb.all()).isZero();
        assertThat(plotsByNotebook(nb.out())).as(nb.out())
                .containsOnlyKeys("01_features.ipynb", "02_quality.ipynb", "03_models_and_scores.ipynb")
                .allSatisfy((name, plots) -> assertThat(plots).as(name).isGreaterThanOrEqualTo(2));
    }

    @Test
    @Order(21)
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
    @Order(22)
    void theNotebooksLeaveNothingInTheRepository() throws Exception {
        notebooks();
        assertThat(Dist.ROOT.resolve("notebooks/derby.log")).doesNotExist();
        assertThat(Dist.ROOT.resolve("notebooks/metastore_db")).doesNotExist();
        assertThat(Dist.ROOT.resolve("notebooks/spark-warehouse")).doesNotExist();
    }
}
