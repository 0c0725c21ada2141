package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.training.FakeHttpServer;
import dev.ingot.core.TestEnvironment;
import dev.ingot.training.MlflowServerExtension;
import dev.ingot.training.TrackingStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token planted in the environment that {@code ingot.yaml} reads ({@code ${env:...}}: the MLflow token, and a Spark
 * conf secret) never appears in anything {@code train} produces: standard output and error, every log line (all
 * loggers at INFO, Ingot's at DEBUG), every row and commit of every Delta table and every file under the warehouse
 * (artifacts, model card, charts, Spark ML files, parquet read back as rows), everything the MLflow server stored
 * (its SQLite database and artifact files, and the run's params, tags and metrics read over its REST API), and the
 * errors of a server that is unreachable or refuses the token. Both backends.
 */
class TrainSecretsTest {
    @RegisterExtension
    static final MlflowServerExtension MLFLOW = new MlflowServerExtension();

    /** Random per run, so that no file of an earlier run or another test can hold it by accident. */
    private static final String TOKEN = "planted-" + UUID.randomUUID().toString().replace("-", "");
    private static final String VAR = "INGOT_TEST_PLANTED_TOKEN";
    private static final String TABLE = "cli_secret.ts";
    private static final ObjectMapper JSON = TrainProjects.JSON;
    private static SparkSession spark;
    private static Path dir;

    @BeforeAll
    static void plantAndWriteData(@TempDir Path tmp) throws Exception {
        dir = tmp;
        environment().put(VAR, TOKEN);
        spark = TestSpark.session();
        TrainProjects.orders(TABLE, 120);
    }

    @AfterAll
    static void unplant() throws Exception {
        environment().remove(VAR);
        // The Spark conf secret went into the shared session's conf: leave nothing for other test classes.
        spark.conf().unset("spark.hadoop.fs.s3a.secret.key");
    }

    private static Map<String, String> environment() throws ReflectiveOperationException {
        return TestEnvironment.writable();
    }

    /** A project whose {@code ingot.yaml} takes the token from the environment. */
    private static Path project(String name, String tracking) throws IOException {
        return TrainProjects.write(dir, name, TABLE, tracking + "spark:\n  conf:\n    spark.hadoop.fs.s3a.secret.key: "
                + "${env:" + VAR + "}\n", """
                algorithm:
                  type: gbt_classifier
                  params: {maxIter: 5, maxDepth: 2}
                test_window: 6d
                """);
    }

    private static String mlflow(String uri) {
        return "tracking:\n  type: mlflow\n  uri: " + uri + "\n  token: ${env:" + VAR + "}\n";
    }

    /** What one command printed and logged. */
    private record Outputs(Result result, String logs) {
        String all() {
            return result.out() + "\n" + result.err() + "\n" + logs;
        }
    }

    /** Runs a command with every logger at INFO at least (Ingot's at DEBUG), keeping every log line. */
    private static Outputs logged(String... args) {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        StringWriter logs = new StringWriter();
        WriterAppender appender = WriterAppender.newBuilder().setName("secrets-" + UUID.randomUUID())
                .setTarget(new PrintWriter(logs, true))
                .setLayout(PatternLayout.newBuilder().withPattern("%p %c: %m%n%ex").build()).build();
        appender.start();
        LoggerConfig root = config.getRootLogger();
        LoggerConfig ingot = config.getLoggerConfig("dev.ingot");
        Level rootLevel = root.getLevel();
        Level ingotLevel = ingot.getLevel();
        root.addAppender(appender, Level.ALL, null);
        root.setLevel(Level.INFO);
        // dev.ingot is additive: its events reach the root's appenders, this one included.
        ingot.setLevel(Level.DEBUG);
        ctx.updateLoggers();
        try {
            return new Outputs(run(args), logs.toString());
        } finally {
            root.removeAppender(appender.getName());
            root.setLevel(rootLevel);
            ingot.setLevel(ingotLevel);
            ctx.updateLoggers();
            appender.stop();
        }
    }

    /**
     * Every place under {@code root} that holds the token: files whose bytes contain it (a Delta table's commit
     * history among them: its commit files, {@code _delta_log/*.json}, are plain JSON, which DESCRIBE HISTORY only
     * parses), and, since parquet pages are compressed, every Delta table (all rows of every column as JSON) and every
     * other parquet file read back as rows.
     */
    private static List<String> holdersUnder(Path root) throws IOException {
        return holdersUnder(root, List.of(TOKEN));
    }

    /** {@link #holdersUnder(Path)} for several texts at once: each holder with the text it holds. */
    private static List<String> holdersUnder(Path root, List<String> needles) throws IOException {
        List<String> found = new ArrayList<>();
        List<byte[]> tokens = needles.stream().map(n -> n.getBytes(StandardCharsets.UTF_8)).toList();
        List<Path> deltaTables = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.toList()) {
                if (Files.isDirectory(f) && Files.isDirectory(f.resolve("_delta_log"))) {
                    deltaTables.add(f);
                }
                if (Files.isRegularFile(f)) {
                    byte[] data = Files.readAllBytes(f);
                    for (int i = 0; i < tokens.size(); i++) {
                        if (indexOf(data, tokens.get(i)) >= 0) {
                            found.add(f + (needles.size() == 1 ? "" : " holds " + needles.get(i)));
                        }
                    }
                }
            }
        }
        for (Path t : deltaTables) {
            String at = "delta.`" + t.toUri() + "`";
            if (rowsHold(spark.sql("SELECT * FROM " + at), needles)) {
                found.add("rows of " + t);
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".parquet")
                    && deltaTables.stream().noneMatch(f::startsWith)).toList()) {
                if (rowsHold(spark.read().parquet(f.toUri().toString()), needles)) {
                    found.add("rows of " + f);
                }
            }
        }
        return found;
    }

    /** Whether any row, every column as JSON, holds the token (searched by Spark: the suite's tables may be big). */
    private static boolean rowsHold(Dataset<Row> rows, List<String> needles) {
        org.apache.spark.sql.Column any = functions.lit(false);
        for (String n : needles) {
            any = any.or(functions.instr(functions.col("j"), n).gt(0));
        }
        return !rows.selectExpr("to_json(struct(*)) AS j").where(any).isEmpty();
    }

    private static int indexOf(byte[] data, byte[] what) {
        outer:
        for (int i = 0; i <= data.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (data[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static JsonNode get(String path, Map<String, String> query) throws Exception {
        return TrainProjects.mlflowGet(MLFLOW.uri(), path, query);
    }

    @Test
    void theSearchFindsAPlantedCopyInAFileADeltaTableAndItsHistory() throws Exception {
        Path control = dir.resolve("control");
        spark.sql("SELECT 1 AS id, '" + TOKEN + "' AS note").write().format("delta")
                .option("userMetadata", "by " + TOKEN).save(control.resolve("table").toString());
        TestFiles.write(control, "report.md", "token: " + TOKEN + "\n");
        assertThat(holdersUnder(control)).contains(control.resolve("report.md").toString(),
                "rows of " + control.resolve("table"),
                control.resolve("table/_delta_log/00000000000000000000.json").toString());
    }

    @Test
    void theLocalBackendKeepsThePlantedTokenOutOfEveryOutput() throws Exception {
        Path p = project("secret_local", "");
        Outputs train = logged("train", "--project", p.toString(), "--model", "secret_local", "--training-set", TABLE);
        assertThat(train.result().code()).as(train.all()).isZero();
        assertThat(spark.conf().get("spark.hadoop.fs.s3a.secret.key"))
                .as("the planted value reached the session, so it could have leaked").isEqualTo(TOKEN);
        assertThat(train.logs()).as("logs were captured").contains("dev.ingot");
        assertThat(train.all()).doesNotContain(TOKEN);
        Result show = run("models", "show", "--project", p.toString(), "secret_local@challenger", "--format", "json");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out() + show.err()).doesNotContain(TOKEN);
        assertThat(holdersUnder(TestSpark.warehouse())).as("warehouse files, Delta rows and history").isEmpty();
    }

    @Test
    void theMlflowBackendKeepsThePlantedTokenOutOfEveryOutput() throws Exception {
        Path p = project("secret_mlflow", mlflow(MLFLOW.uri()));
        Outputs train = logged("train", "--project", p.toString(), "--model", "secret_mlflow", "--training-set", TABLE);
        assertThat(train.result().code()).as(train.all()).isZero();
        assertThat(train.all()).doesNotContain(TOKEN);
        Result show = run("models", "show", "--project", p.toString(), "secret_mlflow@challenger", "--format", "json");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out() + show.err()).doesNotContain(TOKEN);
        String runId = JSON.readTree(show.out()).path("run_id").asText();

        // What MLflow shows: the run's params, tags and metrics, the version, and everything the server stored.
        String runJson = get("/api/2.0/mlflow/runs/get", Map.of("run_id", runId)).toString();
        assertThat(runJson).contains("ingot.training_set").doesNotContain(TOKEN);
        assertThat(get("/api/2.0/mlflow/model-versions/search", Map.of("filter", "name='secret_mlflow'")).toString())
                .contains(runId).doesNotContain(TOKEN);
        assertThat(holdersUnder(MLFLOW.directory())).as("the server's database and artifact files").isEmpty();
        assertThat(holdersUnder(TestSpark.warehouse())).as("warehouse files, Delta rows and history").isEmpty();
    }

    @Test
    void aServerThatIsUnreachableOrRefusesTheTokenFailsWithoutShowingIt() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path down = project("secret_down", mlflow("http://127.0.0.1:" + port));
        Outputs unreachable = logged("train", "--project", down.toString(), "--model", "secret_down",
                "--training-set", TABLE);
        assertThat(unreachable.result().code()).as(unreachable.all()).isEqualTo(2);
        assertThat(unreachable.result().err()).contains("unreachable");
        assertThat(unreachable.all()).doesNotContain(TOKEN);
        assertThat(rawFailure("http://127.0.0.1:" + port)).contains("unreachable");

        try (FakeHttpServer refusing = new FakeHttpServer(n -> new FakeHttpServer.Answer(401, "application/json",
                "{\"error_code\": \"UNAUTHENTICATED\", \"message\": \"bad token\"}"))) {
            Path refused = project("secret_refused", mlflow(refusing.uri()));
            Outputs refusal = logged("train", "--project", refused.toString(), "--model", "secret_refused",
                    "--training-set", TABLE);
            assertThat(refusal.result().code()).as(refusal.all()).isEqualTo(2);
            assertThat(refusal.result().err()).contains("refused the credentials");
            assertThat(refusal.all()).doesNotContain(TOKEN);
            assertThat(refusing.received().get(0).authorization()).as("the token was sent")
                    .isEqualTo("Bearer " + TOKEN);

            assertThat(rawFailure(refusing.uri())).contains("refused the credentials");
        }
    }


    /** A random secret with characters that base64 and URL encoding change ('+', '/', '@', '='). */
    private static String secret(String what) {
        return "pl@nted+" + what + "/" + UUID.randomUUID().toString().replace("-", "") + "=";
    }

    /** What a secret may leak as: itself, its base64 (basic authentication, JWT parts) and its URL encoding. */
    private static List<String> forms(String secret) {
        return List.of(secret, java.util.Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)),
                java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8));
    }

    /** One request the fake Airflow received. */
    private record Request(String method, String path, String authorization, String body) {}

    /**
     * Issue 17, item 5: distinct secrets planted in every secret setting a command here can read (the MLflow token,
     * the Airflow password, the SQL server's password and a Spark conf secret from the environment, the signing key
     * from a secrets file, {@code signing.private_key_file}), then every command that runs here: {@code features
     * materialize} through a quarantine suite, {@code validate} (HTML report), {@code training-set}, {@code train}
     * (MLflow, signed), {@code models list/show}, {@code score} of the registry version, {@code sql}, {@code airflow
     * trigger/status} against a fake Airflow 3 that records every request, and {@code sql-server --dry-run}. None of
     * the secrets, nor their base64 or URL-encoded forms, is in any command's output or log, any file of the warehouse,
     * the project or MLflow's store (Delta rows and commit history and parquet read as rows), the MLflow run, or what
     * Airflow received but the token request that must carry the password.
     */
    @Test
    void everyCommandKeepsEverySecretOutOfEveryOutput() throws Exception {
        String trackingToken = secret("tracking");
        String airflowPassword = secret("airflow");
        String sqlPassword = secret("sql");
        java.security.KeyPair key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String privateKey = java.util.Base64.getEncoder().encodeToString(key.getPrivate().getEncoded());
        Map<String, String> vars = Map.of("INGOT_TEST_ALL_TRACKING", trackingToken, "INGOT_TEST_ALL_AIRFLOW",
                airflowPassword, "INGOT_TEST_ALL_SQL", sqlPassword);
        environment().putAll(vars);
        List<Request> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer airflow = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        airflow.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            received.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Authorization"), body));
            String run = "{\"dag_id\": \"d\", \"dag_run_id\": \"manual__1\", \"state\": \"success\", "
                    + "\"logical_date\": null, \"conf\": {\"day\": \"2026-01-05\"}}";
            String answer = path.equals("/auth/token") ? "{\"access_token\": \"jwt-for-the-test\"}"
                    : exchange.getRequestMethod().equals("POST") ? run
                    : path.endsWith("/taskInstances") ? "{\"task_instances\": [], \"total_entries\": 0}"
                    : path.endsWith("/dagRuns") ? "{\"dag_runs\": [" + run + "], \"total_entries\": 1}" : run;
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(path.equals("/auth/token") ? 201 : 200, bytes.length);
            try (var out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        airflow.start();
        try {
            Path p = TrainProjects.write(dir, "secret_all", TABLE, mlflow(MLFLOW.uri()).replace(VAR,
                    "INGOT_TEST_ALL_TRACKING") + "spark:\n  conf:\n    spark.hadoop.fs.s3a.secret.key: ${env:" + VAR + "}\n"
                    + "signing:\n  private_key_file: secrets/signing.key\n"
                    + "airflow:\n  url: http://127.0.0.1:" + airflow.getAddress().getPort() + "\n  username: admin\n"
                    + "  password: ${env:INGOT_TEST_ALL_AIRFLOW}\n  version: 3\n"
                    + "sql_server:\n  auth: password\n  username: analyst\n  password: ${env:INGOT_TEST_ALL_SQL}\n", """
                    algorithm:
                      type: logistic_regression
                      params: {maxIter: 5}
                    test_window: 6d
                    """);
            TestFiles.write(p, "secrets/signing.key", privateKey + "\n");
            TestFiles.write(p, "checks/orders.yaml", "table: " + TABLE + "\npolicy: quarantine\nchecks:\n"
                    + "  - kind: completeness\n    column: spend_1d\n    severity: warning\n"
                    + "  - kind: uniqueness\n    columns: [order_id]\n");
            // A spine without the feature's own column (the orders table has spend_1d, which would clash).
            spark.table(TABLE).select("order_id", "customer_id", "ts", "label").write().format("delta")
                    .mode("overwrite").saveAsTable("cli_secret.all_spine");
            String proj = p.toString();
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            List<List<String>> commands = List.of(
                    List.of("features", "materialize", "--project", proj, "--from", "2026-01-01", "--to", "2026-01-12"),
                    List.of("validate", "--project", proj, "--table", TABLE, "--suite", "orders"),
                    List.of("training-set", "--project", proj, "--spine", "cli_secret.all_spine", "--features",
                            "secret_all_spend", "--out", "cli_secret.all_ts"),
                    List.of("train", "--project", proj, "--model", "secret_all", "--training-set", TABLE),
                    List.of("models", "list", "--project", proj),
                    List.of("models", "show", "--project", proj, "secret_all@challenger", "--format", "json"),
                    List.of("score", "--project", proj, "--model", "secret_all@challenger", "--input", TABLE,
                            "--out", "secret_all", "--date", "2026-11-30", "--nulls", "quarantine"),
                    List.of("sql", "--project", proj, "SELECT count(*) AS n FROM " + TABLE),
                    List.of("airflow", "trigger", "d", "--project", proj, "--conf", "{\"day\": \"2026-01-05\"}"),
                    List.of("airflow", "status", "d", "--project", proj),
                    List.of("sql-server", "--project", proj, "--port", "" + port, "--dry-run"));
            List<String> needles = new ArrayList<>();
            for (String secret : List.of(TOKEN, trackingToken, airflowPassword, sqlPassword, privateKey)) {
                needles.addAll(forms(secret));
            }
            StringBuilder printed = new StringBuilder();
            for (List<String> c : commands) {
                Outputs o = logged(c.toArray(String[]::new));
                assertThat(o.result().code()).as(String.join(" ", c) + ":\n" + o.all()).isZero();
                printed.append(o.all()).append('\n');
            }
            String all = printed.toString();
            assertThat(all).as("logs were captured").contains("dev.ingot");
            for (String n : needles) {
                assertThat(all).as("standard output, error and logs of every command").doesNotContain(n);
            }

            // Each secret was used, so each could have leaked.
            assertThat(received.stream().filter(r -> r.path().equals("/auth/token")).map(Request::body).toList())
                    .as("the Airflow password was sent to get a token").isNotEmpty()
                    .allMatch(body -> body.contains(airflowPassword));
            assertThat(received).as("Airflow received the trigger").anyMatch(r -> r.method().equals("POST")
                    && r.path().equals("/api/v2/dags/d/dagRuns") && r.body().contains("2026-01-05"));
            assertThat(spark.conf().get("spark.hadoop.fs.s3a.secret.key")).isEqualTo(TOKEN);
            String show = run("models", "show", "--project", proj, "secret_all@challenger", "--format", "json").out();
            assertThat(show).as("the version was signed with the planted key").contains("ingot.onnx_signature");
            String runId = JSON.readTree(show).path("run_id").asText();
            String runJson = get("/api/2.0/mlflow/runs/get", Map.of("run_id", runId)).toString();

            // What Airflow received but the password's own request; the MLflow run; every file of every store.
            List<String> leaks = new ArrayList<>();
            for (String n : needles) {
                received.stream().filter(r -> !r.path().equals("/auth/token"))
                        .filter(r -> (r.path() + r.body() + r.authorization()).contains(n))
                        .forEach(r -> leaks.add("Airflow request " + r.method() + " " + r.path()));
                if (runJson.contains(n)) {
                    leaks.add("MLflow run " + runId);
                }
            }
            leaks.addAll(holdersUnder(TestSpark.warehouse(), needles));
            leaks.addAll(holdersUnder(p, needles).stream().filter(h -> !h.startsWith(p.resolve("secrets").toString()))
                    .toList());
            leaks.addAll(holdersUnder(MLFLOW.directory(), needles));
            assertThat(leaks).as("places that hold a planted secret").isEmpty();
            assertThat(holdersUnder(p, needles)).as("the search finds the key in its own secrets file")
                    .anyMatch(h -> h.startsWith(p.resolve("secrets").toString()));
        } finally {
            airflow.stop(0);
            vars.keySet().forEach(k -> {
                try {
                    environment().remove(k);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    /**
     * The exception itself, before the command line masks registered secrets: opening a store with a token that was
     * never registered as a secret (not from the environment); its message, causes and stack trace must not hold it.
     */
    private static String rawFailure(String uri) {
        String raw = "raw-" + UUID.randomUUID();
        Throwable e = catchThrowable(() -> TrackingStore.open(new TrackingSettings(TrackingSettings.Kind.MLFLOW,
                Optional.of(uri), Optional.of(dev.ingot.core.config.Secret.literal(raw)), Optional.empty()), null, null));
        assertThat(e).as("opening the store fails").isNotNull();
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(raw);
        return trace.toString();
    }
}
