package dev.ingot.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server for one test class: a fresh cluster ({@code initdb}) in a temporary folder, its unix
 * socket there too, listening on 127.0.0.1 and a free port, password (SCRAM) authentication over TCP for the superuser
 * {@value #USER}. Started before the class's first test and stopped ({@code pg_ctl stop -m fast}, and the folder
 * removed) after the last one, also when tests fail, and at the latest when the JVM exits.
 *
 * <p>PostgreSQL refuses to run as root, so when the tests run as root the server runs as the {@code postgres} user
 * (Debian's package creates it) through {@code runuser}. The binaries come from {@code PATH} or Debian's
 * {@code /usr/lib/postgresql/<version>/bin}; {@code .ci/run} installs the {@code postgresql} package.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PostgresServerExtension PG = new PostgresServerExtension();
 * ... PG.createDatabase("metastore"); PG.url("metastore") ...
 * }</pre>
 */
public final class PostgresServerExtension implements BeforeAllCallback, AfterAllCallback {
    /** The superuser the cluster is made with. */
    public static final String USER = "ingot";
    private static final String RUN_AS = "postgres";
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(120);

    private final String password = newPassword();
    private Path dir;
    private int port;
    private Thread shutdownHook;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path bin = binaries();
        dir = Files.createTempDirectory("ingot-pg-");
        Path data = dir.resolve("data");
        Path pwfile = dir.resolve("pwfile");
        Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
        if (asRoot()) {
            // The cluster's files must belong to the user the server runs as; the temp folder is root's (mode 700).
            UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(RUN_AS);
            Files.setOwner(dir, owner);
            Files.setOwner(pwfile, owner);
        }
        port = PythonVenvs.freePort();
        shutdownHook = new Thread(this::stopQuietly, "stop postgres");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        boolean started = false;
        try {
            run(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--pwfile=" + pwfile,
                    "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale", "--no-sync");
            // fsync off: a test cluster needs no durability, and the shared machine's disk is slow.
            run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                    "-w", "-t", "60", "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dir
                            + " -c fsync=off -c max_connections=60 -c shared_buffers=16MB", "start");
            started = true;
        } finally {
            if (!started) {
                stop(); // what initdb left, or a half-started server
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    /** The server's TCP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The superuser's password (register it with {@link Secrets} in tests that check it is never printed). */
    public String password() {
        return password;
    }

    /** The JDBC URL of a database of this server. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates an empty database owned by {@value #USER}. */
    public void createDatabase(String name) throws Exception {
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, password);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name + "\" OWNER " + USER);
        }
    }

    /** The server's log so far. */
    public String log() throws IOException {
        Path log = dir.resolve("server.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private static String newPassword() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        return "pg-" + HexFormat.of().formatHex(b);
    }

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** initdb and pg_ctl: from PATH, else the newest of Debian's versioned folders. */
    private static Path binaries() throws IOException {
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!p.isEmpty() && Files.isExecutable(Path.of(p, "initdb")) && Files.isExecutable(Path.of(p, "pg_ctl"))) {
                return Path.of(p);
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString()
                                .replaceAll("\\D", "0"))));
                if (newest.isPresent()) {
                    return newest.get();
                }
            }
        }
        throw new IllegalStateException("PostgreSQL's initdb and pg_ctl are neither on PATH nor in "
                + "/usr/lib/postgresql/<version>/bin: install PostgreSQL (apt-get install postgresql; .ci/run does)");
    }

    private void run(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asRoot()) {
            cmd.addAll(List.of("runuser", "-u", RUN_AS, "--"));
        }
        cmd.addAll(List.of(command));
        Path out = Files.createTempFile("ingot-pg-cmd", ".log");
        try {
            // From the cluster's folder: runuser keeps the working directory, which postgres may not be able to read.
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + STEP_TIMEOUT.toSeconds()
                        + " s:\n" + Files.readString(out) + log());
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n"
                        + Files.readString(out) + log());
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (Exception e) {
            System.err.println("Could not stop the test's PostgreSQL: " + e);
        }
    }

    private synchronized void stop() throws IOException, InterruptedException {
        if (dir == null) {
            return;
        }
        Path data = dir.resolve("data");
        if (Files.exists(data.resolve("postmaster.pid"))) {
            try {
                run(binaries().resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop");
            } catch (IllegalStateException e) {
                // Not stopped in time: end the postmaster (the first line of its pid file) and its children.
                long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                });
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        dir = null;
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook runs (and finds nothing to do)
            }
        }
    }
}
