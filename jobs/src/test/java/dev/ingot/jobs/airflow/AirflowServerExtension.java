package dev.ingot.jobs.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.PythonVenvs;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Airflow 3 for one test class: {@code api-server}, {@code scheduler} and {@code dag-processor} on 127.0.0.1
 * and a free port, LocalExecutor, SQLite and {@code AIRFLOW_HOME} in a temporary folder, the DAG files of
 * {@code src/test/resources/airflow-dags}. The simple auth manager's user {@value #USER} gets the fixed password
 * {@link #PASSWORD} (written to {@code simple_auth_manager_passwords.json.generated} before the start). Started before
 * the class's first test (building the cached Python environment with {@code python/venv.sh airflow} when needed),
 * ready once {@code /api/v2/monitor/health} says so and the test DAGs are parsed; stopped with every process it
 * started after the last test, also when tests fail.
 */
public final class AirflowServerExtension implements BeforeAllCallback, AfterAllCallback {
    /** The user the tests log in as (an admin). */
    public static final String USER = "admin";
    /** Its password. */
    public static final String PASSWORD = "ingot-" + UUID.randomUUID().toString().substring(0, 8);
    /** The DAGs of {@code ingot_test_dags.py}. */
    public static final Set<String> DAGS = Set.of("ingot_test_ok", "ingot_test_fail", "ingot_test_sleep",
            "ingot_test_paused");
    /** The DAG file that does not import. */
    public static final String BROKEN_FILE = "ingot_test_broken.py";
    /** Two cores shared by many: be patient on a first start, not forever. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int jwtSeconds;
    private final List<Process> processes = new ArrayList<>();
    private Path home;
    private int port;
    private Duration startTime;

    /** @param jwtSeconds how long the API's tokens live ({@code [api_auth] jwt_expiration_time}) */
    public AirflowServerExtension(int jwtSeconds) {
        this.jwtSeconds = jwtSeconds;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path venv = PythonVenvs.venv("airflow");
        long t0 = System.nanoTime();
        home = Files.createTempDirectory("ingot-airflow-");
        Path dags = home.resolve("dags");
        Files.createDirectories(dags);
        Path source = Path.of(AirflowServerExtension.class.getResource("/airflow-dags").toURI());
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dags.resolve(f.getFileName().toString()));
            }
        }
        Files.writeString(home.resolve("simple_auth_manager_passwords.json.generated"),
                JSON.createObjectNode().put(USER, PASSWORD).toString());
        port = PythonVenvs.freePort();
        try {
            run(venv, "migrate.log", "db", "migrate").waitFor(); // before the three, which would race to create it
            if (processes.remove(0).exitValue() != 0) {
                throw new IllegalStateException("airflow db migrate failed:\n" + tail("migrate.log"));
            }
            run(venv, "api-server.log", "api-server", "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--workers", "1");
            run(venv, "scheduler.log", "scheduler");
            run(venv, "dag-processor.log", "dag-processor");
            awaitReady();
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
        startTime = Duration.ofNanos(System.nanoTime() - t0);
        System.out.println("Airflow 3 ready on " + url() + " in " + startTime.toSeconds() + " s");
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    /** The API server's root, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** How long the start took (without building the Python environment). */
    public Duration startTime() {
        return startTime;
    }

    /**
     * How many requests the API server's access log holds with this method, path and status (e.g. {@code GET},
     * {@code /api/v2/dags/x}, 401).
     */
    public long requests(String method, String path, int status) throws IOException {
        Pattern line = Pattern.compile("method=" + Pattern.quote(method) + " path=" + Pattern.quote(path)
                + " .*status_code=" + status + "\\b");
        try (Stream<String> lines = Files.lines(home.resolve("api-server.log"), StandardCharsets.UTF_8)) {
            return lines.filter(l -> line.matcher(l).find()).count();
        }
    }

    private Process run(Path venv, String log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(venv.resolve("bin/airflow").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve(log).toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AIRFLOW"));
        env.put("PATH", venv.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("PYTHONUNBUFFERED", "1");
        env.put("AIRFLOW_HOME", home.toString());
        env.put("AIRFLOW__CORE__DAGS_FOLDER", home.resolve("dags").toString());
        env.put("AIRFLOW__CORE__LOAD_EXAMPLES", "False");
        env.put("AIRFLOW__CORE__EXECUTOR", "LocalExecutor");
        // LocalExecutor starts one worker process per parallelism slot (32 by default, ~130 MB each).
        env.put("AIRFLOW__CORE__PARALLELISM", "3");
        env.put("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite:///" + home.resolve("airflow.db"));
        env.put("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", USER + ":admin");
        // Tasks report to the execution API: on a port other than 8080 they must be told where it is.
        env.put("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", url() + "/execution/");
        env.put("AIRFLOW__API__BASE_URL", url());
        // One secret for all three processes (each would make its own otherwise).
        env.put("AIRFLOW__API_AUTH__JWT_SECRET", "ingot-test-" + home.getFileName());
        env.put("AIRFLOW__API__SECRET_KEY", "ingot-test-" + home.getFileName());
        env.put("AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME", Integer.toString(jwtSeconds));
        env.put("AIRFLOW__API_AUTH__JWT_LEEWAY", "0"); // else an expired token is accepted for 10 s more
        // New DAG files are looked for every 300 s by default.
        env.put("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "2");
        env.put("AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES", "1");
        env.put("AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC", "1");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String waitingFor = "GET /api/v2/monitor/health";
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("an Airflow process exited with code " + p.exitValue()
                            + " before Airflow was ready; logs:\n" + tail("api-server.log") + "\n" + tail("scheduler.log")
                            + "\n" + tail("dag-processor.log"));
                }
            }
            try {
                JsonNode health = get(http, "/api/v2/monitor/health", null);
                boolean healthy = health != null && Stream.of("metadatabase", "scheduler", "dag_processor")
                        .allMatch(c -> "healthy".equals(health.path(c).path("status").asText()));
                if (healthy) {
                    waitingFor = "the test DAGs to be parsed";
                    String token = JSON.readTree(post(http, "/auth/token",
                            JSON.createObjectNode().put("username", USER).put("password", PASSWORD).toString()))
                            .path("access_token").asText();
                    Set<String> dags = new HashSet<>();
                    get(http, "/api/v2/dags?limit=100", token).path("dags").forEach(d -> dags.add(d.path("dag_id").asText()));
                    Set<String> broken = new HashSet<>();
                    get(http, "/api/v2/importErrors", token).path("import_errors")
                            .forEach(e -> broken.add(e.path("filename").asText()));
                    if (dags.containsAll(DAGS) && broken.stream().anyMatch(f -> f.endsWith(BROKEN_FILE))) {
                        return;
                    }
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Airflow was not ready within " + START_TIMEOUT.toSeconds() + " s (waiting for "
                + waitingFor + "); logs:\n" + tail("api-server.log") + "\n" + tail("dag-processor.log"));
    }

    private JsonNode get(HttpClient http, String path, String token) throws IOException, InterruptedException,
            URISyntaxException {
        HttpRequest.Builder b = HttpRequest.newBuilder(new URI(url() + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(path + " answered " + r.statusCode());
        }
        return JSON.readTree(r.body());
    }

    private String post(HttpClient http, String path, String body) throws IOException, InterruptedException,
            URISyntaxException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(new URI(url() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private String tail(String log) throws IOException {
        Path f = home.resolve(log);
        if (!Files.exists(f)) {
            return "(no " + log + ")";
        }
        List<String> all = Files.readAllLines(f, StandardCharsets.UTF_8);
        return log + ":\n" + String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
    }

    /** Stops every process and its children (the executor's workers, running tasks), forcing what is left after 15 s. */
    private void stop() throws IOException, InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>();
        for (Process p : processes) {
            tree.addAll(p.descendants().toList());
            tree.add(p.toHandle());
        }
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (ProcessHandle h : tree) {
            long left = deadline - System.nanoTime();
            try {
                h.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (Exception stillAlive) {
                h.destroyForcibly();
            }
        }
        processes.clear();
        if (home != null) {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            home = null;
        }
    }
}
