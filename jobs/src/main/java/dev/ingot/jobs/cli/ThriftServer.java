package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.config.SqlServerSettings;
import org.apache.hive.service.Service;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.hive.thriftserver.HiveThriftServer2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark's Thrift server as {@link SqlServerCommand} runs it. Apart from the command so that only a run of
 * {@code sql-server} loads Hive's server classes: a Spark install without {@code spark-hive-thriftserver} still runs
 * every other command.
 */
final class ThriftServer {
    private static final Logger LOG = LoggerFactory.getLogger(ThriftServer.class);
    /** The class Spark distributions built with {@code -Phive-thriftserver} have. */
    private static final String SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2";

    private static final String DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

    private final HiveThriftServer2 server;

    private ThriftServer(HiveThriftServer2 server) {
        this.server = server;
    }

    /** Bad input when this Spark has no Thrift server: checked before Spark starts. */
    static void checkAvailable() {
        try {
            Class.forName(SERVER_CLASS, false, ThriftServer.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw Errors.badData("start the SQL server", "this Spark has no Thrift server (" + SERVER_CLASS
                    + " is not on the class path)", "run it with bin/ingot, whose distribution has it, or add"
                    + " --packages org.apache.spark:spark-hive-thriftserver_2.12:3.5.4 to spark-submit");
        }
        try {
            // Hive's sessions load classes through a loader whose parent is the JVM's class path (see bin/ingot).
            Class.forName(DELTA_CATALOG, false, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw Errors.badData("start the SQL server", "Delta (" + DELTA_CATALOG + ") is not on the driver's class"
                    + " path, where the server's sessions look for it", "run it with bin/ingot, or pass the app jar"
                    + " to spark-submit with --driver-class-path too");
        }
    }

    /**
     * Starts the server on a session of its own (sharing the command's catalog and warehouse), configured through
     * that session's settings, from which Hive's server takes its own; every JDBC connection then gets a new session
     * of it, as with Spark's own launcher.
     */
    static ThriftServer start(SparkSession spark, SqlServerSettings s) {
        SparkSession serving = spark.newSession();
        serving.conf().set("hive.server2.thrift.bind.host", s.host());
        serving.conf().set("hive.server2.thrift.port", String.valueOf(s.port()));
        serving.conf().set("hive.server2.transport.mode", "binary");
        serving.conf().set("hive.server2.enable.doAs", "false");
        if (s.auth() == SqlServerSettings.Auth.PASSWORD) {
            SqlServerAuth.expect(s.username().orElseThrow(), s.password().orElseThrow().resolve());
            serving.conf().set("hive.server2.authentication", "CUSTOM");
            // Hive builds the CUSTOM provider from a HiveConf of its own (new HiveConf()), which reads system
            // properties but not the session: the class name (not a secret) goes there.
            System.setProperty("hive.server2.custom.authentication.class", SqlServerAuth.class.getName());
        } else {
            serving.conf().set("hive.server2.authentication", "NONE");
        }
        // The Thrift server's Hive client takes this thread's Hive session state when there is one, with that
        // state's settings instead of the ones above: port, bind host and authentication. A catalog lookup made on
        // this thread before (on a jdbc metastore every session makes one at its start, IngotSessions) leaves one.
        // Detached, the server builds its own from the settings above; the catalog's client sets its own again.
        org.apache.hadoop.hive.ql.session.SessionState.detachSession();
        try {
            return new ThriftServer(HiveThriftServer2.startWithContext(serving.sqlContext()));
        } catch (RuntimeException e) {
            SqlServerAuth.forget();
            throw Errors.jobFailed("start the SQL server on " + s.host() + ":" + s.port(), e);
        }
    }

    /** Whether the server has stopped. */
    boolean stopped() {
        return server.getServiceState() == Service.STATE.STOPPED;
    }

    /** Stops the server (closing its sessions) and forgets the password; harmless when already stopped. */
    synchronized void stop() {
        try {
            if (!stopped()) {
                server.stop();
            }
        } catch (RuntimeException e) {
            LOG.warn("stopping the SQL server: {}", e.toString());
        } finally {
            SqlServerAuth.forget();
        }
    }
}
