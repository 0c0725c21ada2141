package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gpu-report against the real Spark RAPIDS jar, run as bin/ingot runs it: SparkSubmit in a child JVM with the jar in
 * {@code --jars} (RAPIDS' class loading needs Spark's mutable class loader), on a small project with an aggregated
 * and a row-level feature view over a CSV source, plus a query with a Java UDF. The shares must match RAPIDS' own
 * text, counted here independently of the parser. The RAPIDS jar comes from the local Maven repository
 * (bin/rapids-jar --fetch; .ci/run does it).
 */
class GpuReportTest {
    @TempDir
    static Path tmp;
    static JsonNode report;
    static JsonNode udf;
    static String err;

    @BeforeAll
    static void runGpuReport() throws Exception {
        Path rapids = Path.of(System.getProperty("user.home"), ".m2/repository/com/nvidia/rapids-4-spark_2.12/25.04.0",
                "rapids-4-spark_2.12-25.04.0.jar");
        assertThat(rapids).as("the RAPIDS jar: run bin/rapids-jar --fetch").exists();
        Path project = project(tmp.resolve("project"));
        Files.createDirectories(project.resolve("onnx"));
        Files.copy(dev.ingot.scoring.SklearnModels.model("logreg"), project.resolve("onnx/logreg.onnx"));
        Files.createDirectories(project.resolve("models"));
        Files.writeString(project.resolve("models/sk.yaml"), """
                onnx: onnx/logreg.onnx
                inputs:
                  float_input: [c1, c2, c3]
                keys: [id]
                """);
        Path empty = tmp.resolve("empty.jar");
        new JarOutputStream(Files.newOutputStream(empty)).close();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The client compiler only, as for every child of the tests (Dist.CHILD_JVM_OPTIONS): a minute of planning.
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dspark.ui.enabled=false"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens")).forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[1]", "--jars", rapids.toString(),
                "--class", GpuReportProbe.class.getName(), empty.toString(),
                tmp.resolve("report.json").toString(), tmp.resolve("udf.json").toString(),
                "gpu-report", "--project", project.toString(), "--warehouse", tmp.resolve("warehouse").toString(),
                "--format", "json"));
        Process p = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir")))
                .redirectOutput(tmp.resolve("stdout.txt").toFile()).redirectError(tmp.resolve("stderr.txt").toFile()).start();
        boolean ended = p.waitFor(240, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        err = Files.readString(tmp.resolve("stderr.txt"), StandardCharsets.UTF_8);
        assertThat(ended).as("gpu-report ended").isTrue();
        assertThat(p.exitValue()).as(err).isEqualTo(0);
        ObjectMapper json = new ObjectMapper();
        // Kept for reading after the run (docs/gpu.md quotes what RAPIDS says of each job).
        Files.copy(tmp.resolve("report.json"), Path.of("target", "gpu-report-test.json"),
                StandardCopyOption.REPLACE_EXISTING);
        report = json.readTree(tmp.resolve("report.json").toFile());
        udf = json.readTree(tmp.resolve("udf.json").toFile());
    }

    private static Path project(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("sources"));
        Files.createDirectories(dir.resolve("feature_views"));
        Files.createDirectories(dir.resolve("data/orders"));
        Files.writeString(dir.resolve("ingot.yaml"), "name: gpu_probe\n");
        Files.writeString(dir.resolve("data/orders/part-0.csv"), """
                customer_id,amount,ts,qty
                c1,10.5,2026-01-01T10:00:00Z,1
                c2,200.0,2026-01-01T11:00:00Z,3
                c1,3.25,2026-01-02T09:30:00Z,2
                """);
        Files.writeString(dir.resolve("sources/orders.yaml"), """
                path: data/orders
                format: csv
                options:
                  header: true
                schema:
                  customer_id: string
                  amount: double
                  ts: timestamp
                  qty: bigint
                event_time: ts
                """);
        Files.writeString(dir.resolve("feature_views/customer_orders.yaml"), """
                source: orders
                entities: [customer_id]
                aggregations:
                  - name: order_count
                    function: count
                    windows: [1d, 7d]
                  - name: amount_sum
                    function: sum
                    column: amount
                    windows: [7d]
                  - {name: amount_avg, function: avg, column: amount, windows: [7d]}
                  - {name: amount_min, function: min, column: amount, windows: [7d]}
                  - {name: amount_max, function: max, column: amount, windows: [7d]}
                  - {name: amount_sd, function: stddev, column: amount, windows: [7d]}
                  - {name: customers, function: approx_count_distinct, column: customer_id, windows: [1d, 7d]}
                  - {name: last_amount, function: last, column: amount, windows: [7d]}
                  - {name: qty_sum, function: sum, column: qty, windows: [7d]}
                cadence: 1d
                ttl: 7d
                """);
        Files.writeString(dir.resolve("feature_views/order_flags.yaml"), """
                source: orders
                entities: [customer_id]
                transformations:
                  - name: is_big
                    expr: "CASE WHEN amount > 100 THEN 1.0 ELSE 0.0 END"
                """);
        Files.createDirectories(dir.resolve("checks"));
        // Checks of each kind of Deequ query: the shared aggregation scan, a grouping analyzer (uniqueness).
        Files.writeString(dir.resolve("checks/orders.yaml"), """
                table: raw.orders
                checks:
                  - kind: size
                    min: 1
                  - kind: completeness
                    column: customer_id
                    min: 1.0
                  - kind: range
                    column: amount
                    min: 0
                    max: 10000
                  - kind: uniqueness
                    columns: [order_id]
                    min: 1.0
                """);
        return dir;
    }

    @Test
    void everyJobsShareIsWhatRapidsSaidOfItsPlan() {
        List<String> jobs = new ArrayList<>();
        for (JsonNode j : report.get("jobs")) {
            jobs.add(j.get("job").asText());
            String text = j.get("rapids_explain").asText();
            // Counted from RAPIDS' text directly: operator lines are "<mark>Exec <Name> ...", or "! <NameExec> ..."
            // for an operator RAPIDS does not know; on the GPU: "*Exec <Name> will run on GPU[. a note]". ONNX
            // inference is not RAPIDS' work: its operators are listed apart and not counted.
            java.util.function.Predicate<String> sql = l -> l.trim().matches("^([*!@#$]Exec <.*|! <\\w+Exec> .*)")
                    && GpuPlans.INFERENCE.stream().noneMatch(i -> l.contains("<" + i + ">"));
            long ops = text.lines().filter(sql).count();
            long on = text.lines().filter(l -> sql.test(l) && l.trim().matches("^\\*Exec <\\w+> will run on GPU(\\. .*)?$"))
                    .count();
            assertThat(j.get("operators").asLong()).as(j.get("job").asText() + "\n" + text).isEqualTo(ops).isPositive();
            assertThat(j.get("on_gpu").asLong()).as(j.get("job").asText()).isEqualTo(on);
            assertThat(j.get("share").asDouble()).isEqualTo((double) on / ops);
            assertThat(j.get("not_on_gpu")).as("every operator off the GPU is listed with its reason").hasSize((int) (ops - on));
            j.get("not_on_gpu").forEach(o -> assertThat(o.get("reason").asText()).isNotBlank());
        }
        assertThat(jobs).containsExactly("features materialize --view customer_orders", "features materialize --view order_flags",
                "validate --table raw.orders --suite orders", "score --model sk/1 --input ml.sk_scoring_input");
    }

    /** The report's job whose command starts with {@code command}. */
    private static JsonNode job(String command) {
        for (JsonNode j : report.get("jobs")) {
            if (j.get("job").asText().startsWith(command)) {
                return j;
            }
        }
        throw new AssertionError("no job " + command + " in " + report.toPrettyString());
    }

    @Test
    void theQualityMetricsJobIsDeequsQueriesOverTheWholeTable() {
        JsonNode validate = job("validate");
        String text = validate.get("rapids_explain").asText();
        List<String> queries = text.lines().filter(l -> l.startsWith("-- query ")).toList();
        // One aggregation scan for size, completeness and range; one grouping query for uniqueness.
        assertThat(queries).as(text).hasSizeGreaterThanOrEqualTo(2);
        assertThat(queries.get(0)).endsWith(" of " + queries.size());
        assertThat(text).as("the sample's LIMIT is replaced by the table").doesNotContain("LimitExec")
                .contains("FileSourceScanExec");
        assertThat(text).as("the grouping query of uniqueness").contains("HashAggregateExec");
    }

    @Test
    void theScoringJobIsItsInputQueryAndOutputWithInferenceApart() {
        JsonNode score = job("score");
        String text = score.get("rapids_explain").asText();
        assertThat(text.lines().filter(l -> l.startsWith("-- query ")).toList()).as("the null checks, the rows written")
                .containsExactly("-- query 1 of 2", "-- query 2 of 2");
        List<String> inference = new ArrayList<>();
        score.get("inference").forEach(o -> inference.add(o.asText()));
        assertThat(inference).as(text).contains("MapPartitionsExec");
        assertThat(GpuPlans.INFERENCE).containsAll(inference);
        assertThat(score.get("inference_note").asText()).contains("not a RAPIDS operator").contains("CUDA provider");
        score.get("not_on_gpu").forEach(o -> assertThat(GpuPlans.INFERENCE).doesNotContain(o.get("operator").asText()));
        assertThat(report.get("not_covered").toString()).doesNotContain("score --model sk");
    }

    @Test
    void everyOperatorOfTheFeatureQueriesRunsOnTheGpu() {
        // Every aggregate function's tiles and windows (distinct counts as sets, tile starts as CAST(ts AS BIGINT)),
        // over a CSV source read as text and cast in the query, each value checked (raise_error), a bigint column
        // too: nothing stays on the CPU. (A Delta source's scan does, with RAPIDS 25.04: docs/gpu.md.)
        for (JsonNode j : report.get("jobs")) {
            if (!j.get("job").asText().startsWith("features materialize")) {
                continue;
            }
            assertThat(j.get("not_on_gpu")).as(j.get("job").asText() + "\n" + j.get("rapids_explain").asText()).isEmpty();
            assertThat(j.get("share").asDouble()).isEqualTo(1.0);
        }
    }

    @Test
    void aJavaUdfKeepsItsOperatorOffTheGpuWithRapidsReason() {
        JsonNode j = udf.get("jobs").get(0);
        assertThat(j.get("on_gpu").asLong()).isLessThan(j.get("operators").asLong());
        JsonNode project = null;
        for (JsonNode o : j.get("not_on_gpu")) {
            if (o.get("operator").asText().equals("ProjectExec")) {
                project = o;
            }
        }
        assertThat(project).as(j.toPrettyString()).isNotNull();
        assertThat(project.get("reason").asText()).isEqualTo("not all expressions can be replaced");
        assertThat(project.get("causes").get(0).asText()).startsWith("ScalaUDF: neither risk_score implemented by class")
                .contains("provides a GPU implementation");
    }
}
