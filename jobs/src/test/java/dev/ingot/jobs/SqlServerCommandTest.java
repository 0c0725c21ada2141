package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestEnvironment;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.core.config.SqlServerSettings;
import dev.ingot.jobs.Cli.Result;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingot sql-server} up to the point where it would start Spark ({@code --dry-run}; no Spark in this class): the
 * {@code sql_server} settings as loaded, each bad setup refused with exit 2 and a message naming the key and the fix
 * (password authentication without a password, a host that is not this machine's, a port in use or out of range),
 * The server is run for real by {@code SqlServerIT}; the password check is {@code SqlServerAuthTest}.
 */
class SqlServerCommandTest {
    private static final String VAR = "INGOT_TEST_SQL_SERVER_PASSWORD";
    private static final String PASSWORD = "sql-server-test-pw-5093";

    @TempDir
    Path dir;

    @BeforeAll
    static void plant() throws Exception {
        TestEnvironment.writable().put(VAR, PASSWORD);
    }

    @AfterAll
    static void unplant() throws Exception {
        TestEnvironment.writable().remove(VAR);
    }

    private Path project(String sqlServer) throws IOException {
        Path p = Files.createTempDirectory(dir, "p");
        Files.writeString(p.resolve("ingot.yaml"), "name: shop\nwarehouse: wh\n" + sqlServer);
        return p;
    }

    private static Result dry(Path project, String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("sql-server", "--project",
                project.toString()));
        args.addAll(java.util.List.of(more));
        args.add("--dry-run");
        Result r = run(args.toArray(String[]::new));
        assertThat(r.out() + r.err()).as("the password is never printed").doesNotContain(PASSWORD);
        return r;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void defaultsAreLoopbackPort10000AndNoAuthentication() throws IOException {
        SqlServerSettings s = ProjectLoader.load(project("")).settings().sqlServer();
        assertThat(s).isEqualTo(new SqlServerSettings("127.0.0.1", 10_000, SqlServerSettings.Auth.NONE,
                java.util.Optional.empty(), java.util.Optional.empty()));
    }

    @Test
    void passwordAuthenticationTakesTheSecretFromTheEnvironmentAndNeverPrintsIt() throws IOException {
        Path p = project("sql_server:\n  port: 10123\n  auth: password\n  username: analyst\n  password: ${env:" + VAR
                + "}\n");
        SqlServerSettings s = ProjectLoader.load(p, Map.of(VAR, PASSWORD)).settings().sqlServer();
        assertThat(s.port()).isEqualTo(10_123);
        assertThat(s.auth()).isEqualTo(SqlServerSettings.Auth.PASSWORD);
        assertThat(s.password().map(dev.ingot.core.config.Secret::resolve)).contains(PASSWORD);
        assertThat(s.toString()).as("masked").contains("analyst").doesNotContain(PASSWORD);

        Result r = dry(p, "--port", String.valueOf(freePort()));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Dry run: 'ingot sql-server' would run");
        assertThat(p.resolve("wh")).as("nothing written").doesNotExist();
    }

    @Test
    void passwordAuthenticationWithoutAPasswordIsRefused() throws IOException {
        Result none = dry(project("sql_server:\n  auth: password\n  username: analyst\n"));
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("ingot.yaml").contains("sql_server.password").contains("is missing")
                .contains("${env:INGOT_SQL_PASSWORD}");

        Result unset = dry(project("sql_server:\n  auth: password\n  username: analyst\n"
                + "  password: ${env:INGOT_TEST_NO_SUCH_VARIABLE}\n"));
        assertThat(unset.code()).isEqualTo(2);
        assertThat(unset.err()).contains("sql_server.password").contains("INGOT_TEST_NO_SUCH_VARIABLE")
                .contains("is not set");

        Result noUser = dry(project("sql_server:\n  auth: password\n  password: ${env:" + VAR + "}\n"));
        assertThat(noUser.code()).isEqualTo(2);
        assertThat(noUser.err()).contains("sql_server.username");

        Result ignored = dry(project("sql_server:\n  password: ${env:" + VAR + "}\n"));
        assertThat(ignored.code()).as("a password without auth: password would be ignored").isEqualTo(2);
        assertThat(ignored.err()).contains("sql_server.password").contains("auth: password");
    }

    @Test
    void aHostThatIsNotThisMachinesIsRefused() throws IOException {
        Result unknown = dry(project("sql_server:\n  host: no-such-host.invalid\n"));
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("sql_server.host").contains("no-such-host.invalid")
                .contains("127.0.0.1");

        // TEST-NET-3 (RFC 5737): never an address of this machine.
        Result foreign = dry(project("sql_server:\n  host: 203.0.113.7\n"));
        assertThat(foreign.code()).isEqualTo(2);
        assertThat(foreign.err()).contains("sql_server.host").contains("203.0.113.7")
                .contains("is not an address of this machine").contains("127.0.0.1");
    }

    @Test
    void aPortInUseOrOutOfRangeIsRefusedBeforeSparkStarts() throws IOException {
        Path p = project("");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Result busy = dry(p, "--port", String.valueOf(taken.getLocalPort()));
            assertThat(busy.code()).isEqualTo(2);
            assertThat(busy.err()).contains("127.0.0.1:" + taken.getLocalPort()).contains("in use")
                    .contains("--port");
        }
        Result zero = dry(p, "--port", "0");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).contains("--port").contains("1 to 65535");

        Result yaml = dry(project("sql_server:\n  port: 70000\n"));
        assertThat(yaml.code()).isEqualTo(2);
        assertThat(yaml.err()).contains("sql_server.port").contains("70000");
    }
}
