package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task failures: every job (the source data written with {@code sql}, {@code validate} of a quarantine suite,
 * {@code features materialize} through a quarantine gate, {@code training-set}, {@code train} into the local
 * registry, {@code score}) runs twice, each time in a fresh JVM on its own warehouse with master {@code local[2,4]}
 * (4 attempts per task): once clean, once with {@link FirstAttemptFailures} failing the first attempt of every task.
 * The injection is counted ({@link FirstAttemptFailures.Counter}), so the test cannot pass without it firing, and
 * every Delta table of the two warehouses holds the same rows, but for the columns that record a run's identity or
 * wall-clock time ({@link #VOLATILE}).
 */
class TaskRetryIT {
    /**
     * Columns that legitimately differ between two runs of the same commands: run ids, wall-clock times and durations,
     * and what is derived from them. Every other column of every table is compared.
     */
    static final Pattern VOLATILE = Pattern.compile("run_id|.*_run_id|lineage_run_ids|.*_at|time|timestamp|start_time|end_time"
            + "|dataset_date|experiment_id|.*seconds.*|.*_ms|.*_ms_.*|rows_per_second|.*cpu.*|cost_.*");

    /**
     * Values inside the other columns that legitimately differ, replaced before the comparison: the run's folder (each
     * run has its own), run and experiment ids (UUIDs, 32 hex digits), Deequ's result key (the run's time), the CPU
     * time a run measured, and the SHA-256 of the ONNX model, which records its run id in its metadata (the models'
     * graphs are compared without metadata by {@link #theModelsGraphsAreTheSame}).
     */
    static final List<Map.Entry<Pattern, String>> VOLATILE_VALUES = List.of(
            Map.entry(Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
            Map.entry(Pattern.compile("(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])"), "<id>"),
            Map.entry(Pattern.compile("\\\\\"dataSetDate\\\\\": \\d+"), "dataSetDate <time>"),
            Map.entry(Pattern.compile("(\"ingot\\.cost\\.[a-z_]+\",\"value\":)\"[^\"]*\""), "$1<measured>"));

    @TempDir
    static Path tmp;
    private static Run clean;
    private static Run injected;

    /** One child's warehouse, output and the counts its listener printed. */
    record Run(Path warehouse, String out, long injected, long otherFailures, long succeeded, long retries) {}

    @BeforeAll
    static void runBothWays() throws Exception {
        // Opt-in: two child JVMs over every job take 5 to 10 minutes here, more than the default suite's 40 minutes
        // leave (the executor-loss case of StandaloneClusterIT stays in it).
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("ingot.taskretry"),
                "opt-in: -Dingot.taskretry=true");
        // Side by side: each child mostly waits on its driver thread, so two share the 2 cores well.
        Child a = start("clean", false);
        Child b = start("injected", true);
        clean = a.finish();
        injected = b.finish();
    }

    @Test
    void theInjectionFiredAndEveryTaskSucceededOnItsRetry() {
        assertThat(clean.injected()).as("no injection in the clean run:\n" + clean.out()).isZero();
        assertThat(clean.otherFailures()).as("no failed task in the clean run").isZero();
        assertThat(injected.injected()).as("first attempts failed by the plugin:\n" + injected.out())
                .isGreaterThan(50);
        assertThat(injected.otherFailures()).as("no failure but the injected ones").isZero();
        assertThat(injected.retries()).as("each injected failure was followed by a successful retry")
                .isEqualTo(injected.injected());
    }

    @Test
    void everyTableHoldsTheSameRowsAsAfterTheCleanRun() throws Exception {
        SparkSession spark = TestSpark.session();
        Map<String, Path> a = deltaTables(clean.warehouse());
        Map<String, Path> b = deltaTables(injected.warehouse());
        assertThat(b.keySet()).as("the same tables").isEqualTo(a.keySet());
        assertThat(a.keySet()).as("every job wrote its tables").contains("raw.db/orders", "features.db/retry_spend_v1",
                "quality.db/metrics", "quality.db/results", "ml.db/retry_ts", "scores.db/retry");
        assertThat(a.keySet().stream().filter(t -> t.contains("quarantine")).toList()).as("a quarantine table")
                .isNotEmpty();
        List<String> differences = new ArrayList<>();
        Map<String, List<String>> compared = new TreeMap<>();
        for (String t : a.keySet()) {
            Dataset<Row> x = spark.read().format("delta").load(a.get(t).toString());
            Dataset<Row> y = spark.read().format("delta").load(b.get(t).toString());
            List<String> kept = Arrays.stream(x.columns()).filter(c -> !VOLATILE.matcher(c).matches()).toList();
            compared.put(t, kept);
            List<String> rx = normalized(rows(x, kept), clean);
            List<String> ry = normalized(rows(y, kept), injected);
            assertThat(rx).as("%s has rows", t).isNotEmpty();
            if (!rx.equals(ry)) {
                Set<String> onlyX = new TreeSet<>(rx);
                onlyX.removeAll(ry);
                Set<String> onlyY = new TreeSet<>(ry);
                onlyY.removeAll(rx);
                differences.add(t + ": " + rx.size() + " rows clean, " + ry.size() + " with failures; only clean: "
                        + head(onlyX) + "; only with failures: " + head(onlyY));
            }
        }
        System.out.println("TaskRetryIT compared (table: columns): " + compared);
        assertThat(differences).as("tables that differ").isEmpty();
    }

    /** The rows with {@link #VOLATILE_VALUES} and the run's folder and model digest replaced by placeholders. */
    private static List<String> normalized(List<String> rows, Run run) {
        String sha = TestSpark.session().read().format("delta").load(run.warehouse().resolve("ingot.db/score_runs")
                .toString()).first().getAs("model_sha256");
        String dir = run.warehouse().getParent().toString();
        return rows.stream().map(r -> {
            String s = r.replace(dir, "<dir>").replace(sha, "<model sha256>");
            for (Map.Entry<Pattern, String> v : VOLATILE_VALUES) {
                s = v.getKey().matcher(s).replaceAll(v.getValue());
            }
            return s;
        }).sorted().toList();
    }

    /**
     * The ONNX models the two runs registered differ only in their metadata (run id): the graphs, trees and weights
     * included, are the same bytes.
     */
    @Test
    void theModelsGraphsAreTheSame() throws Exception {
        List<String> a = graph(clean.warehouse());
        List<String> b = graph(injected.warehouse());
        assertThat(a.size()).as("a model was found").isGreaterThan(10);
        int first = 0;
        while (first < Math.min(a.size(), b.size()) && a.get(first).equals(b.get(first))) {
            first++;
        }
        assertThat(b).as("the graph of the model trained with failures; first difference at line %d: %s / %s", first,
                first < a.size() ? a.get(first) : "(end)", first < b.size() ? b.get(first) : "(end)").isEqualTo(a);
    }

    /** The model's graph in protobuf's text format, without its name and doc string, line by line. */
    private static List<String> graph(Path warehouse) throws IOException {
        Path onnx;
        try (Stream<Path> s = Files.walk(warehouse.resolve("_artifacts"))) {
            onnx = s.filter(f -> f.getFileName().toString().endsWith(".onnx")).findFirst().orElseThrow();
        }
        return List.of(ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(onnx)).getGraph().toBuilder()
                .clearName().clearDocString().build().toString().split("\n"));
    }

    private static String head(Set<String> rows) {
        return rows.stream().limit(3).toList().toString();
    }

    /** Every row as JSON of the kept columns, sorted: a multiset compared exactly. */
    private static List<String> rows(Dataset<Row> d, List<String> columns) {
        return d.selectExpr("to_json(struct(" + String.join(", ", columns.stream().map(c -> "`" + c + "`").toList())
                + ")) AS j").collectAsList().stream().map(r -> r.getString(0)).sorted().toList();
    }

    /** Delta tables under a warehouse, by their path relative to it. */
    private static Map<String, Path> deltaTables(Path warehouse) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(warehouse)) {
            s.filter(p -> p.getFileName().toString().equals("_delta_log")).map(Path::getParent)
                    .forEach(p -> out.put(warehouse.relativize(p).toString(), p));
        }
        return out;
    }

    /** The project and the commands, written for one warehouse. */
    private static Path commands(Path dir, Path warehouse) {
        Path p = dir.resolve("project");
        TestFiles.write(p, "ingot.yaml", "name: retry\nwarehouse: " + warehouse + "\n");
        TestFiles.write(p, "sources/orders.yaml", "table: raw.orders\nevent_time: ts\n");
        // Every 40th order is a refund of -300: the day's spend of its customer goes negative, which the quarantine
        // suite of the feature view moves to quality.features__retry_spend_v1__quarantine (or the like).
        TestFiles.write(p, "data.sql", """
                CREATE DATABASE IF NOT EXISTS raw;
                CREATE TABLE raw.orders USING delta AS
                  SELECT id AS order_id, CAST(pmod(hash(id, 7), 40) AS BIGINT) AS customer_id,
                         timestamp_seconds(1767225600 + id * 1100 + pmod(hash(id, 8), 600)) AS ts,
                         CASE WHEN id % 40 = 0 THEN -300.0 ELSE CAST(pmod(hash(id, 9), 9000) AS DOUBLE) / 100 END AS amount,
                         CASE WHEN id % 97 = 0 THEN NULL ELSE element_at(array('web', 'shop', 'app'),
                              CAST(pmod(hash(id, 10), 3) AS INT) + 1) END AS channel
                  FROM range(1100);
                CREATE TABLE raw.labels USING delta AS
                  SELECT c AS customer_id, timestamp_seconds(1767225600 + d * 86400 + 43200) AS ts,
                         CAST(pmod(hash(c, d, 11), 100) < 35 + c AS INT) AS label
                  FROM range(40) AS cs(c) CROSS JOIN range(2, 15) AS ds(d);
                """);
        TestFiles.write(p, "checks/orders.yaml", """
                table: raw.orders
                policy: quarantine
                checks:
                  - kind: completeness
                    column: channel
                    severity: warning
                  - kind: min
                    column: amount
                    min: 0
                    severity: warning
                  - kind: uniqueness
                    columns: [order_id]
                  - kind: mean
                    column: amount
                    min: 0
                """);
        TestFiles.write(p, "feature_views/retry_spend.yaml", """
                source: orders
                entities: [customer_id]
                transformations:
                  - {name: is_web, expr: "CASE WHEN channel = 'web' THEN 1.0 ELSE 0.0 END"}
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d, 7d]}
                  - {name: orders, function: count, windows: [1d, 7d]}
                  - {name: amount_avg, function: avg, column: amount, windows: [7d]}
                  - {name: amount_max, function: max, column: amount, windows: [7d]}
                  - {name: amount_stddev, function: stddev, column: amount, windows: [7d]}
                  - {name: channels, function: approx_count_distinct, column: channel, windows: [7d]}
                  - {name: web_share, function: avg, column: is_web, windows: [7d]}
                cadence: 1d
                checks: [retry_spend]
                """);
        TestFiles.write(p, "checks/retry_spend.yaml", """
                policy: quarantine
                checks:
                  - kind: min
                    column: spend_1d
                    min: 0
                  - kind: completeness
                    column: customer_id
                """);
        TestFiles.write(p, "models/retry.yaml", """
                spine: raw.labels
                timestamp: ts
                label: label
                features: [retry_spend]
                algorithm:
                  type: gbt_classifier
                  params: {maxIter: 8, maxDepth: 3, subsamplingRate: 0.7}
                test_window: 4d
                """);
        String proj = p.toString();
        List<List<String>> cmds = List.of(
                List.of("sql", "--project", proj, "--allow-writes", "-f", p.resolve("data.sql").toString()),
                List.of("validate", "--project", proj, "--table", "raw.orders", "--suite", "orders"),
                List.of("features", "materialize", "--project", proj, "--from", "2026-01-01", "--to", "2026-01-16"),
                List.of("training-set", "--project", proj, "--spine", "raw.labels", "--features", "retry_spend",
                        "--out", "ml.retry_ts"),
                List.of("train", "--project", proj, "--model", "retry", "--training-set", "ml.retry_ts"),
                List.of("score", "--project", proj, "--model", "retry/1", "--input", "ml.retry_ts", "--out", "retry",
                        "--date", "2026-01-15", "--keys", "customer_id,ts", "--nulls", "quarantine"));
        Path file = dir.resolve("commands.tsv");
        TestFiles.write(dir, "commands.tsv", String.join("\n", cmds.stream().map(c -> String.join("\t", c)).toList()));
        return file;
    }

    private static final Pattern COUNTS = Pattern.compile(
            "injected=(\\d+) other_failures=(\\d+) succeeded=(\\d+) succeeded_retries=(\\d+)");

    /** A started child: its name, folder, process and warehouse. */
    private record Child(String name, Path dir, Process process, Path warehouse) {
        Run finish() throws Exception {
            boolean ended = process.waitFor(10, TimeUnit.MINUTES);
            if (!ended) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            String printed = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
            String all = printed + "\n" + tail(Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
            assertThat(ended).as(name + " ended in time:\n" + all).isTrue();
            assertThat(process.exitValue()).as(name + ": every command succeeded:\n" + all).isZero();
            Matcher m = COUNTS.matcher(printed);
            assertThat(m.find()).as(name + " printed its counts:\n" + all).isTrue();
            return new Run(warehouse, printed, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)), Long.parseLong(m.group(4)));
        }
    }

    /** Starts the commands in a fresh JVM on a warehouse of their own, with or without the injection. */
    private static Child start(String name, boolean inject) throws IOException {
        Path dir = tmp.resolve(name);
        Path warehouse = dir.resolve("warehouse");
        Path commands = commands(dir, warehouse);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:+UseParallelGC",
                "-Dspark.master=local[2,4]", "-Dspark.ui.enabled=false", "-Dspark.sql.shuffle.partitions=4",
                "-Dspark.default.parallelism=4", "-Dspark.extraListeners=" + FirstAttemptFailures.Counter.class.getName()));
        if (inject) {
            cmd.add("-Dspark.plugins=" + FirstAttemptFailures.class.getName());
        }
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens"))
                .forEach(cmd::add);
        cmd.addAll(List.of("-cp", classPath, CommandsInOneJvm.class.getName(), commands.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return new Child(name, dir, pb.start(), warehouse);
    }

    private static String tail(String s) {
        return s.length() <= 20_000 ? s : "..." + s.substring(s.length() - 20_000);
    }
}
