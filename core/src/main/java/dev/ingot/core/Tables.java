package dev.ingot.core;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that names Ingot's databases and tables (CONTRACT.md, "Tables"): every name Ingot writes, every
 * pattern of such names (for a plan, before a view's version is known) and the parsing of a name back into what it
 * stands for. Code elsewhere never concatenates a table name.
 */
public final class Tables {
    /** Feature tables, one per view and definition version. */
    public static final String FEATURES = "features";
    /** Quality metrics, check results and quarantined rows. */
    public static final String QUALITY = "quality";
    /** Training-set lineage, runs and model versions (the local tracking store). */
    public static final String ML = "ml";
    /** Scored outputs. */
    public static final String SCORES = "scores";
    /** The registry: feature views, their versions, and the lineage of every write. */
    public static final String INGOT = "ingot";

    /**
     * A database Ingot writes.
     *
     * @param name its name in the catalog
     * @param comment what it holds (the database's comment in the catalog)
     */
    public record Database(String name, String comment) {
        public Database {
            Identifiers.requireName("database name", name);
            comment = comment == null ? "" : comment;
        }
    }

    /** Every database Ingot writes, with what it holds. */
    public static final List<Database> DATABASES = List.of(
            new Database(FEATURES, "Ingot feature tables: one Delta table per feature view and definition version"),
            new Database(QUALITY, "Ingot data quality: metrics, check results, quarantined rows"),
            new Database(ML, "Ingot ML: training-set lineage, runs, model versions"),
            new Database(SCORES, "Ingot scores: one table per scored output"),
            new Database(INGOT, "Ingot registry: feature views, versions, lineage"));

    /** {@code quality.metrics}. */
    public static final TableName QUALITY_METRICS = new TableName(QUALITY, "metrics");
    /** {@code quality.results}. */
    public static final TableName QUALITY_RESULTS = new TableName(QUALITY, "results");
    /** {@code ml.training_sets}. */
    public static final TableName TRAINING_SETS = new TableName(ML, "training_sets");
    /** {@code ml.runs}. */
    public static final TableName RUNS = new TableName(ML, "runs");
    /** {@code ml.model_versions}. */
    public static final TableName MODEL_VERSIONS = new TableName(ML, "model_versions");
    /** {@code ingot.feature_views}. */
    public static final TableName FEATURE_VIEWS = new TableName(INGOT, "feature_views");
    /** {@code ingot.lineage}. */
    public static final TableName LINEAGE = new TableName(INGOT, "lineage");
    /** {@code ingot.score_runs}: one row per scoring run (rows, throughput, batch latency, CPU, cost). */
    public static final TableName SCORE_RUNS = new TableName(INGOT, "score_runs");
    /** {@code ingot.job_runs}: one row per command run (outcome, timings, rows, Airflow's ids). */
    public static final TableName JOB_RUNS = new TableName(INGOT, "job_runs");

    // The local tracking store (training module, dev.ingot.training): kept together in one block, beside
    // RUNS and MODEL_VERSIONS above.
    /** {@code ml.experiments}: local tracking store experiments. */
    public static final TableName EXPERIMENTS = new TableName(ML, "experiments");
    /** {@code ml.params}: run parameters of the local tracking store. */
    public static final TableName RUN_PARAMS = new TableName(ML, "params");
    /** {@code ml.metrics}: run metrics (every step) of the local tracking store. */
    public static final TableName RUN_METRICS = new TableName(ML, "metrics");
    /** {@code ml.tags}: run tags of the local tracking store. */
    public static final TableName RUN_TAGS = new TableName(ML, "tags");
    /** {@code ml.registered_models}: registered models of the local tracking store. */
    public static final TableName REGISTERED_MODELS = new TableName(ML, "registered_models");
    /** {@code ml.model_version_tags}: model version tags of the local tracking store. */
    public static final TableName MODEL_VERSION_TAGS = new TableName(ML, "model_version_tags");
    /** {@code ml.model_aliases}: which version each alias (e.g. {@code champion}) points at. */
    public static final TableName MODEL_ALIASES = new TableName(ML, "model_aliases");
    /** Folder under the warehouse that holds the local tracking store's run artifacts. */
    public static final String ARTIFACTS_DIR = "_artifacts";

    /** How a plan writes a feature view's definition version before it is decided. */
    public static final String ANY_VERSION = "<N>";

    private static final String TILES = "__tiles";
    private static final String STAGING = "__staging";
    private static final String QUARANTINE = "__quarantine";
    private static final Pattern FEATURE_TABLE = Pattern.compile("(.+)_v([1-9][0-9]{0,8})");

    private Tables() {}

    /** The description of an Ingot database, if {@code name} is one. */
    public static Optional<Database> database(String name) {
        return DATABASES.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /**
     * A feature view's table at one definition version, with the names of the tables that go with it.
     *
     * @param view the feature view
     * @param version its definition version, from 1
     */
    public record FeatureTable(String view, int version) {
        public FeatureTable {
            Identifiers.requireName("feature view", view);
            if (version < 1) {
                throw Errors.badArgument("feature table version", version, "a version from 1 (feature table versions start at 1)");
            }
        }

        /** {@code features.<view>_v<version>}. */
        public TableName table() {
            return new TableName(FEATURES, base(view, Integer.toString(version)));
        }

        /** {@code features.<view>_v<version>__tiles}: the partial aggregates its windows are assembled from. */
        public TableName tiles() {
            return new TableName(FEATURES, base(view, Integer.toString(version)) + TILES);
        }
    }

    /** {@code features.<view>_v<version>}. */
    public static TableName featureTable(String view, int version) {
        return new FeatureTable(view, version).table();
    }

    /** {@code features.<view>_v<version>__tiles}: the tiles of an aggregated view's table. */
    public static TableName tiles(String view, int version) {
        return new FeatureTable(view, version).tiles();
    }

    /**
     * The view and version a feature table is of: {@code features.customer_spend_v2} is {@code (customer_spend, 2)}.
     * Empty for any other table, including a feature table's tiles, staging or quarantine tables.
     */
    public static Optional<FeatureTable> parseFeatureTable(TableName table) {
        if (!table.database().equals(FEATURES)) {
            return Optional.empty();
        }
        Matcher m = FEATURE_TABLE.matcher(table.table());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new FeatureTable(m.group(1), Integer.parseInt(m.group(2))));
    }

    /** {@code quality.<table>__quarantine}: rows of {@code table} that failed row-level checks. */
    public static TableName quarantine(TableName table) {
        Errors.required(table, "the table whose quarantine is asked for");
        return new TableName(QUALITY, table.table() + QUARANTINE);
    }

    /**
     * {@code <database>.<table>__staging}: candidate rows of {@code table} waiting for (or refused by) its quality
     * gate, kept for inspection when the gate says no.
     */
    public static TableName staging(TableName table) {
        Errors.required(table, "the table whose staging table is asked for");
        return new TableName(table.database(), table.table() + STAGING);
    }

    /** {@code ml.<model>_training_set}: the training set of a model. */
    public static TableName trainingSet(String model) {
        return new TableName(ML, Identifiers.requireName("model", model) + "_training_set");
    }

    /** {@code scores.<name>}. */
    public static TableName scores(String name) {
        return new TableName(SCORES, Identifiers.requireName("score table", name));
    }

    /**
     * Names of a feature view's tables before its version is known, as a plan shows them: the version is
     * {@value #ANY_VERSION}. Each is the name the corresponding method of {@link Tables} gives, with the number
     * replaced.
     */
    public static final class Patterns {
        private Patterns() {}

        /** {@code features.<view>_v<N>}. */
        public static String featureTable(String view) {
            return FEATURES + "." + base(Identifiers.requireName("feature view", view), ANY_VERSION);
        }

        /** {@code features.<view>_v<N>__tiles}. */
        public static String tiles(String view) {
            return featureTable(view) + TILES;
        }

        /** {@code features.<view>_v<N>__staging}. */
        public static String staging(String view) {
            return featureTable(view) + STAGING;
        }

        /** {@code quality.<view>_v<N>__quarantine}. */
        public static String quarantine(String view) {
            return QUALITY + "." + base(Identifiers.requireName("feature view", view), ANY_VERSION) + QUARANTINE;
        }

        /** A pattern with the version filled in: the name the run of that version writes. */
        public static String atVersion(String pattern, int version) {
            return pattern.replace(ANY_VERSION, Integer.toString(version));
        }
    }

    private static String base(String view, String version) {
        return view + "_v" + version;
    }
}
