package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.Tables;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.scoring.SklearnModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code ingot score} measures and keeps in {@code ingot.score_runs}: one row per run with the exact rows, ordered
 * batch-latency percentiles, executor CPU, and a cost only when {@code ingot.yaml} prices a core-hour. Same model and
 * 500 rows as {@link ScoreCommandTest}, in two projects sharing the warehouse: one without a price, one with.
 */
class ScoreRunsTest {
    private static final String INPUT = "cli_score_runs.customers";
    private static final int ROWS = SklearnModels.ROWS;
    private static final double PRICE = 0.5;
    private static SparkSession spark;
    private static Path plain;
    private static Path priced;
    private static String sha256;

    @BeforeAll
    static void projectsModelsAndTable(@TempDir Path dir) throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli_score_runs");
        SklearnModels.data(spark).write().format("delta").mode("overwrite").saveAsTable(INPUT);
        sha256 = OnnxModel.read(SklearnModels.model("logreg")).sha256();
        plain = project(dir.resolve("plain"), "sk_runs", "");
        priced = project(dir.resolve("priced"), "sk_runs_priced",
                "cost:\n  price_per_core_hour: " + PRICE + "\n  currency: EUR\n");
    }

    private static Path project(Path project, String model, String cost) throws IOException {
        TestFiles.write(project, "ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n" + cost);
        Files.createDirectories(project.resolve("onnx"));
        Files.copy(SklearnModels.model("logreg"), project.resolve("onnx/logreg.onnx"));
        TestFiles.write(project, "models/" + model + ".yaml", """
                onnx: onnx/logreg.onnx
                inputs:
                  float_input: [c1, c2, c3]
                keys: [id]
                """);
        Result reg = run("models", "register", "--project", project.toString(), "--model", model);
        assertThat(reg.code()).as(reg.err()).isZero();
        return project;
    }

    private static Row scoreOnce(Path project, String model, String out) {
        Result r = run("score", "--project", project.toString(), "--model", model + "/1", "--input", INPUT, "--out", out,
                "--date", "2026-11-30", "--batch-size", "64");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("inference: ").contains("batches of up to 64 rows").contains("p99")
                .contains("executor CPU");
        List<Row> runs = spark.table(Tables.SCORE_RUNS.sql()).where("output_table = 'scores." + out + "'").collectAsList();
        assertThat(runs).as("one row per scoring run").hasSize(1);
        Row row = runs.get(0);
        assertThat(row.<Long>getAs("rows")).as("every input row was scored").isEqualTo(ROWS);
        assertThat(row.<Long>getAs("rows_quarantined")).isZero();
        assertThat(row.<String>getAs("model_name")).isEqualTo(model);
        assertThat(row.<Long>getAs("model_version")).isEqualTo(1L);
        assertThat(row.<String>getAs("model_sha256")).isEqualTo(sha256);
        assertThat(row.<String>getAs("input_table")).isEqualTo(INPUT);
        assertThat(row.<Long>getAs("input_version")).isEqualTo(Lineage.latestVersion(spark, TableName.parse(INPUT)));
        assertThat(row.<Long>getAs("output_version")).isEqualTo(Lineage.latestVersion(spark, Tables.scores(out)));
        assertThat(row.getAs("score_date").toString()).isEqualTo("2026-11-30");
        assertThat(row.<Long>getAs("batches")).as("500 rows in batches of at most 64").isGreaterThanOrEqualTo(8);
        double p50 = row.getAs("batch_p50_ms");
        double p95 = row.getAs("batch_p95_ms");
        double p99 = row.getAs("batch_p99_ms");
        assertThat(p50).isPositive().isLessThanOrEqualTo(p95);
        assertThat(p95).isLessThanOrEqualTo(p99);
        assertThat(row.<Double>getAs("rows_per_second")).isCloseTo(ROWS / row.<Double>getAs("seconds"), within(1e-6));
        double cpu = row.getAs("executor_cpu_seconds");
        assertThat(cpu).as("the tasks that scored used some CPU").isPositive();
        assertThat(row.<Double>getAs("cpu_seconds_per_million_rows")).isCloseTo(cpu * 1e6 / ROWS, within(1e-9));
        return row;
    }

    @Test
    void aRunKeepsItsRowsLatencyAndCpuAndNoCostWithoutAPrice() {
        Row row = scoreOnce(plain, "sk_runs", "sk_runs");
        assertThat(row.isNullAt(row.fieldIndex("cost_per_million"))).as("no price, no cost").isTrue();
        assertThat(row.isNullAt(row.fieldIndex("cost_currency"))).isTrue();
        assertThat(row.isNullAt(row.fieldIndex("price_per_core_hour"))).isTrue();
    }

    @Test
    void aPricedRunKeepsTheCostPerMillionPredictions() {
        Row row = scoreOnce(priced, "sk_runs_priced", "sk_runs_priced");
        double cpu = row.getAs("executor_cpu_seconds");
        double expected = cpu / 3600 * PRICE * 1_000_000.0 / ROWS;
        assertThat(row.<Double>getAs("cost_per_million")).isCloseTo(expected, within(expected * 1e-12));
        assertThat(row.<String>getAs("cost_currency")).isEqualTo("EUR");
        assertThat(row.<Double>getAs("price_per_core_hour")).isEqualTo(PRICE);
    }

    /**
     * Two dates scored into one new table at the same time (each run on its own thread of the shared session, started
     * together): both succeed, the table holds exactly both dates' rows, and each run's lineage names the commit that
     * carries its own run id. Then one date twice at once: the table ends with one run's rows of that date, no
     * duplicates; a run that lost is a clear failure (exit 3).
     */
    @Test
    void twoDatesScoredAtOnceBothLandAndOneDateTwiceKeepsOneRunsRows() throws Exception {
        String out = "sk_runs_concurrent";
        List<Result> both = scoreTogether(out, "2026-11-28", "2026-11-29");
        assertThat(both).as("both dates scored").allSatisfy(r -> assertThat(r.code()).as(r.err()).isZero());
        TableName table = Tables.scores(out);
        assertThat(spark.table(table.sql()).groupBy("score_date").count().orderBy("score_date").collectAsList()
                .stream().map(r -> r.get(0) + "=" + r.getLong(1)).toList())
                .containsExactly("2026-11-28=" + ROWS, "2026-11-29=" + ROWS);
        List<Row> lineage = spark.table(Tables.LINEAGE.sql()).where("output_table = '" + table + "'")
                .select("run_id", "output_version").collectAsList();
        assertThat(lineage).hasSize(2);
        for (Row l : lineage) {
            String meta = spark.sql("DESCRIBE HISTORY " + table.sql()).where("version = " + l.getLong(1))
                    .select("userMetadata").first().getString(0);
            assertThat(Lineage.parse(meta).orElseThrow().runId()).as("the lineage names the run's own commit")
                    .isEqualTo(l.getString(0));
        }

        List<Result> same = scoreTogether(out, "2026-11-29", "2026-11-29");
        assertThat(same.stream().filter(r -> r.code() == 0).count()).as("at least one of two runs of one date")
                .isGreaterThanOrEqualTo(1);
        same.stream().filter(r -> r.code() != 0).forEach(r -> assertThat(r.code()).as(r.err()).isEqualTo(3));
        same.stream().filter(r -> r.code() != 0).forEach(r -> assertThat(r.err()).contains("at the same time")
                .contains("nothing was committed"));
        assertThat(spark.table(table.sql()).where("score_date = DATE'2026-11-29'").count()).as("no duplicates")
                .isEqualTo(ROWS);
        assertThat(spark.table(table.sql()).where("score_date = DATE'2026-11-29'").select("scored_at").distinct()
                .count()).as("the rows of one run").isEqualTo(1);
    }

    private static List<Result> scoreTogether(String out, String... dates) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(dates.length);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        try {
            List<java.util.concurrent.Future<Result>> runs = new java.util.ArrayList<>();
            for (String d : dates) {
                runs.add(pool.submit(() -> {
                    go.await();
                    return run("score", "--project", plain.toString(), "--model", "sk_runs/1", "--input", INPUT,
                            "--out", out, "--date", d, "--batch-size", "64");
                }));
            }
            go.countDown();
            List<Result> results = new java.util.ArrayList<>();
            for (var f : runs) {
                results.add(f.get(5, java.util.concurrent.TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
