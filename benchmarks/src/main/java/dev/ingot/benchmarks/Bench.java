package dev.ingot.benchmarks;

import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import dev.ingot.core.Location;
import dev.ingot.core.IngotSessions;
import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ProjectSettings;
import dev.ingot.core.config.TrackingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/** What the benchmarks share: their project settings, their arguments, their warehouse and cleaning up. */
final class Bench {
    private Bench() {}

    /** Settings of a project named {@code bench} on a local warehouse, with every default (embedded metastore, no GPU). */
    static ProjectSettings settings(Path warehouse) {
        return new ProjectSettings("bench", "", Location.of(warehouse), CatalogSettings.embedded(),
                TrackingSettings.local(), Map.of(), GpuPolicy.OFF);
    }

    /**
     * Parses {@code --name value} pairs. Every name must be {@code master}, {@code warehouse} or one of
     * {@code defaults}, so that a mistyped size is refused instead of silently running the default (a full-size run
     * can take many minutes).
     *
     * @param defaults the benchmark's own arguments and their defaults, as name, value, name, value, ...
     * @return every known argument's value, given or default; {@code warehouse} is {@code null} when not given
     */
    static Map<String, String> args(String bench, String[] args, String... defaults) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < defaults.length; i += 2) {
            out.put(defaults[i], defaults[i + 1]);
        }
        out.put("master", "local[2]");
        out.put("warehouse", null);
        String known = "--" + String.join(" --", out.keySet());
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!out.containsKey(name)) {
                throw new IllegalArgumentException(bench + ": unknown argument '" + args[i] + "'; known: " + known);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(bench + ": " + args[i] + " needs a value");
            }
            out.put(name, args[i + 1]);
        }
        return out;
    }

    /** The warehouse of a run: {@code --warehouse} (kept), or a new temporary directory deleted on close. */
    record Warehouse(Path dir, boolean temporary) implements AutoCloseable {
        static Warehouse of(Map<String, String> args, String bench) throws IOException {
            String given = args.get("warehouse");
            return given == null ? new Warehouse(Files.createTempDirectory("ingot-bench-" + bench), true)
                    : new Warehouse(Files.createDirectories(Path.of(given).toAbsolutePath()), false);
        }

        /** A session on this warehouse, built as Ingot builds every session, on {@code --master}, without UI. */
        IngotSessions.Builder session(Map<String, String> args, String bench) {
            return IngotSessions.builder(settings(dir)).appName("ingot-bench-" + bench).master(args.get("master"))
                    .conf("spark.ui.enabled", "false");
        }

        @Override
        public void close() throws IOException {
            if (temporary) {
                deleteTree(dir);
            }
        }
    }

    /**
     * Adds every finished task's CPU time (run and deserialization, from Spark's task metrics) to {@code into}, in
     * nanoseconds, and hands the task's end to {@code also}.
     */
    static void countTaskCpu(SparkSession spark, AtomicLong into, Consumer<SparkListenerTaskEnd> also) {
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    into.addAndGet(end.taskMetrics().executorCpuTime() + end.taskMetrics().executorDeserializeCpuTime());
                }
                also.accept(end);
            }
        });
    }

    /** The median of {@code xs}: the middle value, or the mean of the middle two. */
    static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted(Comparator.naturalOrder()).toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /**
     * Where a sampled stack is inside a command: the frame that the outermost frame of a class named {@code prefix...}
     * calls (its lambdas included), the first frame above it of another class.
     *
     * @return the callee's index in {@code stack}; -1 when no frame of {@code prefix} is on the stack; -2 when the
     *     prefix's frames are the top of the stack (the command itself is running)
     */
    static int callee(StackTraceElement[] stack, String prefix) {
        int outer = -1;
        for (int i = stack.length - 1; i >= 0; i--) {
            if (stack[i].getClassName().startsWith(prefix)) {
                outer = i;
                break;
            }
        }
        if (outer < 0) {
            return -1;
        }
        int callee = outer;
        while (callee >= 0 && stack[callee].getClassName().startsWith(prefix)) {
            callee--;
        }
        return callee < 0 ? -2 : callee;
    }

    /**
     * What a command is calling in a sampled stack: {@code Class.method} of the {@link #callee} frame, else
     * {@code outside} (no frame of the command) or {@code itself} (the command's own code is running).
     */
    static String calleeLabel(StackTraceElement[] stack, String prefix, String outside, String itself) {
        int callee = callee(stack, prefix);
        if (callee < 0) {
            return callee == -1 ? outside : itself;
        }
        StackTraceElement c = stack[callee];
        return c.getClassName().substring(c.getClassName().lastIndexOf('.') + 1) + "." + c.getMethodName();
    }

    /** Sleeps between two samples; false when interrupted, the sampler's signal to stop. */
    static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Deletes a directory and everything in it. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * A peer's long-lived PySpark process ({@code benchmarks/python/*_bench.py serve}), driven over its standard input:
     * started, it prints {@code SCRIPT: Spark session <settings>} then {@code READY}; it answers each command line with
     * lines ending in one the caller waits for, and ends on {@code quit}. Its output (Spark's warnings included) is kept
     * for an error message.
     */
    static final class PeerProcess implements AutoCloseable {
        private final String script;
        private final Process process;
        private final BufferedReader out;
        private final PrintWriter in;
        private final List<String> lines = new ArrayList<>();
        /** The session settings the process printed when it started. */
        final String settings;

        /** Fails unless {@code script} is where a peer's command names it: the repository's root is the directory. */
        static void requireScript(String script) {
            if (!Files.isRegularFile(Path.of(script))) {
                throw new IllegalStateException(script + " not found: run from the repository's root (benchmarks/run.sh does)");
            }
        }

        /** This JVM's maximum heap as a driver memory ({@code 6144m}): a peer's PySpark driver gets the same. */
        static String driverMemory() {
            return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() / (1024 * 1024) + "m";
        }

        PeerProcess(String script, List<String> cmd) throws IOException {
            this.script = script;
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            String name = Path.of(script).getFileName() + ": ";
            String s;
            try {
                s = until(l -> l.startsWith(name + "Spark session "));
                until(l -> l.equals("READY"));
            } catch (RuntimeException | IOException e) {
                process.destroyForcibly();
                throw e;
            }
            settings = s.substring(name.length());
        }

        /** Sends one command line. */
        void send(String command) {
            in.println(command);
        }

        /** Reads lines until one that {@code done} accepts, and returns it; the process ending first is an error. */
        String until(Predicate<String> done) throws IOException {
            for (String l = out.readLine(); l != null; l = out.readLine()) {
                lines.add(l);
                if (done.test(l)) {
                    return l;
                }
            }
            throw new IllegalStateException(script + " stopped; its output ends with:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        }

        @Override
        public void close() {
            in.println("quit");
            try {
                if (!process.waitFor(120, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
