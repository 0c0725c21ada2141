package dev.ingot.training;

import dev.ingot.core.PythonVenvs;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code mlflow server} for one test class: SQLite backend store and proxied artifacts in a temporary folder,
 * on 127.0.0.1 and a free port, one worker. Started before the class's first test (building the cached Python
 * environment with {@code python/venv.sh mlflow} when needed) and stopped, with its whole process tree, after the
 * last one, also when tests fail.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final MlflowServerExtension MLFLOW = new MlflowServerExtension();
 * ... MLFLOW.uri() ...
 * }</pre>
 */
public final class MlflowServerExtension implements BeforeAllCallback, AfterAllCallback {
    /** A first start imports a lot of Python on a busy 2-core machine: be patient, but not forever. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(300);

    private Path dir;
    private Path log;
    private Process process;
    private int port;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path venv = PythonVenvs.venv("mlflow");
        dir = Files.createTempDirectory("ingot-mlflow-");
        log = dir.resolve("server.log");
        port = PythonVenvs.freePort();
        List<String> command = List.of(venv.resolve("bin/mlflow").toString(), "server",
                "--backend-store-uri", "sqlite:///" + dir.resolve("mlflow.db"),
                "--serve-artifacts", "--artifacts-destination", dir.resolve("artifacts").toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--workers", "1",
                "--allowed-hosts", "127.0.0.1:" + port + ",localhost:" + port);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Unbuffered, so the access log (one line per request) is on disk when a test counts requests.
        pb.environment().put("PYTHONUNBUFFERED", "1");
        // The server's background job runner is not needed and costs a process.
        pb.environment().put("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false");
        pb.environment().keySet().removeIf(k -> k.startsWith("MLFLOW_TRACKING_"));
        process = pb.start();
        try {
            awaitHealthy();
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    /** The server's root, e.g. {@code http://127.0.0.1:41234}. */
    public String uri() {
        return "http://127.0.0.1:" + port;
    }

    /** Where the server keeps everything it stores: its SQLite database and the artifacts it proxies. */
    public Path directory() {
        return dir;
    }

    /** The server's log so far (its access log included). */
    public String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /**
     * How many requests the server logged whose request line contains {@code fragment} (e.g.
     * {@code "POST /api/2.0/mlflow/runs/log-batch"}).
     */
    public long requestCount(String fragment) throws IOException {
        Pattern line = Pattern.compile("\"" + Pattern.quote(fragment) + "[ ?]");
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> line.matcher(l).find()).count();
        }
    }

    private void awaitHealthy() throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mlflow server exited with code " + process.exitValue()
                        + " before it was healthy. Its log ends with:\n" + tail(40));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(uri() + "/health").toURL().openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(2000);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("mlflow server did not answer GET /health within " + START_TIMEOUT.toSeconds()
                + " s. Its log ends with:\n" + tail(40));
    }

    private String tail(int lines) throws IOException {
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private void stop() throws IOException, InterruptedException {
        if (process != null) {
            // Uvicorn's worker is a child: stop the children first, then the parent; force what is left after 15 s.
            List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
            tree.forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            process = null;
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            dir = null;
        }
    }
}
