package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.internal.JdbcMetastore;
import java.time.Duration;
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
}
