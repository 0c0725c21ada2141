package dev.ingot.validation;

import static dev.ingot.validation.Suites.col;
import static dev.ingot.validation.Suites.containedIn;
import static dev.ingot.validation.Suites.predicate;
import static dev.ingot.validation.Suites.suite;
import static dev.ingot.validation.Suites.warning;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TableName;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityReportTest {
    @TempDir
    Path dir;

    /** Debian's chromium, when installed (.ci/run installs it). */
    static Optional<String> chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (new File(c).canExecute()) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    @Test
    void theReportSaysTheVerdictShowsEveryCheckHistoryAndQuarantinedRowsAndNeedsNoInternet() throws Exception {
        SparkSession spark = TestSpark.session();
        TableName target = new TableName("features", "report_orders");
        CheckSuiteDef orders = suite("report_orders", CheckSuiteDef.Policy.QUARANTINE,
                predicate("amount >= 0", null),
                containedIn("status", "new", "paid"),
                warning(col(Kind.MEAN, "amount", null, 30.0)));
        Dataset<Row> day1 = spark.sql("SELECT concat('o', id) AS order_id, CAST(id * 10 AS DOUBLE) AS amount, 'paid' AS status FROM range(1, 6)");
        Dataset<Row> day2 = spark.sql("SELECT concat('o', id) AS order_id, CAST(IF(id = 3, -1, id * 10) AS DOUBLE) AS amount,"
                + " IF(id = 4, '<lost>', 'new') AS status FROM range(1, 9)");
        try (GateOutcome first = Gate.of(spark).check(day1, List.of(orders), target)) {
            assertThat(first.report()).isEmpty();
        }
        Path report;
        try (GateOutcome second = Gate.of(spark).withReports(dir).check(day2, List.of(orders), target)) {
            assertThat(second.publishable()).isTrue();
            report = second.report().orElseThrow();
        }
        assertThat(report.getParent()).isEqualTo(dir.toAbsolutePath());
        String html = Files.readString(report);
        assertThat(html).contains("<span id=\"verdict\" class=\"verdict warn\">PUBLISHED</span>")
                .contains("1 warning(s), no error")
                .contains("<code>checks/report_orders.yaml</code> checks[2]")
                .contains("mean of amount is")
                .contains("<b>2</b> rows failed row-level checks and went to <code>quality.report_orders__quarantine</code>")
                .contains("&lt;lost&gt;").doesNotContain("<lost>")
                .contains("<th>failed_checks</th>").contains("report_orders#1");
        assertThat(html.split("<svg xmlns").length - 1).as("one chart per metric of a check").isEqualTo(3);
        assertThat(html).as("2 runs charted").contains(">2 runs</text>");
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).as("nothing fetched from anywhere")
                .doesNotContain("http://").doesNotContain("https://").doesNotContain("<script").doesNotContain("<link");

        Optional<String> chromium = chromium();
        Assumptions.assumeTrue(chromium.isPresent(), "chromium is not installed: rendering not checked");
        Path png = screenshot(chromium.get(), report, "1280,1600");
        assertThat(Files.size(png)).isGreaterThan(10_000);
        Process dom = new ProcessBuilder(chromium.get(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--dump-dom", report.toUri().toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String rendered = new String(dom.getInputStream().readAllBytes());
        assertThat(dom.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(rendered).contains("PUBLISHED").contains("id=\"checks\"").contains("<circle");
        String keep = System.getProperty("ingot.report.keep");
        if (keep != null) {
            Files.copy(png, Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void largeMetricValuesGetReadableAxisLabelsThatFitAndFailedValuesShowTheirDigits() throws Exception {
        String svg = QualityReport.chart("Size *", List.of(new double[] {0, 180000.5}, new double[] {1, 200000.25},
                new double[] {2, 1_523_000.75}));
        assertThat(svg).contains(">180k</text>").contains(">1.52M</text>").doesNotContain("e+0");
        int left = Integer.parseInt(svg.replaceAll("(?s).*<line x1=\"(\\d+)\".*", "$1"));
        assertThat(left).as("margin for the longest label, 5 characters").isGreaterThanOrEqualTo(10 + 6 * 5);
        assertThat(svg).contains("this run: 1523000.75");

        Optional<String> chromium = chromium();
        Assumptions.assumeTrue(chromium.isPresent(), "chromium is not installed: rendering not checked");
        Path page = dir.resolve("chart.html");
        Files.writeString(page, "<html><body style=\"margin:0\">" + svg + "</body></html>");
        Path png = screenshot(chromium.get(), page, "340,170");
        String keep = System.getProperty("ingot.chart.keep");
        if (keep != null) {
            Files.copy(png, Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void aFailedChecksValueHasTheDigitsThatShowWhyItFailed() {
        CheckResult failed = new CheckResult("s", "checks/s.yaml", 0, Kind.COMPLETENESS, List.of("amount"),
                CheckSuiteDef.Severity.ERROR, "", CheckStatus.FAILED, "Completeness", OptionalDouble.of(0.999999), 1,
                "completeness of amount is 0.999999, expected >= 1");
        CheckResult passed = new CheckResult("s", "checks/s.yaml", 1, Kind.COMPLETENESS, List.of("status"),
                CheckSuiteDef.Severity.ERROR, "", CheckStatus.PASSED, "Completeness", OptionalDouble.of(2.0 / 3), -1,
                "completeness of status is 0.666667");
        ValidationResult r = new ValidationResult("run-1", Optional.of("features.t"), OptionalLong.of(3), 0L, 1_000_000,
                0, List.of(failed, passed), List.of(), Optional.empty());
        String html = QualityReport.html(r, java.util.Map.of(), List.of(), false);
        assertThat(html).contains("<td>Completeness</td><td>0.999999</td>").doesNotContain("<td>1.000</td>")
                .as("a passed check keeps 4 digits").contains("<td>Completeness</td><td>0.6667</td>");
    }

    /** A PNG of {@code page} as headless Chromium renders it in a window of {@code size} ("width,height"). */
    private Path screenshot(String chromium, Path page, String size) throws Exception {
        Path png = dir.resolve(page.getFileName() + ".png");
        Path log = dir.resolve("chromium.log");
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=" + size, "--screenshot=" + png, page.toUri().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(png).as(Files.readString(log)).exists();
        return png;
    }
}
