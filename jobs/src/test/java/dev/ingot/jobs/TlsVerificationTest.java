package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.ingot.core.TestEnvironment;
import dev.ingot.core.TestFiles;
import dev.ingot.jobs.Cli.Result;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS verification stays on: an HTTPS server on 127.0.0.1 whose certificate is self-signed (made by the JDK's
 * {@code keytool}, trusted by nobody) is refused by the MLflow client ({@code models list} with an {@code https://}
 * {@code tracking.uri}) and by the Airflow client ({@code airflow status} with an {@code https://} {@code airflow.url}):
 * the command fails, and the server never gets an HTTP request, so neither the token nor the password reached a server
 * that could not prove who it is. Ingot has no setting that turns verification off; a private CA goes into the JVM's
 * trust store ({@code -Djavax.net.ssl.trustStore}).
 */
class TlsVerificationTest {
    private static final String TOKEN_VAR = "INGOT_TEST_TLS_TOKEN";
    private static final String PASSWORD_VAR = "INGOT_TEST_TLS_PASSWORD";
    private static final String SECRET = "tls-secret-" + UUID.randomUUID();
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static HttpsServer server;

    @BeforeAll
    static void selfSignedServer(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("self-signed.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.txt").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("keytool.txt"))).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.createContext("/", exchange -> {
            REQUESTS.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"version\": \"3.0.0\", \"access_token\": \"t\", \"experiments\": []}".getBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        TestEnvironment.writable().put(TOKEN_VAR, SECRET);
        TestEnvironment.writable().put(PASSWORD_VAR, SECRET);
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop(0);
        TestEnvironment.writable().remove(TOKEN_VAR);
        TestEnvironment.writable().remove(PASSWORD_VAR);
    }

    private static String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    private static Path project(Path dir, String yaml) {
        TestFiles.write(dir, "ingot.yaml", "name: tls\nwarehouse: " + dir.resolve("wh") + "\n" + yaml);
        return dir;
    }

    @Test
    void theMlflowClientRefusesACertificateNobodyTrusts(@TempDir Path dir) throws Exception {
        int before = REQUESTS.get();
        // models list needs a project with a model spec (it is not read before the server is asked).
        Path p = TrainProjects.write(dir, "tls", "tls.orders", "tracking:\n  type: mlflow\n  uri: " + url()
                + "\n  token: ${env:" + TOKEN_VAR + "}\n", "algorithm:\n  type: logistic_regression\ntest_window: 6d\n");
        Result r = run("models", "list", "--project", p.toString());
        assertThat(r.code()).as(r.out() + r.err()).isNotZero();
        assertThat(r.err()).as("names the server").contains("127.0.0.1:" + server.getAddress().getPort());
        assertThat(r.out() + r.err()).doesNotContain(SECRET);
        assertThat(REQUESTS.get()).as("no HTTP request got through the handshake").isEqualTo(before);
    }

    @Test
    void theAirflowClientRefusesACertificateNobodyTrusts(@TempDir Path dir) {
        int before = REQUESTS.get();
        for (String version : List.of("3", "2", "auto")) {
            Path p = project(dir.resolve("v" + version), "airflow:\n  url: " + url() + "\n  username: admin\n"
                    + "  password: ${env:" + PASSWORD_VAR + "}\n  version: " + version + "\n");
            Result r = run("airflow", "status", "d", "--project", p.toString());
            assertThat(r.code()).as("version " + version + ": " + r.out() + r.err()).isNotZero();
            assertThat(r.out() + r.err()).doesNotContain(SECRET);
        }
        assertThat(REQUESTS.get()).as("no HTTP request got through the handshake").isEqualTo(before);
    }
}
