package dev.ingot.jobs.airflow;

import static dev.ingot.jobs.airflow.AirflowCli.ingot;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ingot.core.TestEnvironment;
import dev.ingot.jobs.airflow.AirflowCli.Result;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile answers from the Airflow server (issue 17, item 4), which a real Airflow cannot be made to give: HTML error
 * pages, cut-off JSON, 500s with a body, a server that never answers. A tiny HTTP server on 127.0.0.1 gives them;
 * each case runs {@code ingot airflow status} in-process and asserts the exit code, a one-line message that names
 * the server and the setting to check, and no stack trace. A server that is not Airflow at all is bad input (exit 2:
 * {@code airflow.url} is wrong); an Airflow that fails or stalls is a failure (exit 3: retry later), as the contract's
 * exit codes say. Nothing is written by {@code airflow status}, so there is no table to check.
 */
class AirflowHostileAnswersTest {
    private static final String VAR = "INGOT_TEST_HOSTILE_AIRFLOW_PASSWORD";
    private static final String HTML = "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n"
            + "<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";
    private static final String TOKEN = "{\"access_token\": \"hostile-test-token\"}";
    private static final String RUN = "{\"dag_id\": \"d\", \"dag_run_id\": \"r1\", \"state\": \"success\"}";

    record Answer(int status, String type, String body, long delayMillis) {}

    private static HttpServer server;
    private static volatile Function<String, Answer> answers;

    @BeforeAll
    static void server() throws Exception {
        TestEnvironment.writable().put(VAR, "hostile-pw");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-airflow");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            Answer a = answers.apply(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            if (a.delayMillis() > 0) {
                try {
                    Thread.sleep(a.delayMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", a.type());
            exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            } catch (IOException gone) {
                // the client gave up (the timeout cases)
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop(0);
        TestEnvironment.writable().remove(VAR);
    }

    private static Answer json(int status, String body) {
        return new Answer(status, "application/json", body, 0);
    }

    /** Airflow 3 that hands out a token and answers the DAG's runs with {@code runs}. */
    private static Function<String, Answer> airflow3(Answer runs) {
        return req -> req.equals("POST /auth/token") ? json(201, TOKEN)
                : req.startsWith("GET /api/v2/dags/d/dagRuns") ? runs : json(404, "{\"detail\": \"not found\"}");
    }

    static Stream<Arguments> hostileAnswers() {
        return Stream.of(
                // a server that is not Airflow (auto-detected API version): airflow.url is wrong, exit 2
                hostile("HTML page with 200 (a login page)", "", 2, List.of("nor GET /api/v1/version (200)",
                        "airflow.url"), req -> new Answer(200, "text/html", "<html><body>Sign in</body></html>", 0)),
                hostile("HTML 502 from a proxy", "", 2, List.of("GET /api/v2/version (502)", "airflow.url"),
                        req -> new Answer(502, "text/html", HTML, 0)),
                hostile("cut-off JSON for the version", "", 2, List.of("answered with an Airflow 3 or 2 version",
                        "airflow.url"), req -> json(200, "{\"version\": \"3.0")),
                // an Airflow that fails: exit 3
                hostile("HTML page instead of a token", "  version: 3\n", 3, List.of("POST /auth/token answered 200",
                        "instead of a token", "airflow.url"), req -> new Answer(200, "text/html", HTML, 0)),
                hostile("500 with a JSON body", "  version: 3\n", 3, List.of("the server answered 500",
                        "database is locked", "Airflow API server's log"),
                        airflow3(json(500, "{\"detail\": \"database is locked\"}"))),
                hostile("502 with an HTML page", "  version: 3\n", 3, List.of("the server answered 502",
                        "502 Bad Gateway", "Airflow API server's log"),
                        airflow3(new Answer(502, "text/html", HTML, 0))),
                hostile("cut-off JSON with 200 for the runs", "  version: 3\n", 3, List.of("answered 200 with a body"
                        + " that is not JSON", "dag_runs", "airflow.url"),
                        airflow3(json(200, "{\"dag_runs\": [" + RUN.substring(0, 30)))),
                hostile("HTML page with 200 for the runs", "  version: 3\n", 3, List.of("answered 200 with a body"
                        + " that is not JSON", "Sign in", "proxy or login page"),
                        airflow3(new Answer(200, "text/html", "<html>\n<body>Sign in</body>\n</html>", 0))),
                hostile("a server that never answers", "  version: 3\n  request_timeout_seconds: 1\n", 3,
                        List.of("got no answer within 1 s", "raise airflow.request_timeout_seconds"),
                        req -> new Answer(200, "application/json", TOKEN, 20_000)),
                hostile("a run list that never comes", "  version: 3\n  request_timeout_seconds: 1\n", 3,
                        List.of("GET /api/v2/dags/d/dagRuns", "got no answer within 1 s",
                                "raise airflow.request_timeout_seconds"),
                        airflow3(new Answer(200, "application/json", "{\"dag_runs\": []}", 20_000))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileAnswers")
    void aClearOneLineErrorNamingTheServerAndTheSetting(String what, String settings, int exitCode,
                                                         List<String> expected, Function<String, Answer> answer,
                                                         @TempDir Path dir) throws IOException {
        answers = answer;
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        Path project = AirflowCli.project(dir, url, VAR, settings);

        long start = System.nanoTime();
        Result r = ingot("airflow", "status", "d", "--project", project.toString());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;

        assertThat(r.code()).as(what + ":\n" + r.all()).isEqualTo(exitCode);
        assertThat(r.err()).as(what).contains("Airflow at " + url).contains(expected).contains("Fix: ")
                .doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().strip().lines().count()).as(what + ": one line\n" + r.err()).isEqualTo(1);
        assertThat(seconds).as(what + ": the configured timeout (1 s) fires, not the 20 s the server takes")
                .isLessThan(10);
    }

    private static Arguments hostile(String what, String settings, int exitCode, List<String> expected,
                                     Function<String, Answer> answer) {
        return Arguments.of(what, settings, exitCode, expected, answer);
    }
}
