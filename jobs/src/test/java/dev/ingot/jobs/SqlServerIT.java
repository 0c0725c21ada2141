package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code bin/ingot sql-server} of the packaged distribution, as its own process, queried over JDBC from this JVM with
 * Hive's JDBC driver: on Delta tables in the features, quality, ml and scores databases (made by {@code bin/ingot sql
 * --allow-writes}: the demo would take minutes), the rows of queries are exactly those {@code bin/ingot sql --format
 * json} printed for the same queries
 * (run before the server starts: the embedded Derby metastore admits one process at a time); with
 * {@code auth: password} a wrong password, a wrong user and no password are refused; with no {@code host} set it
 * listens on the loopback address only; SIGTERM stops it with exit 0, its run recorded in {@code ingot.job_runs}. The
 * server is started once for the class. Needs {@code mvn package} (a failsafe test).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SqlServerIT {
    private static final String VAR = "INGOT_TEST_SQL_PASSWORD";
    private static final String USER = "analyst";
    private static final String PASSWORD = "it-sql-pw-" + Long.toHexString(System.nanoTime());

    /**
     * Small Delta tables where Ingot keeps its outputs, with the types they hold: text (non-ASCII, quotes, line breaks,
     * NULL), whole and decimal numbers, doubles, booleans, dates, timestamps and a map.
     */
    static final List<String> SETUP = List.of(
            "CREATE DATABASE IF NOT EXISTS features", "CREATE DATABASE IF NOT EXISTS quality",
            "CREATE DATABASE IF NOT EXISTS ml", "CREATE DATABASE IF NOT EXISTS scores",
            "CREATE TABLE features.customer_spend_v1 USING delta AS SELECT concat('c', id % 7) AS customer_id,"
                    + " timestamp_seconds(1767225600 + id * 3600) AS ts,"
                    + " CASE WHEN id % 11 = 0 THEN NULL ELSE round(id * 1.37, 2) END AS spend_sum_7d,"
                    + " id % 5 AS txn_count_1d FROM range(120)",
            "CREATE TABLE quality.results USING delta AS SELECT 'transactions_raw' AS suite,"
                    + " concat('check_', id % 4) AS check_name,"
                    + " CASE WHEN id % 3 = 0 THEN 'Error' ELSE 'Success' END AS status,"
                    + " timestamp_seconds(1767225600 + id * 86400) AS run_at, CAST(id / 7 AS DECIMAL(10, 4)) AS value,"
                    + " CASE WHEN id = 2 THEN 'Zoë: \"late\", 3%\nrows' END AS message FROM range(30)",
            "CREATE TABLE ml.model_versions USING delta AS SELECT 'fraud' AS name, CAST(id + 1 AS INT) AS version,"
                    + " timestamp_seconds(1767225600 + id * 86400) AS created_at,"
                    + " map('auc', 0.5 + id / 10.0, 'f1', id / 4.0) AS metrics, id % 2 = 0 AS promoted FROM range(3)",
            "CREATE TABLE scores.fraud USING delta AS SELECT id AS txn_id, concat('c', id % 7) AS customer_id,"
                    + " 1.0 / (1 + exp(-(id % 13 - 6))) AS score, date_add(date'2026-01-02', CAST(id % 2 AS INT))"
                    + " AS score_date FROM range(200)");

    /** The same queries both ways; timestamps and maps cast to text, as a JDBC client gets them as objects. */
    static final List<String> QUERIES = List.of(
            "SELECT customer_id, CAST(ts AS STRING) AS ts, spend_sum_7d, txn_count_1d FROM features.customer_spend_v1"
                    + " ORDER BY ts",
            "SELECT suite, check_name, status, CAST(run_at AS STRING) AS run_at, value, message FROM quality.results"
                    + " ORDER BY run_at",
            "SELECT name, version, CAST(created_at AS STRING) AS created_at, to_json(metrics) AS metrics, promoted"
                    + " FROM ml.model_versions ORDER BY version",
            "SELECT txn_id, customer_id, score, score_date FROM scores.fraud ORDER BY txn_id",
            "SELECT score_date, count(*) AS n, round(avg(score), 6) AS mean_score FROM scores.fraud"
                    + " GROUP BY score_date ORDER BY score_date");

    private static Path tmp;
    private static Path project;
    private static Process server;
    private static Path serverOut;
    private static Path serverErr;
    private static String url;
    private static int port;
    private static List<List<Map<String, Object>>> expected;
    private static double startSeconds;

    /** {@code bin/ingot ARGS} with the server's password in its environment (the project's {@code ${env:...}}). */
    private static ProcessBuilder ingot(List<String> args) {
        ProcessBuilder pb = Dist.ingot(List.of("--master", "local[2]"));
        pb.command().addAll(args);
        pb.environment().put(VAR, PASSWORD);
        return pb;
    }

    private static Dist.Ran run(String... args) throws Exception {
        Dist.Ran r = Dist.run(ingot(List.of(args)), tmp, Duration.ofMinutes(10));
        assertThat(r.all()).as("no command prints the password").doesNotContain(PASSWORD);
        return r;
    }

    @BeforeAll
    static void tablesQueriesAndServer() throws Exception {
        tmp = Files.createTempDirectory("ingot-sql-server-it-");
        Path warehouse = tmp.resolve("warehouse");
        long t0 = System.nanoTime();
        project = tmp.resolve("project");
        Files.createDirectories(project);
        // No host: the default, which must be the loopback address.
        Files.writeString(project.resolve("ingot.yaml"), "name: retail\nwarehouse: " + warehouse + "\nsql_server:\n"
                + "  auth: password\n  username: " + USER + "\n  password: ${env:" + VAR + "}\n");
        Path setup = tmp.resolve("setup.sql");
        Files.writeString(setup, String.join(";\n", SETUP) + ";\n");
        Dist.Ran created = run("sql", "--project", project.toString(), "--allow-writes", "-f", setup.toString());
        assertThat(created.code()).as(created.out() + created.err()).isZero();
        long t1 = System.nanoTime();
        Path script = tmp.resolve("queries.sql");
        Files.writeString(script, String.join(";\n", QUERIES) + ";\n");
        Dist.Ran sql = run("sql", "--project", project.toString(), "--format", "json", "-f", script.toString());
        assertThat(sql.code()).as(sql.err()).isZero();
        expected = SqlResults.ofJsonLines(sql.out());
        assertThat(expected).hasSize(QUERIES.size());
        long t2 = System.nanoTime();

        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        serverOut = tmp.resolve("server.out");
        serverErr = tmp.resolve("server.err");
        server = ingot(List.of("sql-server", "--project", project.toString(), "--port", String.valueOf(port)))
                .redirectOutput(serverOut.toFile()).redirectError(serverErr.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (url == null) {
            assertThat(server.isAlive()).as("the server runs: " + Files.readString(serverErr)).isTrue();
            assertThat(System.nanoTime()).as("the server printed its URL in time").isLessThan(deadline);
            url = Files.readString(serverOut).lines().filter(l -> l.startsWith("JDBC URL: "))
                    .map(l -> l.substring("JDBC URL: ".length()).strip()).findFirst().orElse(null);
            Thread.sleep(200);
        }
        startSeconds = (System.nanoTime() - t2) / 1e9;
        System.out.printf(Locale.ROOT, "SqlServerIT: tables %.1f s, sql %.1f s, sql-server up in %.1f s%n",
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, startSeconds);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null && server.isAlive()) {
            server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        try (java.util.stream.Stream<Path> files = Files.walk(tmp)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private static Connection connect(String user, String password) throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    @Test
    @Order(1)
    void jdbcReturnsExactlyTheRowsOfIngotSql() throws Exception {
        assertThat(url).isEqualTo("jdbc:hive2://127.0.0.1:" + port + "/default");
        try (Connection c = connect(USER, PASSWORD)) {
            for (int i = 0; i < QUERIES.size(); i++) {
                List<Map<String, Object>> got = SqlResults.rows(c, QUERIES.get(i));
                assertThat(got).as("rows of " + QUERIES.get(i)).isNotEmpty().isEqualTo(expected.get(i));
            }
            List<Map<String, Object>> dbs = SqlResults.rows(c, "SHOW DATABASES");
            assertThat(dbs).extracting(r -> r.values().iterator().next())
                    .contains("features", "quality", "ml", "scores", "ingot");
        }
    }

    @Test
    @Order(2)
    void aWrongPasswordAWrongUserAndNoPasswordAreRefused() {
        assertThatThrownBy(() -> connect(USER, PASSWORD + "x").close()).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> connect("admin", PASSWORD).close()).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> connect(USER, "").close()).isInstanceOf(SQLException.class);
        assertThat(server.isAlive()).as("refusals do not stop the server").isTrue();
    }

    @Test
    @Order(3)
    void listensOnTheLoopbackAddressOnlyByDefault() throws Exception {
        List<String> listening = listeners(port);
        assertThat(listening).as("sockets listening on port " + port).isNotEmpty()
                .allSatisfy(a -> assertThat(a).isIn("127.0.0.1", "0:0:0:0:0:0:0:1"));
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    try (Socket s = new Socket()) {
                        assertThatThrownBy(() -> s.connect(new InetSocketAddress(a, port), 2000))
                                .as("connecting through " + a.getHostAddress())
                                .isInstanceOf(ConnectException.class);
                    }
                }
            }
        }
        Dist.Ran busy = run("sql-server", "--project", project.toString(), "--port", String.valueOf(port), "--dry-run");
        assertThat(busy.code()).as(busy.out() + busy.err()).isEqualTo(2);
        assertThat(busy.err()).contains("127.0.0.1:" + port).contains("in use");
    }

    /** The local addresses of the sockets listening on {@code port}, from Linux's socket tables. */
    static List<String> listeners(int port) throws IOException {
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (f[3].equals("0A") && Integer.parseInt(local[1], 16) == port) {
                    out.add(address(local[0]));
                }
            }
        }
        return out;
    }

    /**
     * An address of /proc/net/tcp{,6}: 32-bit words in host (little-endian) order. Java reads an IPv4-mapped IPv6
     * address (a Java socket bound to 127.0.0.1) as the IPv4 address.
     */
    static String address(String hex) throws IOException {
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int word = i / 4 * 8;
            int at = word + (3 - i % 4) * 2;
            b[i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
        }
        return InetAddress.getByAddress(b).getHostAddress();
    }

    @Test
    @Order(4)
    void sigtermStopsTheServerWithExitCode0AndRecordsItsRun() throws Exception {
        long t0 = System.nanoTime();
        server.destroy();  // SIGTERM: bin/ingot execs the JVM, so this is the server's own process
        assertThat(server.waitFor(2, TimeUnit.MINUTES)).as("stopped in time").isTrue();
        String out = Files.readString(serverOut);
        String err = Files.readString(serverErr);
        assertThat(server.exitValue()).as(out + err).isZero();
        System.out.printf(Locale.ROOT, "SqlServerIT: stopped %.1f s after SIGTERM%n", (System.nanoTime() - t0) / 1e9);
        assertThat(out).contains("listening on 127.0.0.1:" + port + " (this machine only)")
                .contains("SQL server stopped after");
        assertThat(out + err).as("the password is never printed or logged").doesNotContain(PASSWORD);

        Dist.Ran runs = run("sql", "--project", project.toString(), "--format", "json",
                "SELECT command, exit_code, outcome FROM ingot.job_runs WHERE command = 'sql-server'");
        assertThat(runs.code()).as("the catalog is free again: " + runs.err()).isZero();
        assertThat(runs.out().strip()).isEqualTo("{\"command\":\"sql-server\",\"exit_code\":0,\"outcome\":\"ok\"}");
    }
}
