package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.jobs.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile command lines (issue 17, item 4): names on the command line that try SQL injection (quotes, backticks,
 * semicolons, {@code --} comments, {@code DROP TABLE}) and malformed values. Each case runs the command in-process
 * next to a real Delta table, {@code hostile.orders}, and asserts exit code 2, a short message naming the option and
 * what is expected, without a stack trace, and that no commit reached the table's Delta log and no table folder was
 * made or removed in the warehouse (but {@code ingot.job_runs}, where a refused command may leave its audit row); at
 * the end, the catalog is asked too: same Delta version, same tables. Injection would show as a dropped table or a
 * new version.
 */
class HostileInputTest {
    private static final String TABLE = "hostile.orders";
    private static final String DROP = "; DROP TABLE " + TABLE + "; --";
    private static SparkSession spark;
    private static Path project;
    private static Path tableDir;
    private static long firstVersion;
    private static Set<String> firstTables;

    @BeforeAll
    static void tableAndProject(@TempDir Path dir) throws IOException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS hostile");
        project = ShopProject.write(spark, dir, TABLE, "hostile_spend");
        tableDir = Path.of(java.net.URI.create(spark.sql("DESCRIBE DETAIL " + TABLE).first().<String>getAs("location")));
        firstVersion = version();
        firstTables = tables();
    }

    static Stream<Arguments> hostileCommandLines() {
        return Stream.of(
                bad("materialize --view with a DROP TABLE", List.of("Unknown feature view 'hostile_spend`" + DROP, "Known: hostile_spend"),
                        "features", "materialize", "--view", "hostile_spend`" + DROP, "--from", "2026-01-01", "--to", "2026-01-02"),
                bad("features history --view with a quote", List.of("Unknown feature view 'x'" + DROP, "Known: hostile_spend"),
                        "features", "history", "--view", "x'" + DROP),
                bad("validate --table with a second statement", List.of("table: '" + TABLE + DROP, "Expected database.table"),
                        "validate", "--table", TABLE + DROP),
                bad("validate --table with backticks", List.of("'`orders`'", "Expected lower-case letters"),
                        "validate", "--table", "hostile.`orders`"),
                bad("validate --table of three parts", List.of("'hostile.orders.x'", "Expected database.table"),
                        "validate", "--table", "hostile.orders.x"),
                bad("validate --suite with a comment", List.of("Unknown quality suite 'orders' --'", "Known: hostile_spend, orders"),
                        "validate", "--table", TABLE, "--suite", "orders' --"),
                bad("score --input with a second statement", List.of("'" + TABLE + DROP + "'", "Expected database.table"),
                        "score", "--model", "nope@champion", "--input", TABLE + DROP, "--out", "hostile_scores"),
                bad("score --out with a backtick", List.of("score table: 'x`" + DROP, "Expected lower-case letters"),
                        "score", "--model", "nope@champion", "--input", TABLE, "--out", "x`" + DROP),
                bad("score --model with a quote", List.of("--model: 'x'" + DROP, "Expected NAME@ALIAS"),
                        "score", "--model", "x'" + DROP + "@champion", "--input", TABLE, "--out", "hostile_scores"),
                bad("score --date with SQL", List.of("--date: '2026-01-01' OR '1'='1'", "Expected a date"),
                        "score", "--model", "nope@champion", "--input", TABLE, "--out", "hostile_scores", "--date",
                        "2026-01-01' OR '1'='1"),
                bad("training-set --spine with a UNION", List.of("UNION SELECT", "Expected database.table"),
                        "training-set", "--spine", TABLE + " UNION SELECT * FROM " + TABLE, "--features", "hostile_spend",
                        "--out", "ml.hostile_ts"),
                bad("training-set --out with a DROP TABLE", List.of("'ml.x" + DROP + "'", "Expected database.table"),
                        "training-set", "--spine", TABLE, "--features", "hostile_spend", "--out", "ml.x" + DROP),
                bad("training-set --features with a backtick", List.of("--features: 'hostile_spend:spend_1d`", "Expected VIEW:feature1,feature2"),
                        "training-set", "--spine", TABLE, "--features", "hostile_spend:spend_1d`" + DROP, "--out",
                        "ml.hostile_ts"),
                bad("training-set --timestamp with SQL", List.of("--timestamp: 'ts) OR (1=1'", "Expected the spine's event-time column"),
                        "training-set", "--spine", TABLE, "--timestamp", "ts) OR (1=1", "--features", "hostile_spend",
                        "--out", "ml.hostile_ts"),
                bad("train --model with a DROP TABLE", List.of("--model: 'x" + DROP, "Expected a model name"), "train", "--model", "x" + DROP),
                bad("models show of a quoted name", List.of("'x'" + DROP, "Expected a model name"), "models", "show", "x'" + DROP),
                bad("materialize --from with SQL", List.of("--from: '2026-01-01' OR 1=1 --'", "Expected a UTC date"),
                        "features", "materialize", "--from", "2026-01-01' OR 1=1 --", "--to", "2026-01-02"),
                bad("sql: a DROP after a SELECT", List.of("read-only", "--allow-writes"),
                        "sql", "SELECT 1; DROP TABLE " + TABLE),
                bad("sql: a DROP after a comment that hides the semicolon", List.of("read-only", "--allow-writes"),
                        "sql", "SELECT 1 -- a comment;\n; DROP TABLE " + TABLE),
                bad("an unknown option that looks like SQL", List.of("Unknown options: '--x';DROP'", "ingot validate --help"),
                        "validate", "--table", TABLE, "--x';DROP", "1"),
                bad("an option without its value", List.of("Expected parameter for option '--table'", "ingot validate --help"), "validate", "--table"),
                bad("a NUL byte in a name", List.of("'ord?ers'", "Expected lower-case letters"), "validate", "--table", "hostile.ord\u0000ers"),
                bad("a name of 10,000 characters", List.of("Unknown feature view '" + "v".repeat(200) + "... (10000 characters)'", "Known: hostile_spend"),
                        "features", "history", "--view", "v".repeat(10_000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileCommandLines")
    void refusedWithExitCode2AndNothingChanged(String what, List<String> expected, List<String> args) throws IOException {
        List<String> before = files();
        List<String> cmd = new ArrayList<>(args);
        cmd.addAll(args.get(0).equals("sql") ? 1 : cmd.size(), List.of("--project", project.toString()));

        Result r = run(cmd.toArray(String[]::new));

        assertThat(r.code()).as(what + ":\n" + r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).as(what).contains(expected).doesNotContain("\tat ").doesNotContain("Exception")
                .containsAnyOf("Fix: ", "Expected ", "Known: ", "--help");
        assertThat(r.err().strip().lines().count()).as(what + ": a short message\n" + r.err()).isLessThanOrEqualTo(3);
        assertThat(files()).as(what + ": no commit in " + TABLE + "'s Delta log, no table folder made or removed")
                .isEqualTo(before);
    }

    /** A DROP inside a string literal, behind an escaped quote, is data: the query prints it and changes nothing. */
    @Test
    void aDropInsideAStringLiteralIsOnlyText() throws IOException {
        List<String> before = files();
        Result r = run("sql", "--project", project.toString(), "SELECT 'x\\'; DROP TABLE " + TABLE + "; --' AS s");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("x'; DROP TABLE " + TABLE + "; --").contains("(1 row)");
        assertThat(files()).isEqualTo(before);
        assertThat(spark.table(TABLE).count()).isEqualTo(200);
    }

    /** After every case: the catalog, too, still has the table at its first version and the same tables. */
    @AfterAll
    static void theCatalogAgrees() {
        assertThat(version()).as(TABLE + "'s Delta version").isEqualTo(firstVersion);
        assertThat(tables()).as("tables of the databases a command writes").isEqualTo(firstTables);
    }

    /**
     * The files that would show a write, cheap enough to list around every case: the commits in the table's Delta
     * log, and the warehouse's database and table folders (every table of the test catalog has one).
     */
    private static List<String> files() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> log = Files.list(tableDir.resolve("_delta_log"))) {
            log.map(f -> "log " + f.getFileName()).filter(f -> f.endsWith(".json")).forEach(out::add);
        }
        Path wh = TestSpark.warehouse();
        try (Stream<Path> dirs = Files.walk(wh, 2)) {
            dirs.filter(Files::isDirectory).map(d -> wh.relativize(d).toString())
                    .filter(d -> !d.startsWith("ingot.db/job_runs")).forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private static long version() {
        return spark.sql("DESCRIBE HISTORY " + TABLE + " LIMIT 1").first().getLong(0);
    }

    private static Set<String> tables() {
        // The databases, and the tables of those a command could write: not every database of the test JVM (slow).
        Set<String> all = new TreeSet<>();
        spark.sql("SHOW DATABASES").collectAsList().forEach(db -> all.add(db.getString(0)));
        for (String db : List.of("hostile", "features", "ml", "scores", "quality")) {
            if (!all.contains(db)) {
                continue;
            }
            for (Row t : spark.sql("SHOW TABLES IN " + db).collectAsList()) {
                if (!t.getBoolean(2)) {
                    all.add(t.getString(0) + "." + t.getString(1));
                }
            }
        }
        return all;
    }

    private static Arguments bad(String what, List<String> expected, String... args) {
        return Arguments.of(what, expected, List.of(args));
    }
}
