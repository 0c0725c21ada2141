package dev.ingot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command refuses a bad argument before it opens a SparkSession: each case runs {@code IngotMain} as its own
 * process (a JVM in which no session exists, as bin/ingot and spark-submit run it) with a warehouse that does not
 * exist, and asserts the process's real exit code (2), the message, and that the warehouse is still absent: opening
 * a session creates it (the embedded metastore, Derby's home), so a check made after Spark started would leave it.
 */
class ArgumentsBeforeSparkTest {
    private static final String RETAIL = "../examples/retail";

    static Stream<Arguments> badArguments() {
        return Stream.of(
                bad("features materialize --chunk 0", List.of("--chunk", "positive number of ticks"),
                        "features", "materialize", "--project", RETAIL, "--from", "2026-01-01", "--to", "2026-01-05",
                        "--chunk", "0"),
                bad("features materialize --from after --to", List.of("--from before --to"),
                        "features", "materialize", "--project", RETAIL, "--from", "2026-02-01", "--to", "2026-01-01"),
                bad("features materialize --from off the views' cadence", List.of("--from/--to", "cadence"),
                        "features", "materialize", "--project", RETAIL, "--from", "2026-01-01T06:30:00Z", "--to",
                        "2026-01-05"),
                bad("features materialize --gpu sometimes", List.of("sometimes", "auto|on|off"),
                        "features", "materialize", "--project", RETAIL, "--from", "2026-01-01", "--to", "2026-01-05",
                        "--gpu", "sometimes"),
                // This machine has no GPU, and the test class path has neither RAPIDS nor ONNX Runtime's GPU build.
                bad("features materialize --gpu on without a GPU", List.of("GPU policy is 'on' but this run is missing",
                                "a GPU (nvidia-smi found none on this machine)",
                                "the RAPIDS jar (com.nvidia.spark.SQLPlugin is not on the class path)",
                                "ONNX Runtime's CUDA provider", "--gpu auto/off"),
                        "features", "materialize", "--project", RETAIL, "--from", "2026-01-01", "--to", "2026-01-05",
                        "--gpu", "on"),
                bad("score --gpu on without a GPU", List.of("GPU policy is 'on' but this run is missing",
                                "a GPU (nvidia-smi found none on this machine)", "the RAPIDS jar",
                                "ONNX Runtime's CUDA provider", "--gpu auto/off"),
                        "score", "--project", RETAIL, "--model", "fraud@champion", "--input", "raw.transactions",
                        "--out", "fraud", "--gpu", "on"),
                bad("validate --gpu on without a GPU", List.of("GPU policy is 'on' but this run is missing",
                                "a GPU (nvidia-smi found none on this machine)", "the RAPIDS jar",
                                "ONNX Runtime's CUDA provider", "--gpu auto/off"),
                        "validate", "--project", RETAIL, "--table", "raw.transactions", "--gpu", "on"),
                bad("sql-server --port 0", List.of("--port", "a TCP port from 1 to 65535"),
                        "sql-server", "--project", RETAIL, "--port", "0"),
                bad("features history of an unknown view", List.of("Unknown feature view 'nope'"),
                        "features", "history", "--project", RETAIL, "--view", "nope"),
                bad("training-set --timestamp that is no column", List.of("--timestamp", "event time"),
                        "training-set", "--project", RETAIL, "--spine", "ml.spine", "--timestamp", "event time",
                        "--features", "customer_spend", "--out", "ml.ts"),
                bad("training-set of an unknown view", List.of("Unknown feature view 'customer_spnd'"),
                        "training-set", "--project", RETAIL, "--spine", "ml.spine", "--features", "customer_spnd",
                        "--out", "ml.ts"),
                bad("validate --table of an unknown view", List.of("--table", "customer_spnd"),
                        "validate", "--project", RETAIL, "--table", "customer_spnd"),
                bad("validate --suite unknown", List.of("Unknown quality suite 'nope'"),
                        "validate", "--project", RETAIL, "--table", "raw.transactions", "--suite", "nope"),
                bad("demo --rows 12", List.of("--rows", "1000 to 100000000"), "demo", "--rows", "12"),
                bad("demo --gpu sometimes", List.of("sometimes", "auto|on|off"), "demo", "--gpu", "sometimes"),
                bad("demo --chunk 0", List.of("--chunk", "a positive number of ticks"), "demo", "--chunk", "0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArguments")
    void refusedWithExitCode2BeforeSparkStarts(String what, List<String> expected, List<String> args,
                                               @TempDir Path tmp) throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        List<String> cmd = new ArrayList<>(args);
        cmd.add("--warehouse");
        cmd.add(warehouse.toString());
        Process p = start(cmd, tmp);
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String err = Files.readString(tmp.resolve("stderr.txt"), StandardCharsets.UTF_8);
        assertThat(ended).as(what + ": ended (a refused argument takes a second, not a Spark start)").isTrue();
        assertThat(p.exitValue()).as(what + ":\n" + err).isEqualTo(2);
        assertThat(err).as(what).contains(expected);
        assertThat(warehouse).as(what + ": nothing was written, no session was opened").doesNotExist();
    }

    /** Set in the children's environment only: {@link #SECRETS}' airflow.password, which no case below uses. */
    private static final String PLANTED = "planted-airflow-pw-" + java.util.UUID.randomUUID();
    private static final String PLANTED_VAR = "INGOT_TEST_PLANTED_AIRFLOW_PASSWORD";

    /**
     * A project whose secrets that only some commands use come from variables that are not set (but the Airflow
     * password's, which is set and which no case uses), written once per JVM.
     */
    private static final Path SECRETS = secretsProject();

    private static Path secretsProject() {
        try {
            Path p = Files.createTempDirectory("ingot-secrets-project");
            p.toFile().deleteOnExit();
            Files.writeString(p.resolve("ingot.yaml"), """
                    name: secrets
                    tracking:
                      type: mlflow
                      uri: http://127.0.0.1:9
                      token: ${env:INGOT_TEST_UNSET_TOKEN}
                    signing:
                      private_key: ${env:INGOT_TEST_UNSET_SIGNING_KEY}
                    sql_server:
                      auth: password
                      username: analyst
                      password: ${env:INGOT_TEST_UNSET_SQL_PASSWORD}
                    airflow:
                      url: http://127.0.0.1:9
                      username: admin
                      password: ${env:%s}
                    """.formatted(PLANTED_VAR));
            p.resolve("ingot.yaml").toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Stream<Arguments> unsetSecrets() {
        String project = SECRETS.toString();
        return Stream.of(
                bad("sql-server without sql_server.password's variable", List.of("ingot.yaml: sql_server.password",
                        "environment variable INGOT_TEST_UNSET_SQL_PASSWORD", "is not set"),
                        "sql-server", "--project", project, "--port", "10123"),
                bad("train without tracking.token's and signing.private_key's variables, both at once",
                        List.of("2 problems", "ingot.yaml: tracking.token", "INGOT_TEST_UNSET_TOKEN",
                                "ingot.yaml: signing.private_key", "INGOT_TEST_UNSET_SIGNING_KEY"),
                        "train", "--project", project, "--model", "churn"),
                bad("score of a registry version without tracking.token's variable", List.of(
                        "ingot.yaml: tracking.token", "environment variable INGOT_TEST_UNSET_TOKEN"),
                        "score", "--project", project, "--model", "churn@champion", "--input", "raw.customers",
                        "--out", "churn"),
                bad("models list without tracking.token's variable", List.of("ingot.yaml: tracking.token",
                        "INGOT_TEST_UNSET_TOKEN"), "models", "list", "--project", project));
    }

    /**
     * A command that uses a secret whose variable is not set refuses with exit 2, naming the file, the key and the
     * variable, before a session opens; a secret it does not use (the planted Airflow password) is neither asked for
     * nor printed.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("unsetSecrets")
    void anUnsetSecretOfTheCommandIsRefusedBeforeSparkStarts(String what, List<String> expected, List<String> args,
                                                             @TempDir Path tmp) throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        List<String> cmd = new ArrayList<>(args);
        cmd.add("--warehouse");
        cmd.add(warehouse.toString());
        Process p = start(cmd, tmp, java.util.Map.of(PLANTED_VAR, PLANTED));
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String err = Files.readString(tmp.resolve("stderr.txt"), StandardCharsets.UTF_8);
        String out = Files.readString(tmp.resolve("stdout.txt"), StandardCharsets.UTF_8);
        assertThat(ended).as(what + ": ended (a refused argument takes a second, not a Spark start)").isTrue();
        assertThat(p.exitValue()).as(what + ":\n" + err).isEqualTo(2);
        assertThat(err).as(what).contains(expected).doesNotContain("airflow.password");
        assertThat(out + err).as(what + ": no secret is printed").doesNotContain(PLANTED);
        assertThat(warehouse).as(what + ": nothing was written, no session was opened").doesNotExist();
    }

    private static Process start(List<String> args, Path tmp) throws IOException {
        return start(args, tmp, java.util.Map.of());
    }

    /** {@code java -cp <the test class path> dev.ingot.jobs.IngotMain args}, in this module's directory. */
    private static Process start(List<String> args, Path tmp, java.util.Map<String, String> env) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // Flags for a quick start: each process should only parse, load the project and refuse.
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Dspark.ui.enabled=false"));
        // The same --add-opens as this JVM: should a check regress, Spark must start as it would for a user.
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens"))
                .forEach(cmd::add);
        cmd.addAll(List.of("-cp", classPath, IngotMain.class.getName()));
        cmd.addAll(args);
        ProcessBuilder b = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir")))
                .redirectOutput(tmp.resolve("stdout.txt").toFile()).redirectError(tmp.resolve("stderr.txt").toFile());
        b.environment().putAll(env);
        return b.start();
    }

    private static Arguments bad(String what, List<String> expected, String... args) {
        return Arguments.of(what, expected, List.of(args));
    }
}
