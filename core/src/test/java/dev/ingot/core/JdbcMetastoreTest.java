package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.internal.JdbcMetastore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The check a {@code metastore: jdbc} session makes before Spark starts, against a real PostgreSQL: each way the
 * database can be unusable is exit 2 with the URL (never the password) and the fix, in seconds.
 */
class JdbcMetastoreTest {
    @RegisterExtension
    static final PostgresServerExtension PG = new PostgresServerExtension();

    @BeforeAll
    static void database() throws Exception {
        PG.createDatabase("metastore");
        Secrets.register(PG.password());
    }

    private static CatalogSettings jdbc(String url, String password) {
        return new CatalogSettings(CatalogSettings.Metastore.JDBC, Optional.of(url), Optional.empty(),
                Optional.of(PostgresServerExtension.USER), Optional.of(password));
    }

    @Test
    void aReachableDatabaseWithTheRightLoginPasses() {
        CatalogSettings ok = jdbc(PG.url("metastore"), PG.password());
        assertThat(ok.jdbcDriver()).as("inferred from the URL").contains("org.postgresql.Driver");
        JdbcMetastore.check(ok, Duration.ofSeconds(10)); // throws if not
    }

    @Test
    void aWrongPasswordNamesTheUserAndTheKeysNotThePassword() {
        String wrong = "wrong-" + PG.password();
        Secrets.register(wrong);
        assertThatThrownBy(() -> JdbcMetastore.check(jdbc(PG.url("metastore"), wrong), Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(IngotException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageStartingWith("Cannot open the catalog's metastore database " + PG.url("metastore")
                        + " (ingot.yaml catalog.url): the database refused user 'ingot'")
                .hasMessageContaining("Fix: check catalog.user and catalog.password")
                .message().doesNotContain(wrong).doesNotContain(PG.password());
    }

    @Test
    void aMissingDatabaseSaysHowToCreateIt() {
        assertThatThrownBy(() -> JdbcMetastore.check(jdbc(PG.url("nosuchdb"), PG.password()), Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(IngotException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining(PG.url("nosuchdb") + " (ingot.yaml catalog.url): the database 'nosuchdb' does not exist")
                .hasMessageContaining("createdb -O ingot nosuchdb");
    }

    @Test
    void aPortNobodyListensOnFailsAtOnce() throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + PythonVenvs.freePort() + "/metastore";
        long start = System.nanoTime();
        assertThatThrownBy(() -> JdbcMetastore.check(jdbc(url, PG.password()), Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(IngotException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining(url + " (ingot.yaml catalog.url): cannot connect")
                .hasMessageContaining("Fix: start the database, or correct the host and port in catalog.url");
        assertThat((System.nanoTime() - start) / 1e9).as("connection refused needs no timeout").isLessThan(3.0);
    }

    @Test
    void aHostThatNeverAnswersFailsAfterTheTimeout() {
        // TEST-NET-1 (RFC 5737): never routed; packets are dropped (or the network says at once that there is no route).
        String url = "jdbc:postgresql://192.0.2.1:5432/metastore";
        long start = System.nanoTime();
        assertThatThrownBy(() -> JdbcMetastore.check(jdbc(url, PG.password()), Duration.ofSeconds(2)))
                .isInstanceOfSatisfying(IngotException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining(url + " (ingot.yaml catalog.url): ")
                .hasMessageContaining("connectTimeoutSeconds");
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("unreachable metastore host: the check gave up after %.1f s (timeout 2 s)%n", seconds);
        assertThat(seconds).as("bounded by the 2 s timeout, not the OS's minutes of TCP retries").isLessThan(5.0);
    }

    @Test
    void aDriverThatIsNotThereAndAPasswordInTheUrlAreReportedMasked() {
        CatalogSettings mysql = new CatalogSettings(CatalogSettings.Metastore.JDBC,
                Optional.of("jdbc:mysql://db:3306/ms?user=hive&password=hunter2secret"), Optional.empty(),
                Optional.empty(), Optional.empty());
        assertThat(mysql.jdbcDriver()).contains("com.mysql.cj.jdbc.Driver");
        assertThatThrownBy(() -> JdbcMetastore.check(mysql, Duration.ofSeconds(2)))
                .isInstanceOfSatisfying(IngotException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("jdbc:mysql://db:3306/ms?user=hive&password=" + Secrets.MASK)
                .hasMessageContaining("the JDBC driver com.mysql.cj.jdbc.Driver is not on the classpath")
                .hasMessageContaining("jars/")
                .message().doesNotContain("hunter2secret");
    }

    @Test
    void hivesUniqueKeysAreAddedOnceAndAMetastoreWithANameTwiceIsExit2SayingWhichAndHow() throws Exception {
        PG.createDatabase("keys");
        PG.createDatabase("dupes");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PG.url("keys"), PostgresServerExtension.USER,
                PG.password()); java.sql.Statement s = c.createStatement()) {
            // As DataNucleus creates them on first use: the columns, a primary key, no unique key on the names.
            s.execute("CREATE TABLE \"DBS\" (\"DB_ID\" BIGINT PRIMARY KEY, \"NAME\" VARCHAR(128))");
            s.execute("CREATE TABLE \"TBLS\" (\"TBL_ID\" BIGINT PRIMARY KEY, \"TBL_NAME\" VARCHAR(256), \"DB_ID\" BIGINT)");
            JdbcMetastore.ensureUniqueKeys(jdbc(PG.url("keys"), PG.password()));
            JdbcMetastore.ensureUniqueKeys(jdbc(PG.url("keys"), PG.password())); // a second process: nothing to do
            s.execute("INSERT INTO \"TBLS\" VALUES (1, 'spend_v1', 1)");
            assertThatThrownBy(() -> s.execute("INSERT INTO \"TBLS\" VALUES (2, 'spend_v1', 1)"))
                    .as("a second entry of one table name in one database is refused").hasMessageContaining("UNIQUETABLE");
            s.execute("INSERT INTO \"TBLS\" VALUES (3, 'spend_v1', 2)"); // the same name in another database
            try (java.sql.ResultSet r = s.executeQuery("SELECT count(*) FROM pg_indexes WHERE indexname IN "
                    + "('UNIQUE_DATABASE', 'UNIQUETABLE', 'UNIQUEPARTITION')")) {
                r.next();
                assertThat(r.getInt(1)).as("the keys of the tables that exist, once each").isEqualTo(2);
            }
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PG.url("dupes"), PostgresServerExtension.USER,
                PG.password()); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE \"DBS\" (\"DB_ID\" BIGINT PRIMARY KEY, \"NAME\" VARCHAR(128))");
            s.execute("INSERT INTO \"DBS\" VALUES (1, 'default'), (2, 'features'), (3, 'features')");
        }
        assertThatThrownBy(() -> JdbcMetastore.ensureUniqueKeys(jdbc(PG.url("dupes"), PG.password())))
                .isInstanceOfSatisfying(IngotException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining(PG.url("dupes"))
                .hasMessageContaining("registers a database twice (DBS: NAME=features (2 rows))")
                .hasMessageContaining("delete the newer of the two rows")
                .message().doesNotContain(PG.password());
    }

    @Test
    void aUserWhoMayNotAddTheKeysGetsAWarningNotAFailure() throws Exception {
        PG.createDatabase("notmine");
        String password = "reader-" + System.nanoTime();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PG.url("notmine"), PostgresServerExtension.USER,
                PG.password()); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE \"DBS\" (\"DB_ID\" BIGINT PRIMARY KEY, \"NAME\" VARCHAR(128))");
            s.execute("CREATE ROLE reader LOGIN PASSWORD '" + password + "'");
            s.execute("GRANT SELECT, INSERT ON \"DBS\" TO reader");
        }
        CatalogSettings reader = new CatalogSettings(CatalogSettings.Metastore.JDBC, Optional.of(PG.url("notmine")),
                Optional.empty(), Optional.of("reader"), Optional.of(password));
        JdbcMetastore.ensureUniqueKeys(reader); // warns (owner only may index), and the command goes on
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PG.url("notmine"), PostgresServerExtension.USER,
                PG.password()); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT count(*) FROM pg_indexes WHERE indexname = 'UNIQUE_DATABASE'")) {
            r.next();
            assertThat(r.getInt(1)).as("not added by a user who may not").isZero();
        }
    }

    /**
     * What Hive does on a session's first lookup, as {@link JdbcMetastore#initialize} sees it: creates {@code DBS}
     * when missing, then looks for {@code default} and inserts it when absent, in separate statements. The starters
     * that are inside at the same time meet after their lookups and again after their inserts (each waits at most
     * {@code meet} for the others): without the lock all of them are, so every one inserts, whatever the machine's
     * load (a fixed pause once let a starter fall behind, and the race did not happen); with it, one at a time, each
     * waits {@code meet} in vain.
     */
    private static Runnable hiveFirstLookup(String url, java.util.concurrent.atomic.AtomicInteger inside,
            java.util.concurrent.atomic.AtomicInteger mostAtOnce, java.util.concurrent.CountDownLatch looked,
            java.util.concurrent.CountDownLatch inserted, Duration meet) {
        return () -> {
            mostAtOnce.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, PostgresServerExtension.USER,
                    PG.password()); java.sql.Statement s = c.createStatement()) {
                try {
                    s.execute("CREATE TABLE IF NOT EXISTS \"DBS\" (\"DB_ID\" BIGSERIAL PRIMARY KEY, \"NAME\" VARCHAR(128))");
                } catch (java.sql.SQLException raced) {
                    // PostgreSQL's IF NOT EXISTS is not atomic: two at once can fail on its catalog's unique key.
                    s.execute("CREATE TABLE IF NOT EXISTS \"DBS\" (\"DB_ID\" BIGSERIAL PRIMARY KEY, \"NAME\" VARCHAR(128))");
                }
                boolean exists;
                try (java.sql.ResultSet r = s.executeQuery("SELECT count(*) FROM \"DBS\" WHERE \"NAME\" = 'default'")) {
                    r.next();
                    exists = r.getInt(1) > 0;
                }
                looked.countDown();
                looked.await(meet.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                if (!exists) {
                    s.execute("INSERT INTO \"DBS\" (\"NAME\") VALUES ('default')");
                }
                inserted.countDown();
                inserted.await(meet.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                inside.decrementAndGet();
            }
        };
    }

    /** Runs {@code initialize} from {@code n} threads at once; the number of {@code default} rows after. */
    private static int startAtOnce(String db, int n, Duration wait, java.util.concurrent.atomic.AtomicInteger mostAtOnce)
            throws Exception {
        PG.createDatabase(db);
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(n);
        java.util.concurrent.CountDownLatch looked = new java.util.concurrent.CountDownLatch(n);
        java.util.concurrent.CountDownLatch inserted = new java.util.concurrent.CountDownLatch(n);
        // Without the lock the starters meet (waiting up to 20 s for each other); with it they never can (300 ms).
        Duration meet = wait.isZero() ? Duration.ofSeconds(20) : Duration.ofMillis(300);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<?>> started = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                started.add(pool.submit(() -> {
                    together.await();
                    JdbcMetastore.initialize(jdbc(PG.url(db), PG.password()), wait,
                            hiveFirstLookup(PG.url(db), inside, mostAtOnce, looked, inserted, meet));
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : started) {
                try {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // Without the lock, the unique key then finds default twice (exit 2, as it should), or, added by
                    // the first to finish, refuses a later insert.
                    if (!wait.isZero()) {
                        throw e;
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PG.url(db), PostgresServerExtension.USER,
                PG.password()); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT count(*) FROM \"DBS\" WHERE \"NAME\" = 'default'")) {
            r.next();
            return r.getInt(1);
        }
    }

    @Test
    void processesStartingOnANewMetastoreAtOnceCreateItOneAtATimeAndLaterSessionsTakeNoLock() throws Exception {
        // Without the lock (no wait) the race is real: every starter registers default.
        java.util.concurrent.atomic.AtomicInteger unlocked = new java.util.concurrent.atomic.AtomicInteger();
        assertThat(startAtOnce("race_unlocked", 3, Duration.ZERO, unlocked)).as("default rows without the lock")
                .isGreaterThan(1);

        java.util.concurrent.atomic.AtomicInteger mostAtOnce = new java.util.concurrent.atomic.AtomicInteger();
        assertThat(startAtOnce("race_locked", 3, Duration.ofSeconds(30), mostAtOnce)).as("default rows with it")
                .isEqualTo(1);
        assertThat(mostAtOnce.get()).as("first lookups running at once on the new metastore").isEqualTo(1);

        // Once the key on database names exists, sessions start without the lock, even while another holds it.
        try (java.sql.Connection holder = java.sql.DriverManager.getConnection(PG.url("race_locked"),
                PostgresServerExtension.USER, PG.password()); java.sql.Statement s = holder.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + 0x696e676f746d7369L + ")");
            java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
            JdbcMetastore.initialize(jdbc(PG.url("race_locked"), PG.password()), Duration.ofSeconds(1),
                    () -> ran.set(true));
            assertThat(ran).isTrue();
        }
    }

    @Test
    void aLockHeldLongerThanTheWaitIsExit2NamingItAndTheSetting() throws Exception {
        PG.createDatabase("held");
        try (java.sql.Connection holder = java.sql.DriverManager.getConnection(PG.url("held"),
                PostgresServerExtension.USER, PG.password()); java.sql.Statement s = holder.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + 0x696e676f746d7369L + ")");
            java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
            assertThatThrownBy(() -> JdbcMetastore.initialize(jdbc(PG.url("held"), PG.password()),
                    Duration.ofSeconds(1), () -> ran.set(true)))
                    .isInstanceOfSatisfying(IngotException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                    .hasMessageContaining(PG.url("held"))
                    .hasMessageContaining("another process has been creating the metastore's tables for more than 1 s")
                    .hasMessageContaining("spark.ingot.catalog.waitSeconds")
                    .message().doesNotContain(PG.password());
            assertThat(ran).as("nothing done without the lock").isFalse();
        }
    }
}
