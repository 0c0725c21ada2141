package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.ChildJvm;
import dev.ingot.core.PostgresServerExtension;
import dev.ingot.core.PythonVenvs;
import dev.ingot.core.internal.CatalogLock;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code catalog: metastore: jdbc} on a real PostgreSQL (one cluster for the class, {@link PostgresServerExtension}):
 * a session stays open in one process (a child JVM, {@link SqlSessionProcess}) while the distribution's
 * {@code bin/ingot} runs materializations and queries in others, all on the same metastore, which the first of them
 * creates. With the embedded Derby metastore the second process would wait for the first to exit.
 */
class JdbcMetastoreIT {
    private static final Path INGOT = Path.of("..", "bin", "ingot").toAbsolutePath().normalize();
    private static final String PASSWORD_VAR = "INGOT_IT_METASTORE_PASSWORD";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final PostgresServerExtension PG = new PostgresServerExtension();

    @TempDir
    static Path tmp;
    private static Path project;
    private static Process session;
    private static OutputStream sessionIn;
    private static Path sessionDir;

    @BeforeAll
    static void projectAndOpenSession() throws Exception {
        PG.createDatabase("metastore");
        project = tmp.resolve("shop");
        write("ingot.yaml", """
                name: shop
                warehouse: %s
                catalog:
                  metastore: jdbc
                  url: %s
                  user: %s
                  password: ${env:%s}
                """.formatted(tmp.resolve("warehouse"), PG.url("metastore"), PostgresServerExtension.USER, PASSWORD_VAR));
        write("sources/orders.yaml", "table: raw.orders\nevent_time: ts\n");
        write("feature_views/pg_spend.yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                """);
        sessionDir = tmp.resolve("session");
        session = startSession();
    }

    @AfterAll
    static void closeSession() throws Exception {
        if (session != null) {
            sessionIn.close();
            if (!session.waitFor(60, TimeUnit.SECONDS)) {
                session.destroyForcibly();
            }
        }
    }

    @Test
    void anOpenSessionAndTheDistributionShareTablesPartitionsPropertiesAndDeltaVersions() throws Exception {
        // Written by the long-lived session: a Delta table with a property, a partitioned table.
        sql("CREATE DATABASE IF NOT EXISTS raw");
        sql("CREATE TABLE raw.orders USING delta TBLPROPERTIES ('ingot.test' = 'from the open session') AS "
                + "SELECT id AS order_id, CAST(id % 7 AS BIGINT) AS customer_id, timestamp_seconds(1767225600 + id * 3600) AS ts,"
                + " CAST(id % 50 AS DOUBLE) + 0.5 AS amount FROM range(200)");
        sql("CREATE TABLE raw.parts (id BIGINT, day STRING) USING parquet PARTITIONED BY (day)");
        sql("INSERT INTO raw.parts VALUES (1, '2026-01-01'), (2, '2026-01-02')");

        // Another process reads them from the metastore while the session is open.
        Path script = tmp.resolve("read.sql");
        Files.writeString(script, "SHOW PARTITIONS raw.parts;\nSHOW TBLPROPERTIES raw.orders ('ingot.test');\n"
                + "SELECT count(*) AS n, sum(amount) AS total FROM raw.orders;\n");
        Run read = ingot(PG.password(), "sql", "--project", project.toString(), "--format", "json", "-f", script.toString());
        assertThat(read.code).as("bin/ingot sql beside an open session; output:\n%s", read.all()).isEqualTo(0);
        List<String> lines = read.out.lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).as("two partitions, one property, one count").hasSize(4);
        assertThat(lines.subList(0, 2)).containsExactly("{\"partition\":\"day=2026-01-01\"}", "{\"partition\":\"day=2026-01-02\"}");
        assertThat(JSON.readTree(lines.get(2)).get("value").asText()).isEqualTo("from the open session");
        assertThat(JSON.readTree(lines.get(3)).get("n").asLong()).isEqualTo(200L);

        // A materialization in another process: the open session sees the table it registered and its version.
        Run first = ingot(PG.password(), "features", "materialize", "--project", project.toString(),
                "--from", "2026-01-01", "--to", "2026-01-09");
        assertThat(first.code).as("first materialization; output:\n%s", first.all()).isEqualTo(0);
        long v1 = latestVersion("features.pg_spend_v1");
        long rows1 = count("features.pg_spend_v1");
        assertThat(rows1).as("feature rows of 7 customers over 8 days").isGreaterThanOrEqualTo(49L);

