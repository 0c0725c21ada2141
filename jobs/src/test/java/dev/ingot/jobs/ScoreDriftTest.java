package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ingot.core.Location;
import dev.ingot.core.Tables;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.ScoreReference;
import dev.ingot.training.TrackingStore;
import dev.ingot.validation.QualityMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Score drift end to end: {@code train} logs the test window's scores binned, {@code score} compares the scores it
 * writes with them (PSI), records it in {@code quality.metrics} and {@code ingot.score_runs}, and writes a report.
 * One logistic regression trained once on 300 orders (test window: the last 10 days, 48 rows).
 */
class ScoreDriftTest {
    private static final String MODEL = "cli_drift_fraud";
    private static final String TABLE = "cli_drift.ts";
    /** The model's own test window: the rows of the last 10 days of labelled event times. */
    private static final String TEST_WINDOW = "cli_drift.test_window";
    /** The same rows with spend_1d shifted up: the model scores a population it was not evaluated on. */
    private static final String SHIFTED = "cli_drift.shifted";
    private static final Pattern PSI = Pattern.compile("score drift \\(PSI vs the test window of " + MODEL
            + " v(\\d+), ([0-9,]+) rows in (\\d+) bins\\): ([0-9.]+), (\\w+) \\(stable < 0.1 <= moderate < 0.25 <= shifted\\)");
    private static SparkSession spark;
    private static TrackingStore store;
    private static Path project;
    private static Path reports;
    private static ModelVersion version;
    private static ScoreReference reference;

