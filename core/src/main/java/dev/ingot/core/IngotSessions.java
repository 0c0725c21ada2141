package dev.ingot.core;

import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ProjectSettings;
import dev.ingot.core.gpu.ClusterManager;
import dev.ingot.core.gpu.Gpu;
import dev.ingot.core.gpu.GpuDecision;
import dev.ingot.core.gpu.GpuEnvironment;
import dev.ingot.core.gpu.GpuSettings;
import dev.ingot.core.internal.CatalogLock;
import dev.ingot.core.internal.JdbcMetastore;
import dev.ingot.core.internal.StageProgressListener;
import dev.ingot.core.internal.fs.LocalFileSystemWithoutForks;
import dev.ingot.core.internal.fs.LocalFsWithoutForks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that builds SparkSessions for Ingot: Delta, the catalog, the warehouse, local defaults and the GPU
 * plugin. On a cluster, what spark-submit and the cluster set is left alone; Ingot only adds what it needs and what
 * {@code ingot.yaml} asks for when nobody set it already.
 *
 * <pre>{@code
 * SparkSession spark = IngotSessions.builder(project.settings()).appName("ingot features").build();
 * }</pre>
 */
public final class IngotSessions {
    private static final Logger LOG = LoggerFactory.getLogger(IngotSessions.class);

    /** Spark's plugin class for RAPIDS ({@link Gpu#RAPIDS_PLUGIN}). */
    public static final String RAPIDS_PLUGIN = Gpu.RAPIDS_PLUGIN;
    static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
    static final String DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";
    /** Hadoop's file: file systems without child processes ({@link LocalFileSystemWithoutForks}), for built sessions. */
    static final Map<String, String> LOCAL_FILE_SYSTEM = Map.of(
            "spark.hadoop.fs.file.impl", LocalFileSystemWithoutForks.class.getName(),
            "spark.hadoop.fs.AbstractFileSystem.file.impl", LocalFsWithoutForks.class.getName());
    /**
     * How long a process waits for the embedded catalog while another one uses it, in seconds (a Spark setting: in
     * ingot.yaml's {@code spark.conf}, with {@code --conf}, or {@link Builder#conf}).
     */
    public static final String CATALOG_WAIT = "spark.ingot.catalog.waitSeconds";
    /** The default of {@link #CATALOG_WAIT}: half an hour, as long as a scheduler's task usually waits for a slot. */
    public static final long CATALOG_WAIT_DEFAULT = 1800;
    /**
     * How long a process tries to reach a {@code metastore: jdbc} database before it gives up (exit 2), in seconds (a
     * Spark setting, as {@link #CATALOG_WAIT}).
     */
    public static final String CATALOG_CONNECT_TIMEOUT = "spark.ingot.catalog.connectTimeoutSeconds";
    /**
     * The default of {@link #CATALOG_CONNECT_TIMEOUT}: a database on the same network answers in milliseconds, so ten
     * seconds only ever runs out for a host that drops packets (a firewall, a wrong address).
     */
    public static final long CATALOG_CONNECT_TIMEOUT_DEFAULT = 10;

    private IngotSessions() {}

    /** A builder for a session that serves the project described by {@code settings}. */
    public static Builder builder(ProjectSettings settings) {
        return new Builder(Errors.required(settings, "the project settings of a session"));
    }

    /** Builds a session; see {@link IngotSessions}. */
    public static final class Builder {
        private final ProjectSettings settings;
        private String appName = "ingot";
        private Optional<String> master = Optional.empty();
        private Optional<GpuPolicy> gpuOverride = Optional.empty();
        private Supplier<GpuEnvironment> gpuEnvironment = GpuEnvironment::probe;
        private boolean consoleProgress = false;
        private final Map<String, String> extra = new LinkedHashMap<>();

        private Builder(ProjectSettings settings) {
            this.settings = settings;
        }

        /** The application name shown in Spark's UI and the cluster manager. */
        public Builder appName(String name) {
            this.appName = Errors.required(name, "the application name of a session");
            return this;
        }

        /** The master to use when spark-submit did not set one (default {@code local[*]}). */
        public Builder master(String masterUrl) {
            this.master = Optional.ofNullable(masterUrl);
            return this;
        }

        /** Overrides the project's GPU policy (the {@code --gpu} option). */
        public Builder gpu(GpuPolicy policy) {
            this.gpuOverride = Optional.ofNullable(policy);
            return this;
        }