        // New orders from the session, a second materialization elsewhere: the same open session sees the new version.
        sql("INSERT INTO raw.orders SELECT id, CAST(id % 7 AS BIGINT), timestamp_seconds(1767225600 + id * 3600),"
                + " CAST(id % 50 AS DOUBLE) + 0.5 FROM range(200, 300)");
        Run second = ingot(PG.password(), "features", "materialize", "--project", project.toString(),
                "--from", "2026-01-09", "--to", "2026-01-13");
        assertThat(second.code).as("second materialization; output:\n%s", second.all()).isEqualTo(0);
        assertThat(latestVersion("features.pg_spend_v1")).as("a new Delta version, seen without reopening")
                .isGreaterThan(v1);
        assertThat(count("features.pg_spend_v1")).as("4 more days of 7 customers").isGreaterThanOrEqualTo(rows1 + 21);
        assertThat(sql("SHOW TABLES IN features").stream().map(r -> r.get("tableName").asText()).toList())
                .contains("pg_spend_v1");
        assertThat(tmp.resolve("warehouse").resolve("metastore_db")).as("no Derby anywhere").doesNotExist();
        assertThat(tmp.resolve("warehouse").resolve(CatalogLock.FILE)).as("nor its one-process lock").doesNotExist();
    }

    @Test
    void aWrongPasswordIsExit2NamingTheUrlWithoutThePassword() throws Exception {
        String wrong = "not-the-password-" + System.nanoTime();
        Run r = ingot(wrong, "sql", "--project", project.toString(), "SELECT 1");
        assertThat(r.code).as("output:\n%s", r.all()).isEqualTo(2);
        assertThat(r.err).contains("Cannot open the catalog's metastore database " + PG.url("metastore"))
                .contains("refused user 'ingot'").contains("catalog.password")
                .doesNotContain(wrong).doesNotContain(PG.password()).doesNotContain("\tat ").doesNotContain("DataNucleus");
    }

    @Test
    void anUnreachableMetastoreIsExit2InSeconds() throws Exception {
        Path other = tmp.resolve("unreachable");
        int closed = PythonVenvs.freePort();
        String yaml = Files.readString(project.resolve("ingot.yaml")).replace(PG.url("metastore"),
                "jdbc:postgresql://127.0.0.1:" + closed + "/metastore");
        Files.createDirectories(other);
        Files.writeString(other.resolve("ingot.yaml"), yaml);
        long start = System.nanoTime();
        Run r = ingot(PG.password(), "sql", "--project", other.toString(), "SELECT 1");
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("unreachable metastore: bin/ingot sql ended after %.1f s%n", seconds);
        assertThat(r.code).as("output:\n%s", r.all()).isEqualTo(2);
        assertThat(r.err).contains("jdbc:postgresql://127.0.0.1:" + closed + "/metastore").contains("cannot connect")
                .contains("correct the host and port").doesNotContain("\tat ");
        assertThat(seconds).as("the whole command, JVM start included: no minutes of Hive retries").isLessThan(60);
    }

    // ---- helpers ----

    private record Run(int code, String out, String err) {
        String all() {
            return out + "\n" + err;
        }
    }

    private static Run ingot(String password, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(INGOT.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "ingot", ".out");
        Path err = Files.createTempFile(tmp, "ingot", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put(PASSWORD_VAR, password);
        pb.environment().put("INGOT_DRIVER_MEMORY", "1g");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd + " did not finish in 5 minutes:\n" + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Process startSession() throws Exception {
        // ChildJvm passes the test JVM's environment on; the password is added for the project's ${env:...}.
        Process p = ChildJvm.start(sessionDir, Map.of(PASSWORD_VAR, PG.password()), SqlSessionProcess.class.getName(),
                project.toString());
        sessionIn = p.getOutputStream();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!ChildJvm.read(sessionDir, "out.txt").contains("READY")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the session process did not start:\n" + ChildJvm.read(sessionDir, "err.txt"));
            }
            Thread.sleep(200);
        }
        System.out.println("session on a new PostgreSQL metastore (schema created): "
                + ChildJvm.read(sessionDir, "out.txt").strip());
        return p;
    }

    /** Runs a statement in the open session; its rows. */
    private static List<JsonNode> sql(String statement) throws Exception {
        int before = ChildJvm.read(sessionDir, "out.txt").length();
        sessionIn.write((statement.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        sessionIn.flush();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        for (;;) {
            String answer = ChildJvm.read(sessionDir, "out.txt").substring(before);
            if (answer.contains("DONE\n")) {
                List<JsonNode> rows = new ArrayList<>();
                for (String l : answer.lines().filter(l -> l.startsWith("ROW ")).toList()) {
                    rows.add(JSON.readTree(l.substring(4)));
                }
                return rows;
            }
            assertThat(answer).as("statement in the open session: %s", statement).doesNotContain("ERROR ");
            if (!session.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("no answer to " + statement + ":\n" + ChildJvm.read(sessionDir, "err.txt"));
            }
            Thread.sleep(100);
        }
    }

    private static long latestVersion(String table) throws Exception {
        return sql("DESCRIBE HISTORY " + table + " LIMIT 1").get(0).get("version").asLong();
    }

    private static long count(String table) throws Exception {
        return sql("SELECT count(*) AS n FROM " + table).get(0).get("n").asLong();
    }

    private static void write(String rel, String text) throws IOException {
        Path f = project.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }
}
