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
 * A real Airflow for one test class, on 127.0.0.1 and a free port, with SQLite and {@code AIRFLOW_HOME} in a temporary
 * folder and the DAG files of {@code src/test/resources/airflow-dags}:
 * <ul>
 *   <li>Airflow 3 ({@link #airflow3}, {@code python/venv.sh airflow}): {@code api-server}, {@code scheduler}
 *   (LocalExecutor) and {@code dag-processor}; the simple auth manager's user {@value #USER} gets the password
 *   {@link #PASSWORD}, written to {@code simple_auth_manager_passwords.json.generated} before the start;</li>
 *   <li>Airflow 2.10 ({@link #airflow2}, {@code python/venv.sh airflow2}): {@code webserver} (one worker, basic
 *   authentication on {@code /api/v1}) and {@code scheduler} (SequentialExecutor, the only one SQLite allows); the
 *   user is made with {@code airflow users create}.</li>
 * </ul>
 * Started before the class's first test (building the cached Python environment when needed), ready once the health
 * endpoint says so and the test DAGs are parsed; stopped with every process it started after the last test, also
 * when tests fail.
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
    private static final String SERVER_LOG = "api-server.log";

    private final int major;
    private final int jwtSeconds;
    private final Path dagSource;
    private final Set<String> expectedDags;
    private final Map<String, String> taskEnv;
    private final List<Process> processes = new ArrayList<>();
    private Path home;
    private int port;
    private Duration startTime;
    private Path project;

    private AirflowServerExtension(int major, int jwtSeconds) {
        this(major, jwtSeconds, null, DAGS, Map.of());
    }

    private AirflowServerExtension(int major, int jwtSeconds, Path dagSource, Set<String> expectedDags,
                                   Map<String, String> taskEnv) {
        this.major = major;
        this.jwtSeconds = jwtSeconds;
        this.dagSource = dagSource;
        this.expectedDags = Set.copyOf(expectedDags);
        this.taskEnv = Map.copyOf(taskEnv);
    }

    /**
     * The same Airflow over another DAG folder, ready when it has parsed {@code dags} with no import error.
     *
     * @param folder the folder whose files (dot files included) are copied into the DAG folder
     * @param env more environment for Airflow's processes and so for the tasks (Variables as {@code AIRFLOW_VAR_*},
     *     connections as {@code AIRFLOW_CONN_*}); a {@code PATH} here goes before the Python environment's
     */
    public AirflowServerExtension withDags(Path folder, Set<String> dags, Map<String, String> env) {
        return new AirflowServerExtension(major, jwtSeconds, folder, dags, env);
    }

    /** Airflow 3. @param jwtSeconds how long the API's tokens live ({@code [api_auth] jwt_expiration_time}) */
    public static AirflowServerExtension airflow3(int jwtSeconds) {
        return new AirflowServerExtension(3, jwtSeconds);
    }

    /** Airflow 2.10. */
    public static AirflowServerExtension airflow2() {
        return new AirflowServerExtension(2, 0);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path venv = PythonVenvs.venv(major == 3 ? "airflow" : "airflow2");
        long t0 = System.nanoTime();
        home = Files.createTempDirectory("ingot-airflow-");
        Path dags = home.resolve("dags");
        Files.createDirectories(dags);
        Path source = dagSource != null ? dagSource
                : Path.of(AirflowServerExtension.class.getResource("/airflow-dags").toURI());
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().equals("__pycache__")).toList()) {
                Files.copy(f, dags.resolve(f.getFileName().toString()));
            }
        }
        Files.writeString(home.resolve("simple_auth_manager_passwords.json.generated"),
                JSON.createObjectNode().put(USER, PASSWORD).toString());
        port = PythonVenvs.freePort();
        try {
            once(venv, "migrate.log", "db", "migrate"); // before the servers, which would race to create the database
            if (major == 3) {
                run(venv, SERVER_LOG, "api-server", "--host", "127.0.0.1", "--port", Integer.toString(port),
                        "--workers", "1");
                run(venv, "scheduler.log", "scheduler");
                run(venv, "dag-processor.log", "dag-processor");
            } else {
                once(venv, "users.log", "users", "create", "--username", USER, "--password", PASSWORD, "--role", "Admin",
                        "--email", "admin@example.com", "--firstname", "Ingot", "--lastname", "Test");
                run(venv, SERVER_LOG, "webserver", "--hostname", "127.0.0.1", "--port", Integer.toString(port));
                run(venv, "scheduler.log", "scheduler");
            }
            awaitReady();
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
        startTime = Duration.ofNanos(System.nanoTime() - t0);
        project = AirflowCli.plant(home.resolve("project"), url());
        System.out.println("Airflow " + major + " ready on " + url() + " in " + startTime.toSeconds() + " s");
    }

    /** Runs an {@code airflow} command to its end. */
    private void once(Path venv, String log, String... args) throws IOException, InterruptedException {
        Process p = run(venv, log, args);
        processes.remove(p);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("airflow " + args[0] + " " + args[1] + " failed:\n" + tail(log));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    /** The API server's root, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * A project whose {@code ingot.yaml} names this server, its password read from the environment
     * ({@link AirflowCli#VAR}, planted for the class's tests; a wrong one in {@link AirflowCli#WRONG_VAR}).
     */
    public Path project() {
        return project;
    }

    /** The folder Airflow reads DAG files from: a test may add files, or break them. */
    public Path dagsFolder() {
        return home.resolve("dags");
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
        try (Stream<String> lines = Files.lines(home.resolve(SERVER_LOG), StandardCharsets.UTF_8)) {
            return lines.filter(l -> line.matcher(l).find()).count();
        }
    }

    /**
     * A POST to the API as {@value #USER} (Airflow 3: with a fresh token), for what the client has no call for, e.g.
     * {@code /api/v2/dags/D/clearTaskInstances}. @return the answer's body; any status but 200 and 201 is an error
     */
    public String post(String path, String json) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(new URI(url() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", authorization(http))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 && r.statusCode() != 201) {
            throw new IllegalStateException("POST " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private Process run(Path venv, String log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(venv.resolve("bin/airflow").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve(log).toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AIRFLOW"));
        env.put("PATH", (taskEnv.containsKey("PATH") ? taskEnv.get("PATH") + ":" : "") + venv.resolve("bin") + ":"
                + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("PYTHONUNBUFFERED", "1");
        env.put("AIRFLOW_HOME", home.toString());
        env.put("AIRFLOW__CORE__DAGS_FOLDER", home.resolve("dags").toString());
        env.put("AIRFLOW__CORE__LOAD_EXAMPLES", "False");
        env.put("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite:///" + home.resolve("airflow.db"));
        if (major == 3) {
            env.put("AIRFLOW__CORE__EXECUTOR", "LocalExecutor");
            // LocalExecutor starts one worker process per parallelism slot (32 by default, ~130 MB each).
            env.put("AIRFLOW__CORE__PARALLELISM", "3");
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
            // A changed file is parsed again after this many seconds (30 by default).
            env.put("AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL", "10");
        } else {
            env.put("AIRFLOW__CORE__EXECUTOR", "SequentialExecutor");
            env.put("AIRFLOW__API__AUTH_BACKENDS", "airflow.api.auth.backend.basic_auth");
            env.put("AIRFLOW__WEBSERVER__WORKERS", "1");
            env.put("AIRFLOW__WEBSERVER__SECRET_KEY", "ingot-test-" + home.getFileName());
            env.put("AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL", "2");
            env.put("AIRFLOW__SCHEDULER__PARSING_PROCESSES", "1");
        }
        env.put("AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC", "1");
        taskEnv.forEach((k, v) -> {
            if (!k.equals("PATH")) {
                env.put(k, v);
            }
        });
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String waitingFor = "the health endpoint";
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("an Airflow process exited with code " + p.exitValue()
                            + " before Airflow was ready; logs:\n" + tail(SERVER_LOG) + "\n" + tail("scheduler.log")
                            + "\n" + tail("dag-processor.log"));
                }
            }
            try {
                JsonNode health = get(http, major == 3 ? "/api/v2/monitor/health" : "/health", null);
                boolean healthy = health != null && Stream.of("metadatabase", "scheduler", major == 3 ? "dag_processor"
                        : "metadatabase").allMatch(c -> "healthy".equals(health.path(c).path("status").asText()));
                if (healthy) {
                    waitingFor = "the test DAGs to be parsed";
                    String auth = authorization(http);
                    String api = major == 3 ? "/api/v2" : "/api/v1";
                    Set<String> dags = new HashSet<>();
                    get(http, api + "/dags?limit=100", auth).path("dags").forEach(d -> dags.add(d.path("dag_id").asText()));
                    Set<String> broken = new HashSet<>();
                    get(http, api + "/importErrors", auth).path("import_errors")
                            .forEach(e -> broken.add(e.path("filename").asText()));
                    boolean ours = dagSource == null;
                    if (dags.containsAll(expectedDags) && (ours ? broken.stream().anyMatch(f -> f.endsWith(BROKEN_FILE))
                            : broken.isEmpty())) {
                        return;
                    }
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Airflow was not ready within " + START_TIMEOUT.toSeconds() + " s (waiting for "
                + waitingFor + "); logs:\n" + tail(SERVER_LOG) + "\n" + tail("scheduler.log") + "\n" + tail("dag-processor.log"));
    }

    /** The Authorization header's value: a token from {@code POST /auth/token} (Airflow 3), or basic (Airflow 2). */
    private String authorization(HttpClient http) throws IOException, InterruptedException, URISyntaxException {
        if (major == 2) {
            return "Basic " + java.util.Base64.getEncoder().encodeToString((USER + ":" + PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
        }
        return "Bearer " + JSON.readTree(post(http, "/auth/token", JSON.createObjectNode().put("username", USER)
                .put("password", PASSWORD).toString())).path("access_token").asText();
    }

    private JsonNode get(HttpClient http, String path, String authorization) throws IOException, InterruptedException,
            URISyntaxException {
        HttpRequest.Builder b = HttpRequest.newBuilder(new URI(url() + path)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
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
    private void stop() throws Exception {
        AirflowCli.unplant();
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
