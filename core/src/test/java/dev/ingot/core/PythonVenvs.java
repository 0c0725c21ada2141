package dev.ingot.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What tests that start a Python server share: its cached environment ({@code python/venv.sh}) and a free port. */
public final class PythonVenvs {
    private PythonVenvs() {}

    /**
     * Runs {@code python/venv.sh NAME} (instant when the cached environment is up to date, minutes when it is built)
     * and returns the environment's path.
     */
    public static Path venv(String name) throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("python/venv.sh"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("python/venv.sh not found above " + Path.of("").toAbsolutePath());
        }
        Path out = Files.createTempFile("ingot-venv", ".log");
        try {
            Process p = new ProcessBuilder("bash", root.resolve("python/venv.sh").toString(), name)
                    .redirectErrorStream(false).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("python/venv.sh " + name + " did not finish within 30 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("python/venv.sh " + name + " failed (exit " + p.exitValue()
                        + ", output above); it needs python3 (3.11) with venv and the Python package registry");
            }
            List<String> lines = Files.readAllLines(out);
            return Path.of(lines.get(lines.size() - 1).trim());
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A port nothing listens on now, on 127.0.0.1. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