        /** What the GPU decision looks at (default {@link GpuEnvironment#probe()}, run only when the policy is not off). */
        public Builder gpuEnvironment(GpuEnvironment env) {
            Errors.required(env, "the GPU environment");
            this.gpuEnvironment = () -> env;
            return this;
        }

        /** Shows Spark's console progress bar (for a terminal). */
        public Builder consoleProgress(boolean on) {
            this.consoleProgress = on;
            return this;
        }

        /** A Spark setting that wins over ingot.yaml, but not over spark-submit. */
        public Builder conf(String key, String value) {
            extra.put(Errors.required(key, "a Spark setting's key"), Errors.required(value, "the value of Spark setting " + key));
            return this;
        }

        /** The settings this builder would apply on top of {@code base} (what spark-submit set). Visible for tests. */
        Map<String, String> resolve(SparkConf base) {
            Map<String, String> out = new LinkedHashMap<>();
            String m = base.contains("spark.master") ? base.get("spark.master") : master.orElse("local[*]");
            boolean local = m.startsWith("local");
            if (!base.contains("spark.master")) {
                out.put("spark.master", m);
            }
            // Delta is not optional: append its extension to whatever the user already has.
            String ext = base.get("spark.sql.extensions", "");
            if (!ext.contains(DELTA_EXTENSION)) {
                out.put("spark.sql.extensions", ext.isEmpty() ? DELTA_EXTENSION : ext + "," + DELTA_EXTENSION);
            }
            out.put("spark.sql.catalog.spark_catalog", DELTA_CATALOG);
            out.put(Catalog.WAREHOUSE_CONF, settings.warehouse().toString());

            Location warehouse = settings.warehouse();
            CatalogSettings cat = settings.catalog();
            if (cat.metastore() != CatalogSettings.Metastore.CLUSTER) {
                out.put("spark.sql.catalogImplementation", "hive");
                out.put("spark.sql.warehouse.dir", warehouse.toString());
                // Delta keeps its own schema; Hive's check of column type changes only logs errors for Delta tables.
                out.put("spark.hadoop.hive.metastore.disallow.incompatible.col.type.changes", "false");
            }
            if (cat.metastore() == CatalogSettings.Metastore.EMBEDDED) {
                out.put("spark.hadoop.javax.jdo.option.ConnectionURL",
                        "jdbc:derby:;databaseName=" + embeddedMetastore(settings) + ";create=true");
            } else if (cat.metastore() == CatalogSettings.Metastore.JDBC) {
                String url = cat.jdbcUrl().orElseThrow(() -> Errors.invalidConfig("ingot.yaml", "catalog.url",
                        "missing (metastore is jdbc)", "write the metastore database's JDBC URL, e.g. "
                                + "jdbc:postgresql://db:5432/metastore"));
                out.put("spark.hadoop.javax.jdo.option.ConnectionURL", url);
                out.put("spark.hadoop.javax.jdo.option.ConnectionDriverName", cat.jdbcDriver().orElseThrow(() ->
                        Errors.invalidConfig("ingot.yaml", "catalog.driver", "missing, and Ingot does not know the "
                                + "driver of " + JdbcMetastore.printable(url), "write the JDBC driver's class")));
                cat.jdbcUser().ifPresent(u -> out.put("spark.hadoop.javax.jdo.option.ConnectionUserName", u));
                cat.jdbcPassword().ifPresent(p -> out.put("spark.hadoop.javax.jdo.option.ConnectionPassword", p));
                // Hive's tables are created on first use, one by one as Hive first needs each. Not their foreign keys:
                // on PostgreSQL, adding one (TBL_PRIVS -> TBLS) waits for a lock that the same process's open
                // transaction holds (its INSERT into TBLS), so the first CREATE TABLE would hang. Hive deletes
                // dependent rows itself, so the keys are not needed.
                out.put("spark.hadoop.datanucleus.schema.autoCreateAll", "false");
                out.put("spark.hadoop.datanucleus.schema.autoCreateTables", "true");
                out.put("spark.hadoop.datanucleus.schema.autoCreateColumns", "true");
                out.put("spark.hadoop.datanucleus.schema.autoCreateConstraints", "false");
                out.put("spark.hadoop.hive.metastore.schema.verification", "false");
            }

            // User defaults: ingot.yaml, then the builder's own, never over what spark-submit set.
            Map<String, String> soft = new LinkedHashMap<>();
            soft.put("spark.sql.session.timeZone", "UTC"); // event times are UTC; dates partition by UTC day
            soft.put("spark.ui.showConsoleProgress", Boolean.toString(consoleProgress));
            if (local) {
                // Spark's 200 shuffle partitions are made for clusters; a laptop wants a few per core.
                int cores = Runtime.getRuntime().availableProcessors();
                soft.put("spark.sql.shuffle.partitions", Integer.toString(Math.max(4, cores * 4)));
                soft.put("spark.sql.adaptive.coalescePartitions.initialPartitionNum", Integer.toString(Math.max(8, cores * 8)));
                // Delta rebuilds a table's state (a shuffle of its log) after every commit before the next read, in
                // 50 tasks by default: on a laptop that is seconds per commit for a log of a few hundred actions, and
                // it dominated a one-day feature run (docs/benchmarks.md). One task per core is plenty there.
                soft.put("spark.databricks.delta.snapshotPartitions", Integer.toString(Math.max(2, cores)));
            }
            soft.putAll(settings.sparkConf());
            soft.putAll(extra);
            soft.forEach((k, v) -> {
                if (!base.contains(k)) {
                    out.put(k, v);
                }
            });

            // GPU: decided before any Spark object exists, so that 'on' without a GPU ends with exit 2 having done nothing.
            GpuPolicy policy = gpuOverride.orElse(settings.gpu());
            ClusterManager manager = ClusterManager.ofMaster(m);
            boolean declared = base.contains(EXECUTOR_GPUS) || soft.containsKey(EXECUTOR_GPUS);
            GpuDecision gpu = Gpu.decide(policy, manager,
                    policy == GpuPolicy.OFF ? GpuEnvironment.of(0, false, false) : gpuEnvironment.get(), declared);
            if (gpu.enabled()) {
                String cores = base.contains("spark.executor.cores") ? base.get("spark.executor.cores")
                        : soft.getOrDefault("spark.executor.cores", "" + GpuSettings.EXECUTOR_CORES_DEFAULT);
                GpuSettings gs = GpuSettings.of(manager, executorCores(cores), org.apache.spark.package$.MODULE$.SPARK_VERSION());
                gs.sparkConf().forEach((k, v) -> {
                    if (k.equals("spark.plugins")) {
                        String plugins = base.get("spark.plugins", soft.getOrDefault("spark.plugins", ""));
                        if (!plugins.contains(v)) {
                            out.put(k, plugins.isEmpty() ? v : plugins + "," + v);
                        }
                    } else if (!base.contains(k) && !soft.containsKey(k)) {
                        out.put(k, v); // spark-submit and ingot.yaml win over Ingot's GPU defaults
                    }
                });
            }
            out.put("spark.ingot.gpu", Boolean.toString(gpu.enabled()));
            out.put("spark.ingot.gpu.reason", gpu.reason());
            return out;
        }

