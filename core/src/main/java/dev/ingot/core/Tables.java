package dev.ingot.core;

import java.util.List;

/**
 * The one place that names Ingot's databases and tables (CONTRACT.md, "Tables").
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

    /** Every database Ingot writes, with what it holds (used as the database comment). */
    public static final List<String[]> DATABASES = List.of(
            new String[] {FEATURES, "Ingot feature tables: one Delta table per feature view and definition version"},
            new String[] {QUALITY, "Ingot data quality: metrics, check results, quarantined rows"},
            new String[] {ML, "Ingot ML: training-set lineage, runs, model versions"},
            new String[] {SCORES, "Ingot scores: one table per scored output"},
            new String[] {INGOT, "Ingot registry: feature views, versions, lineage"});

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

    private Tables() {}

    /** {@code features.<view>_v<version>}. */
    public static TableName featureTable(String view, int version) {
        if (version < 1) {
            throw new IllegalArgumentException("feature table versions start at 1: " + version);
        }
        return new TableName(FEATURES, Identifiers.requireName("feature view", view) + "_v" + version);
    }

    /** {@code quality.<table>__quarantine}: rows of {@code table} that failed row-level checks. */
    public static TableName quarantine(TableName table) {
        return new TableName(QUALITY, table.table() + "__quarantine");
    }

    /**
     * {@code <database>.<table>__staging}: candidate rows of {@code table} waiting for (or refused by) its quality
     * gate, kept for inspection when the gate says no.
     */
    public static TableName staging(TableName table) {
        return new TableName(table.database(), table.table() + "__staging");
    }

    /** {@code scores.<name>}. */
    public static TableName scores(String name) {
        return new TableName(SCORES, Identifiers.requireName("score table", name));
    }
}
