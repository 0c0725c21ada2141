package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.TestSpark;
import dev.ingot.scoring.OnnxConverter;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.scoring.Scorer;
import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on 127.0.0.1: a master and a worker in their own JVMs, with the build's local
 * distribution as SPARK_HOME (only Spark's jars), and {@code bin/ingot --master spark://...} submitting the app jar.
 * Executors run in JVMs the worker launches, so this proves the app jar carries everything Ingot needs (Delta, the
 * YAML loader, the demo, ONNX Runtime and its native library) to executors that have only Spark.
 */
class StandaloneClusterIT {
    private static final Path DIST = Dist.HOME;
    private static final Path INGOT = Dist.INGOT;
    private static final List<Process> DAEMONS = new ArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The drivers' JVM options: {@link Dist#CHILD_JVM_OPTIONS}, and the same for the executors the worker launches
     * (the driver's SparkConf reads {@code spark.*} system properties; {@code bin/ingot} sets the executors'
     * {@code extraJavaOptions} itself, which Spark appends to these {@code defaultJavaOptions}). Each executor lives
     * for one command, seconds to a minute of small tasks: the server compiler's work would not pay off.
     */
    private static final String DRIVER_OPTIONS = Dist.CHILD_JVM_OPTIONS + " -Dspark.executor.defaultJavaOptions="
            + Dist.CHILD_JVM_OPTIONS;

    @TempDir
    static Path tmp;
    private static int masterPort;
    private static int masterUi;
    private static Path workDir;

    @BeforeAll
    static void startCluster() throws Exception {
        assertThat(DIST.resolve("jars")).as("the build lays out the distribution first (mvn verify)").isDirectory();
        masterPort = freePort();
        masterUi = freePort();
        workDir = tmp.resolve("worker-work");
        Files.createDirectories(workDir);
        DAEMONS.add(daemon("master", "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", "" + masterPort, "--webui-port", "" + masterUi));
        waitFor(() -> json("/json/").contains("\"status\" : \"ALIVE\""), "master ALIVE");
        DAEMONS.add(daemon("worker", "org.apache.spark.deploy.worker.Worker",
                "--host", "127.0.0.1", "--webui-port", "" + freePort(), "--cores", "2", "--memory", "2g",
                "--work-dir", workDir.toString(), "spark://127.0.0.1:" + masterPort));
        waitFor(() -> json("/json/").contains("\"aliveworkers\" : 1"), "one worker registered");
    }

    @AfterAll
    static void stopCluster() {
        for (Process p : DAEMONS) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void demoDataIsWrittenToDeltaByExecutorsInOtherJvms() throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        Path log = tmp.resolve("submit.log");
        ProcessBuilder pb = new ProcessBuilder(INGOT.toString(), "--master", "spark://127.0.0.1:" + masterPort,
                "demo", "--rows", "20000", "--data-only", "--warehouse", warehouse.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        env(pb);
        Process submit = pb.start();
        boolean finished = submit.waitFor(8, TimeUnit.MINUTES);
        String out = Files.readString(log);
        assertThat(finished).as("the submit finished in time; output:\n%s", out).isTrue();
        assertThat(submit.exitValue()).as("exit code; output:\n%s", out).isEqualTo(0);
        assertThat(out).contains("Tables written:").contains("raw.transactions");

        // The rows, read back independently from the Delta log the cluster wrote.
        SparkSession spark = TestSpark.session();
        Row r = spark.read().format("delta").load(warehouse.resolve("raw.db/transactions").toString())
                .selectExpr("count(*)", "count(DISTINCT txn_id)", "min(ts)", "max(ts)").first();
        assertThat(r.getLong(0)).as("every generated transaction is in the Delta table").isEqualTo(20000L);
        assertThat(r.getLong(1)).as("no duplicate transaction ids").isEqualTo(20000L);
        assertThat(warehouse.resolve("raw.db/transactions/_delta_log/00000000000000000000.json")).exists();

        // The tasks ran in executor JVMs launched by the worker, not in the driver.
        List<Path> executorLogs;
        try (Stream<Path> s = Files.walk(workDir)) {
            executorLogs = s.filter(p -> p.getFileName().toString().equals("stderr")).toList();
        }
        assertThat(executorLogs).as("the worker launched executors").isNotEmpty();
        String execLog = Files.readString(executorLogs.get(0));
        assertThat(execLog).as("executor log").contains("CoarseGrainedExecutorBackend");
        assertThat(json("/json/")).as("the application completed on the master").contains("\"completedapps\" : [ {");

        // A feature view materialized on the cluster: tiles, windows and Delta commits from executors.
        Path log2 = tmp.resolve("materialize.log");
        Path project = warehouse.resolve("_demo_project/retail");
        ProcessBuilder mat = new ProcessBuilder(INGOT.toString(), "--master", "spark://127.0.0.1:" + masterPort,
                "features", "materialize", "--project", project.toString(), "--warehouse", warehouse.toString(),
                "--view", "merchant_risk", "--from", "2026-01-01", "--to", "2026-01-15")
                .redirectErrorStream(true).redirectOutput(log2.toFile());
        env(mat);
        Process m = mat.start();
        assertThat(m.waitFor(8, TimeUnit.MINUTES)).as("materialize finished in time").isTrue();
        String mout = Files.readString(log2);
        assertThat(m.exitValue()).as("exit code; output:\n%s", mout).isEqualTo(0);
        assertThat(mout).contains("features.merchant_risk_v1:");
        long rows = spark.read().format("delta").load(warehouse.resolve("features.db/merchant_risk_v1").toString())
                .where("feature_time > TIMESTAMP'2026-01-01 00:00:00' AND feature_time <= TIMESTAMP'2026-01-15 00:00:00'").count();
        long expected = spark.read().format("delta").load(warehouse.resolve("raw.db/transactions").toString())
                .where("ts < TIMESTAMP'2026-01-15 00:00:00' AND merchant_id IS NOT NULL AND amount >= 0 AND currency IN ('EUR', 'GBP', 'PLN', 'USD')")
                .selectExpr("merchant_id", "explode(sequence(to_date(ts) + 1, least(to_date(ts) + 7, DATE'2026-01-15'))) AS d")
                .distinct().count();
        assertThat(rows).as("one row per merchant and day with a transaction in its 7-day window").isEqualTo(expected);

        scoresOnTheClusterAsLocally(warehouse, project);
        anExecutorKilledMidScoreChangesNoScore(warehouse, project);
    }

    /**
     * ONNX scoring in executors in other JVMs: a GBT pipeline fitted here on the demo's transactions, converted to
     * ONNX, and {@code score} on the cluster. Each executor JVM logs that it loaded ONNX Runtime and created its one
     * session (however many scoring tasks it ran, which the event log counts), and every score equals what ONNX
     * Runtime gives in this JVM on the same rows.
     */
    private static void scoresOnTheClusterAsLocally(Path warehouse, Path project) throws Exception {
        SparkSession spark = TestSpark.session();
        Dataset<Row> txns = spark.read().format("delta").load(warehouse.resolve("raw.db/transactions").toString())
                .selectExpr("txn_id", "amount", "channel", "currency",
                        "CAST(amount * CASE channel WHEN 'online' THEN 2 ELSE 1 END > 60 AS DOUBLE) AS label");
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {
                new StringIndexer().setInputCols(new String[] {"channel", "currency"})
                        .setOutputCols(new String[] {"channel_ix", "currency_ix"}).setHandleInvalid("keep"),
                new VectorAssembler().setInputCols(new String[] {"amount", "channel_ix", "currency_ix"}).setOutputCol("features"),
                new GBTClassifier().setMaxIter(5).setMaxDepth(3).setSeed(7)}).fit(txns);
        OnnxModel onnx = OnnxConverter.create().convert(fitted, txns.schema());
        Path file = tmp.resolve("txn_gbt.onnx");
        Files.write(file, onnx.bytes());

        Path events = tmp.resolve("events");
        Files.createDirectories(events);
        Path log = tmp.resolve("score.log");
        ProcessBuilder pb = new ProcessBuilder(INGOT.toString(), "--master", "spark://127.0.0.1:" + masterPort,
                "score", "--project", project.toString(), "--warehouse", warehouse.toString(), "--model", file.toString(),
                "--input", "raw.transactions", "--out", "cluster_txn", "--keys", "txn_id", "--date", "2026-11-30",
                "--batch-size", "256")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        env(pb);
        // The driver's SparkConf reads spark.* system properties: an event log tells which executor ran which task.
        pb.environment().put("INGOT_JAVA_OPTS", DRIVER_OPTIONS + " -Dspark.eventLog.enabled=true -Dspark.eventLog.dir=" + events.toUri());
        Process submit = pb.start();
        assertThat(submit.waitFor(8, TimeUnit.MINUTES)).as("score finished in time").isTrue();
        String out = Files.readString(log);
        assertThat(submit.exitValue()).as("exit code; output:\n%s", out).isEqualTo(0);
        assertThat(out).contains("scores.cluster_txn: 20,000 rows scored");

        // Which executors ran scoring tasks (those that updated the batch-latency accumulator), and how many each.
        Path eventLog;
        try (Stream<Path> s = Files.list(events)) {
            eventLog = s.filter(f -> f.getFileName().toString().startsWith("app-")).findFirst().orElseThrow();
        }
        Map<String, Integer> scoringTasks = new TreeMap<>();
        for (String line : Files.readAllLines(eventLog)) {
            JsonNode e = JSON.readTree(line);
            if (e.path("Event").asText().equals("SparkListenerTaskEnd")) {
                JsonNode info = e.path("Task Info");
                for (JsonNode a : info.path("Accumulables")) {
                    if (a.path("Name").asText().equals("ingot.score.batch_latency")) {
                        scoringTasks.merge(info.path("Executor ID").asText(), 1, Integer::sum);
                    }
                }
            }
        }
        assertThat(scoringTasks).as("scoring tasks ran in executors").isNotEmpty().doesNotContainKey("driver");
        assertThat(scoringTasks.values().stream().mapToInt(Integer::intValue).max().orElse(0))
                .as("some executor ran several scoring tasks (%s), so one session each says they shared it", scoringTasks)
                .isGreaterThan(1);

        // Each of those executors' own log: ONNX Runtime loaded once, in its JVM, not the driver's nor this one.
        String appId = eventLog.getFileName().toString();
        Pattern created = Pattern.compile("ONNX Runtime (\\S+) session created in executor (\\S+) \\(pid (\\d+)\\) "
                + "for model sha256 " + onnx.sha256().substring(0, 12));
        for (String exec : scoringTasks.keySet()) {
            Path stderr = workDir.resolve(appId).resolve(exec).resolve("stderr");
            String execLog = Files.readString(stderr);
            Matcher m = created.matcher(execLog);
            assertThat(m.find()).as("executor %s logged its ONNX Runtime session; its log:\n%s", exec, execLog).isTrue();
            assertThat(m.group(1)).as("ONNX Runtime's version").isEqualTo(OrtEnvironment.getEnvironment().getVersion());
            assertThat(m.group(2)).isEqualTo(exec);
            long pid = Long.parseLong(m.group(3));
            assertThat(pid).as("another JVM than the driver and this test").isNotIn(submit.pid(), ProcessHandle.current().pid());
            assertThat(m.find()).as("one session in executor %s for its %d scoring tasks", exec, scoringTasks.get(exec))
                    .isFalse();
        }

        // The same rows scored by ONNX Runtime in this JVM.
        Map<Long, Row> local = new HashMap<>();
        Scorer.of(OnnxModel.read(file)).score(spark.read().format("delta")
                        .load(warehouse.resolve("raw.db/transactions").toString()).select("txn_id", "amount", "channel", "currency"))
                .select("txn_id", "label", "probability").collectAsList().forEach(r -> local.put(r.getLong(0), r));
        List<Row> cluster = spark.read().format("delta").load(warehouse.resolve("scores.db/cluster_txn").toString())
                .select("txn_id", "label", "probability").collectAsList();
        assertThat(cluster).as("one score per transaction").hasSize(20000);
        assertThat(local).hasSize(20000);
        double maxDiff = 0;
        Set<Long> labels = new HashSet<>();
        for (Row r : cluster) {
            Row want = local.get(r.getLong(0));
            assertThat(want).as("transaction %d scored locally too", r.getLong(0)).isNotNull();
            assertThat(r.getLong(1)).as("label of transaction %d", r.getLong(0)).isEqualTo(want.getLong(1));
            maxDiff = Math.max(maxDiff, Math.abs(r.getDouble(2) - want.getDouble(2)));
            labels.add(r.getLong(1));
        }
        assertThat(maxDiff).as("largest difference of a probability, cluster against local").isLessThanOrEqualTo(1e-9);
        assertThat(labels).as("both classes predicted, so equal labels say something").containsExactlyInAnyOrder(0L, 1L);
    }

    /**
     * An executor JVM ({@code CoarseGrainedExecutorBackend}) killed with SIGKILL while it runs scoring tasks: the
     * worker launches another, the lost tasks run again there, and {@code score} still ends with exit 0 and the same
     * rows as the clean run of {@link #scoresOnTheClusterAsLocally} (same model, input and date; all columns but the
     * scoring time). The event log shows that the executor was lost with tasks on it, so the kill cannot have missed.
     * One row per ONNX Runtime call ({@code --batch-size 1}) keeps the tasks running for seconds.
     */
    private static void anExecutorKilledMidScoreChangesNoScore(Path warehouse, Path project) throws Exception {
        Path file = tmp.resolve("txn_gbt.onnx");
        Path events = tmp.resolve("events-killed");
        Files.createDirectories(events);
        Path log = tmp.resolve("score-killed.log");
        ProcessBuilder pb = new ProcessBuilder(INGOT.toString(), "--master", "spark://127.0.0.1:" + masterPort,
                "score", "--project", project.toString(), "--warehouse", warehouse.toString(), "--model", file.toString(),
                "--input", "raw.transactions", "--out", "cluster_txn_killed", "--keys", "txn_id", "--date", "2026-11-30",
                "--batch-size", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        env(pb);
        pb.environment().put("INGOT_JAVA_OPTS", DRIVER_OPTIONS + " -Dspark.eventLog.enabled=true -Dspark.eventLog.dir=" + events.toUri());
        Set<Long> before = executors();
        Process submit = pb.start();
        // The first executor of this application to log its ONNX Runtime session is running scoring tasks: kill it.
        long killed = -1;
        Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
        while (killed < 0 && submit.isAlive() && Instant.now().isBefore(deadline)) {
            for (ProcessHandle e : executorHandles()) {
                if (before.contains(e.pid())) {
                    continue;
                }
                Path stderr = executorLog(e);
                if (stderr != null && Files.readString(stderr).contains("ONNX Runtime")) {
                    assertThat(e.destroyForcibly()).as("SIGKILL sent to executor pid %d", e.pid()).isTrue();
                    killed = e.pid();
                    break;
                }
            }
            Thread.sleep(50);
        }
        assertThat(killed).as("an executor was found scoring and killed; output:\n%s", Files.readString(log))
                .isPositive();
        assertThat(submit.waitFor(6, TimeUnit.MINUTES)).as("score finished in time").isTrue();
        String out = Files.readString(log);
        assertThat(submit.exitValue()).as("exit code after losing an executor; output:\n%s", out).isEqualTo(0);
        assertThat(out).contains("scores.cluster_txn_killed: 20,000 rows scored");

        // The event log: the executor went away with tasks running on it, and they ran again elsewhere.
        Path eventLog;
        try (Stream<Path> s = Files.list(events)) {
            eventLog = s.filter(f -> f.getFileName().toString().startsWith("app-")).findFirst().orElseThrow();
        }
        int lostTasks = 0;
        int removed = 0;
        for (String line : Files.readAllLines(eventLog)) {
            JsonNode e = JSON.readTree(line);
            String event = e.path("Event").asText();
            if (event.equals("SparkListenerExecutorRemoved")) {
                removed++;
            }
            if (event.equals("SparkListenerTaskEnd")
                    && e.path("Task End Reason").path("Reason").asText().equals("ExecutorLostFailure")) {
                lostTasks++;
            }
        }
        assertThat(removed).as("an executor was removed from the application").isPositive();
        assertThat(lostTasks).as("tasks were lost with the killed executor (pid %d)", killed).isPositive();

        // The same rows as the clean run, every column but the scoring time; the probabilities within 1e-12: ONNX
        // Runtime rounds differently with one row per call than with 256 (the clean run's batches), in the last bits
        // (seen: 0.08791619739525236 against 0.08791619739525258), which has nothing to do with the kill.
        SparkSession spark = TestSpark.session();
        String[] columns = spark.read().format("delta").load(warehouse.resolve("scores.db/cluster_txn").toString())
                .columns();
        List<String> kept = java.util.Arrays.stream(columns).filter(c -> !c.equals("scored_at")
                && !c.startsWith("probabilit")).toList();
        List<String> clean = jsonRows(spark, warehouse.resolve("scores.db/cluster_txn"), kept);
        List<String> afterKill = jsonRows(spark, warehouse.resolve("scores.db/cluster_txn_killed"), kept);
        assertThat(afterKill).as("the same %d score rows (columns %s) as the clean run", clean.size(), kept)
                .hasSize(20000).isEqualTo(clean);
        Row diff = spark.read().format("delta").load(warehouse.resolve("scores.db/cluster_txn").toString()).as("a")
                .join(spark.read().format("delta").load(warehouse.resolve("scores.db/cluster_txn_killed").toString())
                        .as("b"), "txn_id")
                .selectExpr("count(*)", "max(abs(a.probability - b.probability))").first();
        assertThat(diff.getLong(0)).as("every transaction in both").isEqualTo(20000L);
        assertThat(diff.getDouble(1)).as("largest difference of a probability").isLessThanOrEqualTo(1e-12);
    }

    private static List<String> jsonRows(SparkSession spark, Path table, List<String> columns) {
        return spark.read().format("delta").load(table.toString())
                .selectExpr("to_json(struct(" + String.join(", ", columns.stream().map(c -> "`" + c + "`").toList())
                        + ")) AS j").collectAsList().stream().map(r -> r.getString(0)).sorted().toList();
    }

    /** The executor JVMs the worker launched (its descendants running CoarseGrainedExecutorBackend). */
    private static List<ProcessHandle> executorHandles() {
        return DAEMONS.get(1).descendants().filter(p -> p.info().commandLine().orElse("")
                .contains("CoarseGrainedExecutorBackend")).toList();
    }

    private static Set<Long> executors() {
        Set<Long> out = new HashSet<>();
        executorHandles().forEach(p -> out.add(p.pid()));
        return out;
    }

    /** The stderr file of an executor JVM: {@code work/<app>/<executor id>/stderr}, named in its command line. */
    private static Path executorLog(ProcessHandle executor) {
        Matcher m = Pattern.compile("--app-id (\\S+).*--executor-id (\\S+)|--executor-id (\\S+).*--app-id (\\S+)")
                .matcher(executor.info().commandLine().orElse(""));
        if (!m.find()) {
            return null;
        }
        String app = m.group(1) != null ? m.group(1) : m.group(4);
        String id = m.group(2) != null ? m.group(2) : m.group(3);
        Path f = workDir.resolve(app).resolve(id).resolve("stderr");
        return Files.isRegularFile(f) ? f : null;
    }

    // ---- helpers ----

    private static Process daemon(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", "-cp", DIST.resolve("conf") + File.pathSeparator + DIST.resolve("jars") + "/*", mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        env(pb);
        return pb.start();
    }

    /** {@link Dist#childEnv}, with the distribution as {@code SPARK_HOME}: the master, worker and executors need it. */
    private static void env(ProcessBuilder pb) {
        Map<String, String> env = Dist.childEnv(pb.environment());
        env.put("SPARK_HOME", DIST.toString());
        env.put("SPARK_SCALA_VERSION", "2.12"); // without it the worker looks for build directories
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_HOSTNAME", "127.0.0.1");
        env.put("INGOT_JAVA_OPTS", DRIVER_OPTIONS);
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String json(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + masterUi + path).openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            try (var in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            return "";
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check check, String what) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline)) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("timed out waiting for " + what + "; logs in " + tmp);
    }
}