        /**
         * The settings this builder gives a session that nothing else configured (no spark-submit settings, no
         * {@code spark.*} system properties): Delta, the catalog and its metastore, the warehouse, ingot.yaml's
         * {@code spark.conf}, and the GPU decision. This is how a session outside Ingot's JVM (PySpark, a notebook,
         * {@code spark-shell}) gets the same catalog: {@code ingot spark-conf} prints it. The values are the real
         * ones, secrets included: pass them through {@link Secrets#redact} before showing them anywhere.
         */
        public Map<String, String> sparkConf() {
            return Collections.unmodifiableMap(resolve(new SparkConf(false)));
        }

        /** Builds the session (or returns the one already running in this JVM, with these settings applied). */
        public SparkSession build() {
            SparkConf base = new SparkConf(true);
            Map<String, String> conf = resolve(base);
            if (conf.getOrDefault("spark.hadoop.javax.jdo.option.ConnectionURL", "").startsWith("jdbc:derby:")
                    && System.getProperty("derby.system.home") == null) {
                // Keep derby.log with the metastore instead of in whatever directory the user ran from.
                try {
                    Path home = settings.warehouse().localPath();
                    Files.createDirectories(home);
                    System.setProperty("derby.system.home", home.toString());
                } catch (java.io.IOException | RuntimeException e) {
                    LOG.debug("derby.system.home not set: {}", e.toString());
                }
            }
            if (settings.catalog().metastore() == CatalogSettings.Metastore.JDBC
                    && SparkSession.getDefaultSession().isEmpty()) {
                // Many processes share this database at once, so there is no lock to take; but Hive would retry an
                // unusable database for minutes and then print DataNucleus traces, so it is tried once first.
                JdbcMetastore.check(settings.catalog(), Duration.ofSeconds(
                        seconds(base, conf, CATALOG_CONNECT_TIMEOUT, CATALOG_CONNECT_TIMEOUT_DEFAULT, "10")));
            }
            if (settings.catalog().metastore() == CatalogSettings.Metastore.EMBEDDED
                    && SparkSession.getDefaultSession().isEmpty()) {
                // Before Derby boots: a second process would get pages of Derby errors while Hive retries.
                // System.err, not a logger: the line must be seen whatever the logging configuration says.
                CatalogLock.acquire(settings.warehouse().localPath(), appName,
                        Duration.ofSeconds(seconds(base, conf, CATALOG_WAIT, CATALOG_WAIT_DEFAULT, "600")),
                        CATALOG_WAIT, System.err::println);
            }
            // file: paths without a chmod or readlink child process per file created or renamed (Spark ships no
            // Hadoop native library): about 20 processes per Delta commit otherwise, same files and results.
            // Here, not in sparkConf(): a session outside Ingot's JVM (a notebook's PySpark) has no Ingot classes.
            for (Map.Entry<String, String> fs : LOCAL_FILE_SYSTEM.entrySet()) {
                if (!base.contains(fs.getKey())) {
                    conf.putIfAbsent(fs.getKey(), fs.getValue());
                }
            }
            SparkSession.Builder b = SparkSession.builder().appName(appName);
            conf.forEach(b::config);
            if ("hive".equals(conf.get("spark.sql.catalogImplementation"))) {
                b.enableHiveSupport();
            }
            boolean fresh = SparkSession.getDefaultSession().isEmpty();
            SparkSession spark = b.getOrCreate();
            if (fresh && settings.catalog().metastore() == CatalogSettings.Metastore.JDBC) {
                // Hive creates its tables and the default database on first use: a first lookup makes them, then
                // their unique keys are added; on a new metastore, one process at a time.
                JdbcMetastore.initialize(settings.catalog(),
                        Duration.ofSeconds(seconds(base, conf, CATALOG_WAIT, CATALOG_WAIT_DEFAULT, "600")),
                        () -> spark.catalog().tableExists("default", "ingot_metastore_probe"));
            }
            StageProgressListener.installOn(spark);
            LOG.info("Spark {} session '{}' on {} (warehouse {}, GPU: {})", spark.version(), appName,
                    spark.sparkContext().master(), settings.warehouse(), conf.get("spark.ingot.gpu.reason"));
            return spark;
        }
    }

