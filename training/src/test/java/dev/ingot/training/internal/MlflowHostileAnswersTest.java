package dev.ingot.training.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.FakeHttpServer;
import dev.ingot.training.FakeHttpServer.Answer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile answers from the MLflow tracking server (issue 17, item 4) that a real MLflow cannot be made to give:
 * cut-off JSON, an HTML page from a proxy, a 500 with a body, JSON that is not an object. Opening the store (its first
 * request) must end in a one-line error naming the server, what it answered and the setting to fix; retried
 * statuses (5xx) are retried first. A server that is not MLflow, or answers what MLflow never does, is bad input
 * (exit 2: check {@code tracking.uri}); an MLflow that keeps failing is a failure (exit 3).
 */
class MlflowHostileAnswersTest {
    private static final String HTML = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
            + "<body><h1>502 Bad Gateway</h1></body>\n</html>\n";

    static Stream<Arguments> hostileAnswers() {
        return Stream.of(
                hostile("cut-off JSON with 200", new Answer(200, "application/json", "{\"experiments\": [{\"experim"),
                        2, 1, List.of("answered something other than JSON (HTTP 200)", "tracking.uri")),
                hostile("an HTML login page with 200", new Answer(200, "text/html", "<html><body>Sign in</body></html>"),
                        2, 1, List.of("answered HTML (HTTP 200)", "tracking.uri")),
                hostile("an HTML 502 from a proxy, every time", new Answer(502, "text/html", HTML), 2, 3,
                        List.of("answered HTML (HTTP 502)", "tracking.uri")),
                hostile("500 with an MLflow error body, every time", new Answer(500, "application/json",
                        "{\"error_code\": \"INTERNAL_ERROR\", \"message\": \"database is locked\"}"), 3, 3,
                        List.of("answered HTTP 500 INTERNAL_ERROR: database is locked", "(after retries)")),
                hostile("500 with a plain-text body", new Answer(500, "text/plain", "Internal Server Error\n"), 2, 3,
                        List.of("answered something other than JSON (HTTP 500)", "tracking.uri")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileAnswers")
    void aOneLineErrorNamingTheServerAndTheSetting(String what, Answer answer, int exitCode, int requests,
                                                     List<String> expected) throws Exception {
        try (FakeHttpServer server = new FakeHttpServer(n -> answer)) {
            TrackingSettings settings = new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of(server.uri()),
                    Optional.empty(), Optional.empty());
            IngotException e = catchThrowableOfType(IngotException.class,
                    () -> MlflowTrackingStore.open(settings, Map.of(), 3, 10).close());
            assertThat(e).as(what).isNotNull();
            assertThat(e.exitCode().code()).as(e.getMessage()).isEqualTo(exitCode);
            assertThat(e.getMessage()).as(what).contains(server.uri()).contains(expected).doesNotContain("\n")
                    .doesNotContain("Exception");
            assertThat(server.received()).as(what + ": requests (5xx are retried)").hasSize(requests);
        }
    }

    /**
     * A server that takes the connection and the request and never answers (a hung worker, a proxy waiting on a dead
     * upstream): with {@code tracking.request_timeout_seconds: 1} the command ends within seconds, exit 3 (try again;
     * not bad input), naming the server and the setting. The request is not sent again (it may still be running).
     */
    @Test
    void aServerThatNeverAnswersIsAFailureAfterTheRequestTimeoutNamingTheSetting() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());   // read nothing, answer nothing
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String uri = "http://127.0.0.1:" + silent.getLocalPort();
            TrackingSettings settings = new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of(uri),
                    Optional.empty(), Optional.empty()).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1));
            long start = System.nanoTime();
            IngotException e = catchThrowableOfType(IngotException.class,
                    () -> MlflowTrackingStore.open(settings, Map.of(), 3, 10).close());
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertThat(e).isNotNull();
            assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCode.FAILURE);
            assertThat(e.getMessage()).contains(uri).contains("no answer within 1 s")
                    .contains("tracking.request_timeout_seconds").doesNotContain("\n");
            assertThat(seconds).as("ended by the 1 s timeout, not the 120 s default").isLessThan(60);
            assertThat(held).as("connections: the request was not sent again").hasSize(1);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /**
     * The same after the store is open: the server answered the probe, then hangs on the next call, which goes through
     * MLflow's Java client (whose connections have no read timeout of their own). The call ends after the request
     * timeout with exit 3, and the store refuses further calls with the same error instead of hanging again.
     */
    @Test
    void aJavaClientCallToAServerThatStopsAnsweringEndsAfterTheRequestTimeout() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"experiments\": []}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (!exchange.getRequestURI().getPath().endsWith("/experiments/search")) {
                try {
                    release.await(60, java.util.concurrent.TimeUnit.SECONDS);   // hang until the test ends
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        String uri = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            TrackingSettings settings = new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of(uri),
                    Optional.empty(), Optional.empty()).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1));
            try (MlflowTrackingStore store = MlflowTrackingStore.open(settings, Map.of(), 3, 10)) {
                long start = System.nanoTime();
                IngotException first = catchThrowableOfType(IngotException.class, () -> store.experiment("churn"));
                assertThat(first).isNotNull();
                assertThat(first.exitCode()).as(first.getMessage()).isEqualTo(ExitCode.FAILURE);
                assertThat(first.getMessage()).contains(uri).contains("experiment 'churn'")
                        .contains("no answer within 1 s").contains("tracking.request_timeout_seconds");
                assertThat((System.nanoTime() - start) / 1_000_000_000L).as("seconds").isLessThan(60);
                IngotException again = catchThrowableOfType(IngotException.class, () -> store.experiment("churn"));
                assertThat(again).as("refused at once, not a second hang").isNotNull()
                        .hasMessage(first.getMessage());
            }
        } finally {
            release.countDown();
            server.stop(0);
            handlers.shutdownNow();
        }
    }

    private static Arguments hostile(String what, Answer answer, int exitCode, int requests, List<String> expected) {
        return Arguments.of(what, answer, exitCode, requests, expected);
    }
}
