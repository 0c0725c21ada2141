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
     * Every place under {@code root} that holds the token: files whose bytes contain it, and, since parquet pages are
     * compressed, every Delta table (all rows of every column as JSON, and its commit history) and every other
     * parquet file read back as rows.
     */
    private static List<String> holdersUnder(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        byte[] token = TOKEN.getBytes(StandardCharsets.UTF_8);
        List<Path> deltaTables = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.toList()) {
                if (Files.isDirectory(f) && Files.isDirectory(f.resolve("_delta_log"))) {
                    deltaTables.add(f);
                }
                if (Files.isRegularFile(f) && indexOf(Files.readAllBytes(f), token) >= 0) {
                    found.add(f.toString());
                }
            }
        }
        for (Path t : deltaTables) {
            String at = "delta.`" + t.toUri() + "`";
            if (rowsHold(spark.sql("SELECT * FROM " + at))) {
                found.add("rows of " + t);
            }
            if (rowsHold(spark.sql("DESCRIBE HISTORY " + at))) {
                found.add("history of " + t);
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".parquet")
                    && deltaTables.stream().noneMatch(f::startsWith)).toList()) {
                if (rowsHold(spark.read().parquet(f.toUri().toString()))) {
                    found.add("rows of " + f);
                }
            }
        }
        return found;
    }

    /** Whether any row, every column as JSON, holds the token (searched by Spark: the suite's tables may be big). */
    private static boolean rowsHold(Dataset<Row> rows) {
        return !rows.selectExpr("to_json(struct(*)) AS j").where(functions.instr(functions.col("j"), TOKEN).gt(0))
                .isEmpty();
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
                "rows of " + control.resolve("table"), "history of " + control.resolve("table"));
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