    @BeforeAll
    static void trainOnce(@TempDir Path dir) throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli_drift");
        TrainProjects.ordersWithVisits(TABLE, 300);
        spark.sql("SELECT * FROM " + TABLE + " WHERE ts > (SELECT max(ts) FROM " + TABLE
                + " WHERE label IS NOT NULL) - INTERVAL 10 DAYS").write().format("delta").mode("overwrite").saveAsTable(TEST_WINDOW);
        spark.sql("SELECT order_id, customer_id, ts, spend_1d + 60 AS spend_1d, visits_7d, label FROM " + TEST_WINDOW)
                .write().format("delta").mode("overwrite").saveAsTable(SHIFTED);
        project = dir.resolve("shop");
        reports = dir.resolve("reports");
        TestFiles.write(project, "ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n");
        TestFiles.write(project, "sources/orders.yaml", "table: " + TABLE + "\nevent_time: ts\n");
        TestFiles.write(project, "feature_views/cli_drift_spend.yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: spend_1d, windows: [1d]}
                  - {name: visits, function: count, windows: [7d]}
                """);
        TestFiles.write(project, "models/" + MODEL + ".yaml", """
                spine: cli_drift.ts
                timestamp: ts
                label: label
                features: [cli_drift_spend]
                algorithm:
                  type: logistic_regression
                  params: {maxIter: 20}
                test_window: 10d
                """);
        store = TrackingStore.open(TrackingSettings.local(), spark, Location.of(TestSpark.warehouse()));
        Result t = run("train", "--project", project.toString(), "--model", MODEL, "--training-set", TABLE);
        assertThat(t.code()).as(t.out() + t.err()).isZero();
        version = store.versionByAlias(MODEL, "challenger").orElseThrow();
        reference = ScoreReference.parse(new String(store.downloadArtifact(version.runId(), "drift/score_reference.json"),
                StandardCharsets.UTF_8), "the test");
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static Result score(String input, String out, String date) {
        return run("score", "--project", project.toString(), "--model", MODEL + "@challenger", "--input", input,
                "--out", out, "--keys", "order_id", "--date", date, "--nulls", "impute", "--reports", reports.toString());
    }

    /** The PSI printed, after checking the line names the version, the rows and the bins. */
    private static double printedPsi(Result r, long rows) {
        Matcher m = PSI.matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(version.version());
        assertThat(Long.parseLong(m.group(2).replace(",", ""))).isEqualTo(rows);
        assertThat(Integer.parseInt(m.group(3))).isEqualTo(reference.bins());
        return Double.parseDouble(m.group(4));
    }

    @Test
    void trainLogsTheTestWindowsScoresBinnedAndTagsTheVersionWithIt() {
        long testRows = spark.table(TEST_WINDOW).count();
        assertThat(version.tags()).containsEntry("ingot.score_reference", "drift/score_reference.json");
        assertThat(store.run(version.runId()).tags()).containsEntry("ingot.score_reference", "drift/score_reference.json");
        assertThat(reference.score()).isEqualTo(ScoreReference.PROBABILITY);
        assertThat(reference.rows()).as("every test row, once").isEqualTo(testRows);
        assertThat(reference.bins()).as("a logistic regression's scores are nearly all distinct: ten deciles")
                .isEqualTo(ScoreReference.BINS);
        for (double f : reference.fractions()) {
            // Three orders with a null spend_1d and the same visits tie, so a bin may take up to two rows more.
            assertThat(f).as("about a tenth of %d rows", testRows).isBetween(2.0 / testRows, 8.0 / testRows);
        }
    }

    @Test
    void scoringTheTestWindowAgainIsStableAndIsRecordedReportedAndKeptPerRun() throws IOException {
        String out = "cli_drift_same";
        long rows = spark.table(TEST_WINDOW).count();
        Result s = score(TEST_WINDOW, out, "2026-11-30");
        assertThat(s.code()).as(s.out() + s.err()).isZero();
        double psi = printedPsi(s, rows);
        // The same rows through ONNX Runtime as through Spark: the probabilities agree to 1e-9 and every bin edge lies
        // halfway between two distinct test scores, so each row lands in its reference bin and the PSI is 0. Only a
        // score within rounding of an edge could move, which would leave it well below 0.02.
        assertThat(psi).as(s.out()).isLessThan(0.02).isZero();
        assertThat(s.out()).contains(", stable (");

        List<QualityMetrics.Entry> psis = QualityMetrics.read(spark, Tables.scores(out).toString(), "score_psi");
        assertThat(psis).hasSize(1);
        QualityMetrics.Entry e = psis.get(0);
        assertThat(e.instance()).isEqualTo(MODEL + "/" + version.version());
        assertThat(e.entity()).isEqualTo("Model");
        assertThat(e.value()).as("printed to 3 decimals").isCloseTo(psi, within(0.0005));
        assertThat(e.tags()).containsEntry("score_date", "2026-11-30").containsEntry("rows", Long.toString(rows))
                .containsEntry("reference", "runs:/" + version.runId() + "/drift/score_reference.json");
        List<QualityMetrics.Entry> bins = QualityMetrics.read(spark, Tables.scores(out).toString(), "score_bin_fraction");
        assertThat(bins).hasSize(reference.bins());
        double[] expected = reference.fractions();
        for (QualityMetrics.Entry b : bins) {
            int bin = Integer.parseInt(b.tags().get("bin"));
            assertThat(b.value()).as("bin %d: the test window's own share", bin).isCloseTo(expected[bin], within(1e-12));
            assertThat(b.tags()).containsEntry("bin_range", reference.label(bin));
        }
        Row run = spark.table(Tables.SCORE_RUNS.sql()).where("output_table = 'scores." + out + "'").select("score_psi")
                .first();
        assertThat(run.getDouble(0)).isCloseTo(psi, within(0.0005));

        Matcher at = Pattern.compile("drift report: (\\S+\\.html)").matcher(s.out());
        assertThat(at.find()).as(s.out()).isTrue();
        Path report = Path.of(at.group(1));
        assertThat(report).exists().startsWith(reports);
        String html = Files.readString(report);
        assertThat(html).contains("id=\"bins\"").contains("<svg").contains("id=\"history\"")
                .contains("PSI of " + MODEL + " v" + version.version()).contains(reference.label(0))
                .contains("id=\"psi\">" + String.format(java.util.Locale.ROOT, "%.4f", e.value()));

        // A re-run of the date replaces its rows in quality.metrics, as it replaces the scores.
        Result again = score(TEST_WINDOW, out, "2026-11-30");
        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(QualityMetrics.read(spark, Tables.scores(out).toString(), "score_psi")).hasSize(1);
        assertThat(QualityMetrics.read(spark, Tables.scores(out).toString(), "score_bin_fraction")).hasSize(reference.bins());
    }

    @Test
    void shiftedInputsGiveALargePsiAndTheReportChartsBothDates() throws IOException {
        String out = "cli_drift_shift";
        long rows = spark.table(SHIFTED).count();
        Result same = score(TEST_WINDOW, out, "2026-11-29");
        assertThat(same.code()).as(same.out() + same.err()).isZero();
        Result s = score(SHIFTED, out, "2026-11-30");
        assertThat(s.code()).as(s.out() + s.err()).isZero();
        double psi = printedPsi(s, rows);
        // spend_1d + 60 pushes most orders into the top deciles of the reference.
        assertThat(psi).as(s.out()).isGreaterThan(0.25);
        assertThat(s.out()).contains(", shifted (");
        List<QualityMetrics.Entry> psis = QualityMetrics.read(spark, Tables.scores(out).toString(), "score_psi");
        assertThat(psis).extracting(x -> x.tags().get("score_date")).containsExactly("2026-11-29", "2026-11-30");
        assertThat(psis.get(1).value()).isCloseTo(psi, within(0.0005));
        Matcher at = Pattern.compile("drift report: (\\S+\\.html)").matcher(s.out());
        assertThat(at.find()).isTrue();
        String html = Files.readString(Path.of(at.group(1)));
        assertThat(html).contains("2 scoring dates").contains("2026-11-29 to 2026-11-30").contains("SHIFTED");
    }

    @Test
    void aModelScoredFromAFileHasNoReferenceAndRecordsNothing(@TempDir Path dir) throws IOException {
        String out = "cli_drift_file";
        Path file = dir.resolve("fraud.onnx");
        Files.write(file, store.downloadArtifact(version.runId(), "onnx/model.onnx"));
        Result s = run("score", "--project", project.toString(), "--model", file.toString(), "--input", TEST_WINDOW,
                "--out", out, "--keys", "order_id", "--date", "2026-11-30", "--nulls", "impute", "--reports",
                reports.toString());
        assertThat(s.code()).as(s.out() + s.err()).isZero();
        assertThat(s.out()).contains("score drift: no reference distribution for fraud").contains("nothing recorded")
                .doesNotContain("drift report:");
        assertThat(QualityMetrics.read(spark, Tables.scores(out).toString(), "score_psi")).isEmpty();
        assertThat(QualityMetrics.read(spark, Tables.scores(out).toString(), "score_bin_fraction")).isEmpty();
        Row run = spark.table(Tables.SCORE_RUNS.sql()).where("output_table = 'scores." + out + "'").select("score_psi").first();
        assertThat(run.isNullAt(0)).isTrue();
    }
}