    private static long seconds(SparkConf base, Map<String, String> conf, String key, long dflt, String example) {
        String v = base.contains(key) ? base.get(key) : conf.getOrDefault(key, "" + dflt);
        try {
            long s = Long.parseLong(v.trim());
            if (s >= 0) {
                return s;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw Errors.invalidConfig("ingot.yaml", "spark.conf." + key, "'" + v + "' is not a number of seconds",
                "write a whole number of seconds, 0 or more (e.g. " + example + ")");
    }

    /**
     * The embedded metastore's directory, {@code <warehouse>/metastore_db}.
     *
     * @throws InvalidConfigException (bad input) when the warehouse is not on local disk
     */
    public static Path embeddedMetastore(ProjectSettings settings) {
        if (!settings.warehouse().isLocal()) {
            throw Errors.invalidConfig("ingot.yaml", "catalog.metastore",
                    "an embedded metastore lives on local disk, but the warehouse is " + settings.warehouse(),
                    "use 'metastore: jdbc' (a shared metastore database) or 'metastore: cluster'");
        }
        return settings.warehouse().localPath().resolve("metastore_db");
    }

    /**
     * The file that one process at a time holds (an OS lock, {@code fcntl} on Linux) while it uses the embedded
     * metastore of {@code settings}: {@code <warehouse>/metastore_db.lock}. Another program that opens the same
     * metastore (a notebook's PySpark) takes it too, so that an Ingot job waits for it instead of failing in Derby.
     *
     * @throws InvalidConfigException (bad input) when the warehouse is not on local disk
     */
    public static Path embeddedCatalogLock(ProjectSettings settings) {
        return embeddedMetastore(settings).resolveSibling(CatalogLock.FILE);
    }

    private static final String EXECUTOR_GPUS = "spark.executor.resource.gpu.amount";

    private static int executorCores(String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw Errors.invalidConfig("ingot.yaml", "spark.conf.spark.executor.cores", "'" + v + "' is not a number of cores",
                    "write a whole number, e.g. 4");
        }
    }
}
