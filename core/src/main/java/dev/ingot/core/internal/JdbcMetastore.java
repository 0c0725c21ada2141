package dev.ingot.core.internal;

import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.Secrets;
import dev.ingot.core.config.CatalogSettings;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Opens one connection to a {@code metastore: jdbc} database before Spark starts. Hive's metastore client retries a
 * database it cannot reach for minutes and then fails with pages of DataNucleus stack traces that never name the URL;
 * this check fails in seconds instead, with what was wrong (unreachable, login refused, no such database) and the fix,
 * as bad input (exit 2) since every cause is in {@code ingot.yaml} or the environment it reads.
 */
public final class JdbcMetastore {
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");

    private JdbcMetastore() {}

    /**
     * Connects to the metastore database of {@code catalog} (a {@link CatalogSettings.Metastore#JDBC} one) and
     * closes the connection.
     *
     * @param timeout how long connecting may take in all
     * @throws IngotException (bad input) naming the URL, never the password, when the database cannot be used
     */
    public static void check(CatalogSettings catalog, Duration timeout) {
        String url = catalog.jdbcUrl().orElseThrow();
        String driverClass = catalog.jdbcDriver().orElseThrow();
        Driver driver = driver(driverClass, url);
        Properties props = new Properties();
        catalog.jdbcUser().ifPresent(u -> props.setProperty("user", u));
        catalog.jdbcPassword().ifPresent(p -> props.setProperty("password", p));
        long seconds = Math.max(1, timeout.toSeconds());
        if (url.startsWith("jdbc:postgresql:")) {
            // The driver's own bounds: TCP connect, and the whole login (a server that accepts but never answers).
            props.setProperty("connectTimeout", Long.toString(seconds));
            props.setProperty("loginTimeout", Long.toString(seconds));
        }
        // Any driver: give up waiting after the timeout even if the driver has no setting for it.
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ingot-metastore-check");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Void> attempt = pool.submit(() -> {
                try (Connection c = driver.connect(url, props)) {
                    if (c == null) {
                        throw fail(url, "the driver " + driverClass + " does not take this URL",
                                "write a URL of the driver's database (jdbc:postgresql://host:5432/metastore for "
                                        + "PostgreSQL), or set catalog.driver to the URL's driver");
                    }
                }
                return null;
            });
            attempt.get(seconds + 2, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw fail(url, "no answer within " + seconds + " s", unreachableFix());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IngotException ie) {
                throw ie;
            }
            if (cause instanceof SQLException sql) {
                throw explain(url, catalog, sql);
            }
            throw fail(url, describe(cause), unreachableFix());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(url, "interrupted while connecting", unreachableFix());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The URL as it may be printed: registered secrets and any {@code password=} parameter masked. */
    public static String printable(String url) {
        return URL_PASSWORD.matcher(Secrets.redact(url)).replaceAll("$1" + Secrets.MASK);
    }

    private static Driver driver(String driverClass, String url) {
        ClassLoader loader = Optional.ofNullable(Thread.currentThread().getContextClassLoader())
                .orElse(JdbcMetastore.class.getClassLoader());
        try {
            return (Driver) Class.forName(driverClass, true, loader).getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw fail(url, "the JDBC driver " + driverClass + " is not on the classpath",
                    "Ingot ships PostgreSQL's driver only: put the driver's jar in the distribution's jars/ (or pass "
                            + "it with --jars), or check catalog.driver in ingot.yaml");
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw fail(url, driverClass + " is not a usable JDBC driver (" + e + ")",
                    "set catalog.driver in ingot.yaml to the driver's java.sql.Driver class");
        }
    }

    /** SQLSTATE classes are the SQL standard's, so this reads the same for PostgreSQL, MySQL and others. */
    private static IngotException explain(String url, CatalogSettings catalog, SQLException e) {
        String state = Optional.ofNullable(e.getSQLState()).orElse("");
        String user = catalog.jdbcUser().orElse("(none)");
        if (state.startsWith("28")) {
            return fail(url, "the database refused user '" + user + "': " + describe(e),
                    "check catalog.user and catalog.password in ingot.yaml (write the password as ${env:NAME} and "
                            + "check that the variable holds the right one), and that the server lets this user in "
                            + "from this host (PostgreSQL: pg_hba.conf)");
        }
        if (state.equals("3D000")) {
            Optional<String> db = database(url);
            return fail(url, "the database " + db.map(d -> "'" + d + "' ").orElse("") + "does not exist",
                    "create it once, empty: createdb -O " + user + " " + db.orElse("metastore") + " (or CREATE "
                            + "DATABASE " + db.orElse("metastore") + " OWNER " + user + "); Ingot creates the "
                            + "metastore's tables in it on first use");
        }
        if (state.startsWith("08") || hasNetworkCause(e)) {
            return fail(url, "cannot connect: " + describe(e), unreachableFix());
        }
        return fail(url, describe(e) + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")"),
                "check catalog.url, catalog.user and catalog.password in ingot.yaml");
    }

    private static String unreachableFix() {
        return "start the database, or correct the host and port in catalog.url of ingot.yaml (is it reachable from "
                + "this machine? a firewall?); spark.ingot.catalog.connectTimeoutSeconds sets how long to wait";
    }

    private static boolean hasNetworkCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof NoRouteToHostException
                    || c instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The message, first line only (drivers append hints and positions), with secrets masked. */
    private static String describe(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return Secrets.redact(m.lines().findFirst().orElse("").strip());
    }

    /** The database name of a {@code jdbc:<db>://host[:port]/NAME[?...]} URL. */
    private static Optional<String> database(String url) {
        try {
            String path = URI.create(url.substring("jdbc:".length())).getPath();
            return path == null || path.length() < 2 ? Optional.empty() : Optional.of(path.substring(1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static IngotException fail(String url, String problem, String fix) {
        return Errors.metastoreUnavailable(printable(url), problem, fix);
    }
}
