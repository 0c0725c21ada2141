package dev.ingot.core;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Another JVM on the test's class path, for what only a second process shows (OS file locks, what a command leaves
 * on disk when nothing else in the JVM has touched it).
 */
public final class ChildJvm {
    /** What a finished child did. */
    public record Result(int code, String out, String err) {}

    private ChildJvm() {}

    /** Starts {@code mainClass} with {@code args}; stdout and stderr go to files in {@code dir}. */
    public static Process start(Path dir, String mainClass, String... args) throws IOException {
        return start(dir, Map.of(), mainClass, args);
    }

    /** As {@link #start(Path, String, String...)}, with {@code env} added to the test JVM's environment. */
    public static Process start(Path dir, Map<String, String> env, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The test JVM's --add-opens, which Spark needs on Java 17; no debugger or agent options.
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")).forEach(cmd::add);
        cmd.add("-Xmx512m");
        // Short-lived: the client compiler alone costs less CPU than both (the other test JVM shares the cores).
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Runs {@code mainClass} to its end (at most two minutes). */
    public static Result run(Path dir, String mainClass, String... args) throws IOException, InterruptedException {
        Process p = start(dir, mainClass, args);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(mainClass + " did not finish in two minutes: " + read(dir, "err.txt"));
        }
        return new Result(p.exitValue(), read(dir, "out.txt"), read(dir, "err.txt"));
    }

    /** What the child wrote so far to {@code out.txt} or {@code err.txt}. */
    public static String read(Path dir, String file) throws IOException {
        Path f = dir.resolve(file);
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }
}
