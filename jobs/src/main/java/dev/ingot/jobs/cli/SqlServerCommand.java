package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import dev.ingot.core.config.SqlServerSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code ingot sql-server}: Spark's Thrift JDBC server (HiveServer2's protocol) on the project's warehouse and catalog,
 * in the command's own Spark session, so the project's settings (warehouse, metastore, Delta) are the server's. It
 * listens on {@code sql_server.host} ({@value SqlServerSettings#HOST_DEFAULT} unless {@code ingot.yaml} says
 * otherwise), prints the JDBC URL, and serves until SIGTERM or Ctrl-C (SIGINT): then it stops the server, records
 * the run in {@code ingot.job_runs} (the time it served) and exits 0; Spark stops with the process.
 */
@Command(name = "sql-server", mixinStandardHelpOptions = true,
        description = "Serve the warehouse over JDBC (Spark's Thrift server, Hive protocol) until SIGTERM or Ctrl-C. "
                + "Listens on 127.0.0.1:10000 unless sql_server in ingot.yaml or --port says otherwise.")
public final class SqlServerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SqlServerCommand.class);

    /** Hive reads these before its own settings: a value here would override the project's address or port. */
    static final List<String> HIVE_ENV = List.of("HIVE_SERVER2_THRIFT_BIND_HOST", "HIVE_SERVER2_THRIFT_PORT");

    /** How the JDBC driver is named in the output and the docs. */
    static final String DRIVER = "org.apache.hive.jdbc.HiveDriver";

    @Mixin
    ProjectOptions options;

    @Mixin
    GpuOption gpu;

    @Option(names = "--port", paramLabel = "P",
            description = "Listen on this port instead of sql_server.port of ingot.yaml (default "
                    + SqlServerSettings.PORT_DEFAULT + ").")
    Integer port;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (port != null && (port < 1 || port > 65_535)) {
            throw Errors.badArgument("--port", port, "a TCP port from 1 to 65535");
        }
        for (String name : HIVE_ENV) {
            if (System.getenv(name) != null) {
                throw Errors.badData("start the SQL server", "the environment variable " + name + " is set, and Hive"
                        + " would take it over the project's sql_server settings", "unset " + name + " (set"
                        + " sql_server.host and sql_server.port in ingot.yaml, or pass --port)");
            }
        }
        Project project = options.load(SecretUse.SQL_SERVER);
        SqlServerSettings settings = port == null ? project.settings().sqlServer()
                : project.settings().sqlServer().withPort(port);
        InetAddress address = address(settings.host());
        checkFree(address, settings.port());
        ThriftServer.checkAvailable();
        // From here on, SIGTERM ends the wait below instead of the JVM, also while Spark is still starting.
        CountDownLatch stop = new CountDownLatch(1);
        Map<Signal, sun.misc.SignalHandler> previous = onSignals(stop, "TERM", "INT");
        Instant started;
        PrintWriter out = spec.commandLine().getOut();
        try {
            SparkSession spark = Sessions.open(project, "sql-server", gpu.policy());
            started = Instant.now();
            ThriftServer server = ThriftServer.start(spark, settings);
            serve(server, stop, () -> {
                awaitListening(server, address, settings.port());
                printStarted(out, project, settings, address);
            });
        } finally {
            previous.forEach(Signal::handle);
        }
        out.println("SQL server stopped after " + Duration.between(started, Instant.now()).toSeconds() + " s.");
        out.flush();
        return ExitCode.OK.code();
    }

    /** Serves until {@code stop} opens; the server is stopped however this ends. */
    private static void serve(ThriftServer server, CountDownLatch stop, Runnable started) throws InterruptedException {
        Thread hook = new Thread(server::stop, "ingot-sql-server-stop");
        // Any other way the JVM ends (SIGHUP, System.exit elsewhere) still closes the port and its sessions.
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            started.run();
            while (!stop.await(1, TimeUnit.SECONDS)) {
                if (server.stopped()) {
                    throw Errors.serviceFailed("serve SQL", "the Thrift server stopped by itself (see the log above)",
                            "start 'ingot sql-server' again");
                }
            }
        } finally {
            server.stop();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down: the hook runs anyway, and stopping twice is harmless.
            }
        }
    }

    /** The address to listen on: one of this machine's, or the wildcard; a bad host is a config error. */
    static InetAddress address(String host) {
        InetAddress a;
        try {
            a = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw Errors.invalidConfig("ingot.yaml", "sql_server.host", "'" + host + "' is neither an address nor a"
                    + " host name that resolves", "write an address of this machine: 127.0.0.1 (this machine only, the"
                    + " default) or 0.0.0.0 (every interface, with auth: password)");
        }
        boolean local;
        try {
            local = a.isAnyLocalAddress() || a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            local = false;
        }
        if (!local) {
            throw Errors.invalidConfig("ingot.yaml", "sql_server.host", "'" + host + "' (" + a.getHostAddress()
                    + ") is not an address of this machine (its addresses: " + String.join(", ", localAddresses())
                    + ")", "write one of them, 127.0.0.1 (this machine only, the default) or 0.0.0.0 (every"
                    + " interface, with auth: password)");
        }
        return a;
    }

    private static List<String> localAddresses() {
        List<String> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                Collections.list(ni.getInetAddresses()).forEach(i -> out.add(i.getHostAddress()));
            }
        } catch (SocketException e) {
            out.add("unknown: " + e.getMessage());
        }
        return out;
    }

    /**
     * Waits until the server accepts connections: Hive's Thrift service binds its port on a thread of its own after
     * the start returns, and the JDBC URL must not be printed (scripts wait for that line) before it answers.
     */
    private static void awaitListening(ThriftServer server, InetAddress address, int port) {
        InetAddress target = address.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : address;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            try (java.net.Socket probe = new java.net.Socket()) {
                probe.connect(new InetSocketAddress(target, port), 1000);
                return;
            } catch (IOException e) {
                if (server.stopped() || System.nanoTime() > deadline) {
                    throw Errors.serviceFailed("serve SQL", "the Thrift server did not listen on "
                            + target.getHostAddress() + ":" + port + " (" + e.getMessage() + "; see the log above)",
                            "start 'ingot sql-server' again, on another --port if the port was taken meanwhile");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Binds the port and lets it go, so that a port in use is bad input before Spark starts, not a failed start. */
    static void checkFree(InetAddress address, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);  // as the Thrift server binds: a port in TIME_WAIT is free
            s.bind(new InetSocketAddress(address, port));
        } catch (BindException e) {
            throw Errors.badData("start the SQL server on " + address.getHostAddress() + ":" + port, "the port is in"
                    + " use (" + e.getMessage() + ")", "pass --port with a free port, set sql_server.port in"
                    + " ingot.yaml, or stop the process that listens there (ss -ltnp 'sport = :" + port + "')");
        } catch (IOException e) {
            throw Errors.badData("start the SQL server on " + address.getHostAddress() + ":" + port, "cannot listen"
                    + " there (" + e.getMessage() + ")", "use another sql_server.host or port");
        }
    }

    private static void printStarted(PrintWriter out, Project project, SqlServerSettings s, InetAddress address) {
        String host = address.isAnyLocalAddress() ? hostName() : s.host();
        out.println("Ingot SQL server (Spark Thrift server, Hive protocol) on " + project.settings().warehouse()
                + " (project " + project.settings().name() + "), listening on " + address.getHostAddress() + ":"
                + s.port() + (address.isLoopbackAddress() ? " (this machine only)" : "") + ".");
        out.println("JDBC URL: " + jdbcUrl(host, s.port()));
        out.println("Driver:   " + DRIVER + " (hive-jdbc 2.3.9; the jars are in jobs/target/ingot-dist/jars: see"
                + " docs/sql.md)");
        out.println(s.auth() == SqlServerSettings.Auth.PASSWORD
                ? "Login:    user '" + s.username().orElseThrow() + "' with the password of sql_server.password"
                : "Login:    none (any user name, no password)");
        out.println("Stop it with Ctrl-C or SIGTERM.");
        out.flush();
        LOG.info("SQL server listening on {}:{}", address.getHostAddress(), s.port());
    }

    /** The URL clients connect with: the server's default database, no credentials in it. */
    static String jdbcUrl(String host, int port) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:hive2://" + h + ":" + port + "/default";
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * SIGTERM and SIGINT end the wait instead of the JVM, so that the command returns normally: its run is recorded
     * and the process exits 0. The handlers that were there before are returned, to be put back.
     */
    private static Map<Signal, sun.misc.SignalHandler> onSignals(CountDownLatch stop, String... names) {
        Map<Signal, sun.misc.SignalHandler> previous = new java.util.LinkedHashMap<>();
        for (String name : names) {
            Signal signal = new Signal(name);
            try {
                previous.put(signal, Signal.handle(signal, sig -> {
                    LOG.info("SIG{} received: stopping the SQL server", sig.getName());
                    stop.countDown();
                }));
            } catch (IllegalArgumentException e) {
                // The JVM keeps the signal for itself (-Xrs): its default, a shutdown, still stops the server.
                LOG.debug("cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
        return previous;
    }
}
