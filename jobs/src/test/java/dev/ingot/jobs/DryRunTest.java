package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.jobs.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --dry-run} over every command of {@code IngotMain}, on the example project with a warehouse that does not
 * exist: a valid line exits 0 and says it would run, a typical mistake exits 2 with the usual message, and nothing is
 * written (the warehouse folder is never created, no metrics file appears). No Spark starts in this class.
 */
class DryRunTest {
    private static final Path RETAIL = Path.of("..", "examples", "retail").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private Path warehouse() {
        return dir.resolve("warehouse");
    }

    /** The line with the project and warehouse options after the command's words, and --dry-run last. */
    private Result dry(List<String> command, String... options) {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of("--project", RETAIL.toString(), "--warehouse", warehouse().toString()));
        args.addAll(List.of(options));
        args.add("--dry-run");
        return run(args.toArray(String[]::new));
    }

    /** Every command line a scheduler would run, one per command; each must pass. */
    private List<Result> validLines() {
        String from = "--from";
        return List.of(
                dry(List.of("features", "materialize"), from, "2026-01-01", "--to", "2026-01-02"),
                dry(List.of("features", "materialize"), "--view", "customer_spend", from, "2026-01-01T00:00:00Z",
                        "--to", "2026-01-02", "--chunk", "24"),
                dry(List.of("features", "history"), "--view", "customer_spend"),
                dry(List.of("training-set"), "--spine", "ml.fraud_spine", "--features", "customer_spend",
                        "merchant_risk", "--out", "ml.fraud_ts"),
                dry(List.of("validate"), "--table", "raw.transactions"),
                dry(List.of("validate"), "--table", "customer_spend", "--suite", "customer_spend"),
                dry(List.of("models", "list")),
                dry(List.of("models", "show"), "fraud@champion"),
                dry(List.of("models", "compare"), "--scores", "fraud", "--date", "2026-01-02"),
                dry(List.of("models", "promote"), "--model", "fraud", "--version", "2"),
                dry(List.of("models", "rollback"), "--model", "fraud"),
                dry(List.of("train"), "--model", "fraud"),
                dry(List.of("score"), "--model", "fraud@champion", "--input", "raw.transactions", "--out", "fraud",
                        "--date", "2026-01-02"),
                dry(List.of("gpu-report")),
                dry(List.of("plan")),
                dry(List.of("sql"), "--format", "csv", "SELECT * FROM features.customer_spend_v1"),
                dry(List.of("sql-server"), "--port", String.valueOf(freePort())),
                dry(List.of("spark-conf"), "--format", "json"),
                run("airflow", "trigger", "ingot_daily", "--project", airflowProject().toString(), "--conf",
                        "{\"from\": \"2026-01-01\"}", "--logical-date", "2026-01-02", "--wait", "--timeout", "30m",
                        "--dry-run"),
                run("airflow", "status", "ingot_daily", "--project", airflowProject().toString(), "--dry-run"));
    }

    /** A port nothing listens on: the SQL server's dry run checks that it could listen there. */
    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A project naming an Airflow that does not exist: a dry run never calls it. */
    private Path airflowProject() {
        Path p = dir.resolve("with-airflow");
        try {
            Files.createDirectories(p);
            Files.writeString(p.resolve("ingot.yaml"), "name: shop\nwarehouse: wh\nairflow:\n  url: http://127.0.0.1:9\n"
                    + "  username: admin\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return p;
    }

    @Test
    void everyCommandsValidLineWouldRunAndNothingIsWritten() {
        List<Result> results = new ArrayList<>(validLines());
        results.add(run("demo", "--warehouse", warehouse().toString(), "--rows", "2000", "--days", "42", "--dry-run"));
        results.add(run("--dry-run", "validate", "--project", RETAIL.toString(), "--warehouse",
                warehouse().toString(), "--table", "raw.transactions", "--metrics-file",
                dir.resolve("m.prom").toString()));
        for (Result r : results) {
            assertThat(r.code()).as(r.out() + r.err()).isZero();
        }
        assertThat(results).filteredOn(r -> !r.out().contains("Stages")).allSatisfy(r ->
                assertThat(r.out()).contains("Dry run: 'ingot ").contains("would run"));
        assertThat(results).as("plan runs for real: it only reads").anySatisfy(r ->
                assertThat(r.out()).contains("Stages").contains("customer_spend").doesNotContain("Dry run"));
        assertThat(results.get(results.size() - 2).out()).contains("Dry run: 'ingot demo' would run");
        assertThat(warehouse()).as("no warehouse, catalog or report was created").doesNotExist();
        assertThat(dir.resolve("m.prom")).as("a dry run writes no metrics").doesNotExist();
    }

    @Test
    void everyCommandIsCovered() {
        Set<String> leaves = new TreeSet<>();
        collect(new CommandLine(new IngotMain()), leaves);
        leaves.remove("ingot help");
        Set<String> covered = new TreeSet<>();
        for (Result r : validLines()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Dry run: '([^']+)'").matcher(r.out());
            if (m.find()) {
                covered.add(m.group(1));
            }
        }
        covered.add("ingot plan");
        covered.add("ingot demo");
        covered.add("ingot models register");  // see typicalMistakesExitWith2AndTheUsualMessage: the example has no ONNX model
        assertThat(covered).as("a valid line per command (a new command needs one here)").containsAll(leaves);
    }

    private static void collect(CommandLine c, Set<String> out) {
        if (c.getSubcommands().isEmpty()) {
            out.add(c.getCommandSpec().qualifiedName());
        }
        c.getSubcommands().values().forEach(s -> collect(s, out));
    }

    @Test
    void typicalMistakesExitWith2AndTheUsualMessage() {
        Result option = dry(List.of("validate"), "--table", "raw.transactions", "--suites", "transactions_raw");
        assertThat(option.code()).isEqualTo(2);
        assertThat(option.err()).contains("Unknown option").contains("'--suites'");

        Result cadence = dry(List.of("features", "materialize"), "--view", "customer_spend", "--from",
                "2026-01-01T06:00:00Z", "--to", "2026-01-02");
        assertThat(cadence.code()).isEqualTo(2);
        assertThat(cadence.err()).contains("1d cadence");

        Result view = dry(List.of("features", "materialize"), "--view", "customer_spnd", "--from", "2026-01-01",
                "--to", "2026-01-02");
        assertThat(view.code()).isEqualTo(2);
        assertThat(view.err()).contains("customer_spnd").contains("customer_spend");

        Result date = dry(List.of("features", "materialize"), "--from", "2026-13-01", "--to", "2026-01-02");
        assertThat(date.code()).isEqualTo(2);
        assertThat(date.err()).contains("--from").contains("2026-13-01");

        Result scoreDate = dry(List.of("score"), "--model", "fraud@champion", "--input", "raw.transactions", "--out",
                "fraud", "--date", "02/01/2026");
        assertThat(scoreDate.code()).isEqualTo(2);
        assertThat(scoreDate.err()).contains("--date").contains("02/01/2026");

        Result suite = dry(List.of("validate"), "--table", "raw.transactions", "--suite", "nope");
        assertThat(suite.code()).isEqualTo(2);
        assertThat(suite.err()).contains("nope").contains("transactions_raw");

        Result model = dry(List.of("train"), "--model", "frad");
        assertThat(model.code()).isEqualTo(2);
        assertThat(model.err()).contains("frad").contains("fraud");

        Result register = dry(List.of("models", "register"), "--model", "fraud");
        assertThat(register.code()).isEqualTo(2);
        assertThat(register.err()).contains("trained by Ingot");

        Result features = dry(List.of("training-set"), "--spine", "ml.fraud_spine", "--features", "custmer_spend",
                "--out", "ml.fraud_ts");
        assertThat(features.code()).isEqualTo(2);
        assertThat(features.err()).contains("custmer_spend").contains("customer_spend");

        Result demo = run("demo", "--warehouse", warehouse().toString(), "--rows", "10", "--dry-run");
        assertThat(demo.code()).isEqualTo(2);
        assertThat(demo.err()).contains("--rows");

        Result badDate = run("airflow", "trigger", "ingot_daily", "--project", airflowProject().toString(),
                "--logical-date", "tomorrow", "--dry-run");
        assertThat(badDate.code()).isEqualTo(2);
        assertThat(badDate.err()).contains("--logical-date").contains("tomorrow");

        assertThat(Stream.of(badDate, option, cadence, view, date, scoreDate, suite, model, register, features, demo))
                .noneMatch(r -> r.out().contains("would run"));
        assertThat(warehouse()).doesNotExist();
    }

    @Test
    void aBrokenProjectFailsTheDryRun() throws Exception {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken.resolve("feature_views"));
        Files.writeString(broken.resolve("ingot.yaml"), "name: broken\nwarehouse: wh\n");
        Files.writeString(broken.resolve("feature_views/v.yaml"), "source: nowhere\nentities: [id]\n");
        Result r = run("features", "history", "--project", broken.toString(), "--view", "v", "--dry-run");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("feature_views/v.yaml").contains("nowhere");
        assertThat(broken.resolve("wh")).doesNotExist();
    }
}
