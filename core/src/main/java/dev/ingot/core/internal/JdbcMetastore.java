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
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Driver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens one connection to a {@code metastore: jdbc} database before Spark starts. Hive's metastore client retries a
 * database it cannot reach for minutes and then fails with pages of DataNucleus stack traces that never name the URL;
 * this check fails in seconds instead, with what was wrong (unreachable, login refused, no such database) and the fix,
 * as bad input (exit 2) since every cause is in {@code ingot.yaml} or the environment it reads.
 */
public final class JdbcMetastore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcMetastore.class);
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
        Properties props = login(catalog);
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

    /**
     * Hive's unique keys on its catalog's names, which its own schema scripts declare but Ingot's way of creating the
     * schema (DataNucleus creating each table on first use, without constraints: see {@code IngotSessions}) leaves
     * out: a database name once ({@code DBS}), a table name once per database ({@code TBLS}), a partition once per
     * table ({@code PARTITIONS}). Without them, processes creating one database or table at the same moment each
     * insert it (Hive checks, then inserts, in separate statements), and from then on every lookup of it fails
     * ("The query returned more than one instance"). With them the later insert fails, which Ingot's writers take as
     * "created meanwhile". Idempotent and safe to run from many processes at once; call it once Hive has created the
     * tables (a first catalog lookup does). Tables not created yet are skipped (their key comes with the next run).
     *
     * @throws IngotException (bad input) when a name is already registered twice, naming it and how to repair it
     */
    public static void ensureUniqueKeys(CatalogSettings catalog) {
        initialize(catalog, Duration.ZERO, () -> { });
    }

    /**
     * Runs {@code firstLookup} (the session's first catalog lookup, through which Hive creates its tables and the
     * {@code default} database on a new metastore), then {@link #ensureUniqueKeys adds Hive's unique keys}. Until the
     * key on database names exists, nothing stops two processes starting at the same moment on a new metastore from
     * each registering {@code default}, after which every lookup of it fails; so, on a metastore without that key,
     * both steps run under a lock held in the metastore's database (PostgreSQL's advisory lock, MySQL's
     * {@code GET_LOCK}), and processes wait for the one initializing it. Once the key is there (every later session)
     * no lock is taken.
     *
     * @param wait how long to wait for another process holding the lock; {@code 0} takes no lock
     * @throws IngotException (bad input) when a name is already registered twice, or the lock is not released in
     *     time
     */
    public static void initialize(CatalogSettings catalog, Duration wait, Runnable firstLookup) {
        String url = catalog.jdbcUrl().orElseThrow();
        Driver driver = driver(catalog.jdbcDriver().orElseThrow(), url);
        Properties props = login(catalog);
        try (Connection c = driver.connect(url, props)) {
            boolean settled = hasKey(c.getMetaData(), UNIQUE_KEYS.get(0));
            try (InitLock lock = settled || wait.isZero() ? InitLock.NONE : InitLock.take(c, url, wait)) {
                firstLookup.run();
                for (UniqueKey key : UNIQUE_KEYS) {
                    ensure(c, url, key);
                }
            }
        } catch (SQLException e) {
            throw explain(url, catalog, e);
        }
    }

    private static boolean hasKey(DatabaseMetaData meta, UniqueKey key) throws SQLException {
        Optional<String> table = actualName(meta, key.table());
        return table.isPresent() && hasUniqueIndex(meta, table.get(), key.columns());
    }

    /** A lock across processes, held by a connection to the metastore's database (released if the process dies). */
    private interface InitLock extends AutoCloseable {
        InitLock NONE = () -> { };
        /** PostgreSQL's advisory locks are one 64-bit key per database: this one spells "ingotmsi". */
        long PG_KEY = 0x696e676f746d7369L;
        String MYSQL_NAME = "ingot.metastore.init";

        @Override
        void close() throws SQLException;

        static InitLock take(Connection c, String url, Duration wait) throws SQLException {
            String tryLock;
            String unlock;
            if (url.startsWith("jdbc:postgresql:")) {
                tryLock = "SELECT pg_try_advisory_lock(" + PG_KEY + ")";
                unlock = "SELECT pg_advisory_unlock(" + PG_KEY + ")";
            } else if (url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:")) {
                tryLock = "SELECT GET_LOCK('" + MYSQL_NAME + "', 0)";
                unlock = "SELECT RELEASE_LOCK('" + MYSQL_NAME + "')";
            } else {
                LOG.debug("No lock for a first use of {}: two processes starting on it at once may both register "
                        + "the default database", printable(url));
                return NONE;
            }
            long deadline = System.nanoTime() + wait.toNanos();
            boolean told = false;
            while (!query(c, tryLock)) {
                if (System.nanoTime() > deadline) {
                    throw fail(url, "another process has been creating the metastore's tables for more than "
                                    + wait.toSeconds() + " s (it holds the lock "
                                    + (url.startsWith("jdbc:postgresql:") ? "pg_advisory_lock(" + PG_KEY + ")"
                                            : "GET_LOCK('" + MYSQL_NAME + "')") + ")",
                            "wait for it to end and run again (stop it if it hangs); "
                                    + "spark.ingot.catalog.waitSeconds sets how long to wait");
                }
                if (!told) {
                    LOG.info("Waiting for another process creating the metastore's tables in {}", printable(url));
                    told = true;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the metastore's lock", e);
                }
            }
            return () -> query(c, unlock);
        }

        private static boolean query(Connection c, String sql) throws SQLException {
            try (Statement st = c.createStatement(); ResultSet r = st.executeQuery(sql)) {
                return r.next() && r.getBoolean(1);
            }
        }
    }

    /** A unique key of Hive's schema (hive-schema-2.3.0), by its name there. */
    private record UniqueKey(String name, String table, List<String> columns, String what) {}

    private static final List<UniqueKey> UNIQUE_KEYS = List.of(
            new UniqueKey("UNIQUE_DATABASE", "DBS", List.of("NAME"), "a database"),
            new UniqueKey("UNIQUETABLE", "TBLS", List.of("TBL_NAME", "DB_ID"), "a table"),
            new UniqueKey("UNIQUEPARTITION", "PARTITIONS", List.of("PART_NAME", "TBL_ID"), "a partition"));

    private static void ensure(Connection c, String url, UniqueKey key) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        Optional<String> table = actualName(meta, key.table());
        if (table.isEmpty() || hasUniqueIndex(meta, table.get(), key.columns())) {
            return;
        }
        String q = meta.getIdentifierQuoteString().strip();
        String columns = key.columns().stream().map(col -> q + col + q).collect(Collectors.joining(", "));
        String ddl = "CREATE UNIQUE INDEX " + q + key.name() + q + " ON " + q + table.get() + q + " (" + columns + ")";
        try (Statement st = c.createStatement()) {
            st.execute(ddl);
            LOG.info("Added Hive's unique key {} to the metastore's {} ({})", key.name(), table.get(), columns);
        } catch (SQLException e) {
            if (hasUniqueIndex(meta, table.get(), key.columns())) {
                return; // another process added it at the same moment
            }
            String state = Optional.ofNullable(e.getSQLState()).orElse("");
            if (state.equals("42501") || state.equals("42000") && String.valueOf(e.getMessage()).contains("denied")) {
                // A metastore whose schema a DBA manages (Hive's schematool) has the keys already; one without them
                // and without the right to add them still works, with the race this key closes left open.
                LOG.warn("The metastore has no unique key on {} names and user '{}' may not add it ({}): two "
                        + "processes creating one {} at the same moment may both register it. Ask its owner to run: {}",
                        table.get(), meta.getUserName(), describe(e), key.what().substring(2), ddl);
                return;
            }
            if ("23505".equals(state) || "23000".equals(state)) {
                throw fail(url, "the metastore registers " + key.what() + " twice (" + table.get() + ": "
                        + duplicates(c, q, table.get(), key.columns()) + "): two processes created it at the same "
                        + "moment before Ingot added Hive's unique key " + key.name(), "stop every process that uses "
                        + "this metastore, delete the newer of the two rows (the higher id) from " + table.get()
                        + " and the rows that refer to it, then run again; Ingot then adds the key, and such races "
                        + "end with one entry");
            }
            throw e;
        }
    }

    /** The table's name as the database holds it (PostgreSQL keeps DataNucleus's quoted upper case). */
    private static Optional<String> actualName(DatabaseMetaData meta, String table) throws SQLException {
        for (String candidate : List.of(table, table.toLowerCase(java.util.Locale.ROOT))) {
            try (ResultSet r = meta.getTables(null, null, candidate, new String[] {"TABLE"})) {
                if (r.next()) {
                    return Optional.of(r.getString("TABLE_NAME"));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean hasUniqueIndex(DatabaseMetaData meta, String table, List<String> columns)
            throws SQLException {
        java.util.Map<String, java.util.Set<String>> indexes = new java.util.HashMap<>();
        try (ResultSet r = meta.getIndexInfo(null, null, table, true, false)) {
            while (r.next()) {
                String index = r.getString("INDEX_NAME");
                String column = r.getString("COLUMN_NAME");
                if (index != null && column != null) {
                    indexes.computeIfAbsent(index, k -> new java.util.HashSet<>())
                            .add(column.toUpperCase(java.util.Locale.ROOT));
                }
            }
        }
        java.util.Set<String> wanted = new java.util.HashSet<>(columns);
        return indexes.values().stream().anyMatch(wanted::equals);
    }

    /** The key values registered more than once, for the message (at most three). */
    private static String duplicates(Connection c, String q, String table, List<String> columns) {
        String cols = columns.stream().map(col -> q + col + q).collect(Collectors.joining(", "));
        String sql = "SELECT " + cols + ", COUNT(*) FROM " + q + table + q + " GROUP BY " + cols
                + " HAVING COUNT(*) > 1";
        List<String> found = new java.util.ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet r = st.executeQuery(sql)) {
            while (r.next() && found.size() < 3) {
                List<String> values = new java.util.ArrayList<>();
                for (int i = 1; i <= columns.size(); i++) {
                    values.add(columns.get(i - 1) + "=" + r.getString(i));
                }
                found.add(String.join(" ", values) + " (" + r.getLong(columns.size() + 1) + " rows)");
            }
        } catch (SQLException e) {
            return "the rows could not be listed: " + describe(e);
        }
        return String.join("; ", found);
    }

    /** The driver's connection properties: the catalog's user and password, when set. */
    private static Properties login(CatalogSettings catalog) {
        Properties props = new Properties();
        catalog.jdbcUser().ifPresent(u -> props.setProperty("user", u));
        catalog.jdbcPassword().ifPresent(p -> props.setProperty("password", p));
        return props;
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
