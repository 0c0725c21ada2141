package dev.ingot.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged distribution as the integration tests run it: {@code bin/ingot}, the distribution's
 * {@code spark-submit} and other child processes, with one environment for all of them ({@link #childEnv}) and one
 * way to wait for them ({@link #run}). Needs {@code mvn package} (failsafe tests only).
 */
public final class Dist {
    /** The repository's root. */
    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** The distribution's folder (Spark's layout: bin, jars, conf, app). */
    public static final Path HOME = Path.of(System.getProperty("ingot.dist", "target/ingot-dist")).toAbsolutePath();
    /** The launcher users run. */
    public static final Path INGOT = ROOT.resolve("bin/ingot");
    /** Spark's launcher in the distribution. */
    public static final Path SPARK_SUBMIT = HOME.resolve("bin/spark-submit");
    /** The application jar, as {@code spark-submit} is given it. */
    public static final Path APP_JAR = HOME.resolve("app/ingot-jobs.jar");

    private Dist() {}

    /**
     * JVM options of the children's drivers: the client compiler only. A child runs for seconds to a minute on tiny
     * data, mostly planning, generating code and loading classes, so the server compiler's work seldom pays off and
     * takes CPU from the other test JVM and child on the 2 cores. Measured on the crash project's six commands
     * ({@code reliability.CrashIT}), one after another on an idle machine: 391 s of CPU and 227 s of wall time with both compilers,
     * 249 s and 211 s with this. A long-lived JVM is the other way round (ScoreCommandTest's JVM took 113 s with both
     * compilers, 193 s without the server one), so neither the test JVMs nor Ingot's own launcher use it.
     */
    public static final String CHILD_JVM_OPTIONS = "-XX:TieredStopAtLevel=1";

    /**
     * The environment of every child: this JVM's Java, Spark bound to the loopback address, a 1 GB driver (the
     * launcher's default is sized for a real machine), {@link #CHILD_JVM_OPTIONS} for the drivers that
     * {@code bin/ingot} ({@code INGOT_JAVA_OPTS}) and Spark's launcher ({@code SPARK_SUBMIT_OPTS}) start, and no Spark
     * installation of the machine ({@code SPARK_HOME}, {@code SPARK_CONF_DIR}), which would otherwise be used instead
     * of the distribution's.
     */
    public static Map<String, String> childEnv(Map<String, String> env) {
        env.remove("SPARK_HOME");
        env.remove("SPARK_CONF_DIR");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("INGOT_DRIVER_MEMORY", "1g");
        env.put("INGOT_JAVA_OPTS", CHILD_JVM_OPTIONS);
        env.put("SPARK_SUBMIT_OPTS", CHILD_JVM_OPTIONS);
        // Never the launcher's rebuild when a source is newer than the app jar: Maven built what the test runs, and a
        // rebuild under a running test replaces the jars its JVM reads (an edit during a long IT did just that).
        env.put("INGOT_NO_BUILD", "1");
        return env;
    }

    /** {@code bin/ingot ARGS} with {@link #childEnv}. */
    public static ProcessBuilder ingot(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(INGOT.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        childEnv(pb.environment());
        return pb;
    }

    /** {@code bin/ingot ARGS} with {@link #childEnv}. */
    public static ProcessBuilder ingot(String... args) {
        return ingot(List.of(args));
    }

    /** A finished child process: exit code, standard output, standard error, wall time. */
    public record Ran(int code, String out, String err, double seconds) {
        /** Output and error, for assertion messages. */
        public String all() {
            return out + "\n" + err;
        }
    }

    /**
     * Starts {@code pb} with its output and error in files of {@code dir} and waits for it; a child still running
     * after {@code timeout} is killed with its descendants and fails the test with what it printed.
     */
    public static Ran run(ProcessBuilder pb, Path dir, Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        long t0 = System.nanoTime();
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", pb.command()) + " did not end within " + timeout + ":\n"
                    + Files.readString(out) + "\n" + Files.readString(err));
        }
        return new Ran(p.exitValue(), Files.readString(out), Files.readString(err), (System.nanoTime() - t0) / 1e9);
    }
}
