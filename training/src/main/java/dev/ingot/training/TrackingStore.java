package dev.ingot.training;

import dev.ingot.core.Errors;
import dev.ingot.core.Location;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.internal.LocalTrackingStore;
import dev.ingot.training.internal.MlflowTrackingStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * Where training runs, their params, metrics, tags and artifacts, and the model registry (versions, aliases) are
 * recorded: Delta tables in the {@code ml} database ({@code local}, the default) or an MLflow tracking server and model
 * registry ({@code mlflow}). Both backends behave the same; one contract test suite runs against both.
 *
 * <pre>{@code
 * try (TrackingStore store = TrackingStore.open(settings.tracking(), spark, settings.warehouse())) {
 *     Experiment exp = store.experiment("retail");
 *     RunInfo run = store.startRun(exp.id(), "fraud@" + trainingSetVersion, "fraud-train", Map.of());
 *     store.log(run.runId(), LogBatch.empty().withParams(params).withMetric("auc", auc, 0));
 *     store.uploadArtifact(run.runId(), "model/model_card.md", card.getBytes(UTF_8));
 *     store.endRun(run.runId(), RunStatus.FINISHED);
 *     store.registeredModel("fraud", "Fraud score of a card transaction");
 *     ModelVersion v = store.createModelVersion("fraud", run.runId(), "model", Map.of("auc", "0.91"), "");
 *     store.setAlias("fraud", "challenger", v.version());
 * }
 * }</pre>
 *
 * <p>Errors are {@link dev.ingot.core.IngotException}s: bad input (an unknown run, a server that is unreachable,
 * answers HTML or refuses the credentials) exits 2 with the fix, and no message contains a secret.
 *
 * <p>Not thread-safe for concurrent writes to the same run from one instance; separate processes may write at once
 * (the local store relies on Delta's optimistic concurrency, MLflow on its database).
 */
public interface TrackingStore extends AutoCloseable {
    /** The tag both backends keep a run's idempotency key in (see {@link #startRun}). */
    String RUN_KEY_TAG = "ingot.run_key";

    /**
     * The store the settings name.
     *
     * @param settings {@code local} (Delta tables in {@code ml}, artifacts under {@code <warehouse>/_artifacts}) or
     *     {@code mlflow} (the server at {@code settings.uri()}; token from {@code settings.token()}, else the
     *     environment's {@code MLFLOW_TRACKING_TOKEN}, else basic auth from {@code MLFLOW_TRACKING_USERNAME} and
     *     {@code MLFLOW_TRACKING_PASSWORD})
     * @param spark the session whose catalog holds the {@code ml} database (unused by {@code mlflow})
     * @param warehouse the project's warehouse, local path or Hadoop URI (unused by {@code mlflow})
     * @throws dev.ingot.core.IngotException (bad input) when the settings are incomplete or the server cannot be used
     */
    static TrackingStore open(TrackingSettings settings, SparkSession spark, Location warehouse) {
        return switch (Errors.required(settings, "TrackingStore.open settings").kind()) {
            case LOCAL -> LocalTrackingStore.open(Errors.required(spark, "TrackingStore.open spark (local store)"),
                    Errors.required(warehouse, "TrackingStore.open warehouse (local store)"));
            case MLFLOW -> MlflowTrackingStore.open(settings, System.getenv());
        };
    }

    /** One line for people: the backend and where it records (secrets masked). */
    String describe();

    /** The experiment of this name, created when missing. */
    Experiment experiment(String name);

    /**
     * Starts a run, or returns the run already started with the same key (so that a retried start never makes two
     * runs: MLflow's client retries failed requests, and a timed-out create may have succeeded).
     *
     * @param experimentId from {@link #experiment}
     * @param runKey the caller's idempotency key, unique per logical run (e.g. model, spec digest and data version);
     *     kept in the tag {@value #RUN_KEY_TAG}
     * @param runName a readable name
     * @param tags tags to set at start
     */
    RunInfo startRun(String experimentId, String runKey, String runName, Map<String, String> tags);

    /** The run started with this key in the experiment, if any. */
    Optional<RunInfo> findRun(String experimentId, String runKey);

    /**
     * Logs params, metrics and tags in as few requests as the backend allows: one Delta commit per table locally, and
     * MLflow {@code log-batch} requests within its limits (1000 metrics, 100 params, 100 tags, 1000 items, 1 MB each).
     *
     * @throws dev.ingot.core.IngotException (bad input) when a param already logged to the run has another value
     */
    void log(String runId, LogBatch batch);

    /** Stores bytes as the run's artifact at {@code path} (relative, e.g. {@code model/model_card.md}), replacing it. */
    void uploadArtifact(String runId, String path, byte[] bytes);

    /** Stores a local file as the run's artifact at {@code path}. */
    void uploadArtifact(String runId, String path, Path file);

    /** Every artifact file of the run, sorted by path. */
    List<ArtifactInfo> listArtifacts(String runId);

    /**
     * The bytes of one artifact.
     *
     * @throws dev.ingot.core.IngotException (bad input) when the run has no such artifact
     */
    byte[] downloadArtifact(String runId, String path);

    /** Ends the run with a status (not {@link RunStatus#RUNNING}) and the current time. */
    void endRun(String runId, RunStatus status);

    /**
     * The run with its params, latest metrics, tags and artifact list.
     *
     * @throws dev.ingot.core.IngotException (bad input) when there is no such run
     */
    Run run(String runId);

    /**
     * The run with its params, latest metrics and tags but not its artifacts ({@link Run#artifacts()} is empty): what
     * a reader of tags or metrics needs, without listing the artifact tree (on MLflow one request per folder, a dozen
     * or more for a Spark ML model; here a single {@code runs/get}).
     *
     * @throws dev.ingot.core.IngotException (bad input) when there is no such run
     */
    Run runData(String runId);

    /** Every value logged for one metric of the run, by step then timestamp. */
    List<Metric> metricHistory(String runId, String key);

    /** The registered model of this name, created (with the description) when missing. */
    RegisteredModel registeredModel(String name, String description);

    /**
     * Registers a new version of a model from a run's artifacts; the model is created when missing.
     *
     * @param artifactPath the folder or file inside the run's artifacts holding the model (e.g. {@code model}); it
     *     must exist
     * @return the new version, numbered one past the highest so far
     */
    ModelVersion createModelVersion(String model, String runId, String artifactPath, Map<String, String> tags,
                                    String description);

    /**
     * The version registered from this run's {@code artifactPath} (the oldest, when there are several), else a new
     * one as {@link #createModelVersion} makes it: the registration for a step that may be repeated, such as a
     * retried {@code train}, so that a retry never leaves two versions of one run's model.
     *
     * <p>{@link #createModelVersion} itself is safe against its own retries: MLflow's create is not idempotent, so
     * before retrying a create that failed with a 5xx or 429 (whose answer may have been lost after the server
     * committed), the MLflow store looks for a version of this run and source made since the call began, and returns
     * it instead of creating another.
     */
    ModelVersion createModelVersionOnce(String model, String runId, String artifactPath, Map<String, String> tags,
                                        String description);

    /** One version, with its tags and aliases; empty when the model or version does not exist. */
    Optional<ModelVersion> modelVersion(String model, long version);

    /** Every version of a model, oldest first; empty when the model does not exist. */
    List<ModelVersion> modelVersions(String model);

    /**
     * Points an alias (e.g. {@code champion}) at a version, moving it atomically from the version it pointed at.
     *
     * @throws dev.ingot.core.IngotException (bad input) when the version does not exist
     */
    void setAlias(String model, String alias, long version);

    /** The version an alias points at; empty when the alias (or model) does not exist. */
    Optional<ModelVersion> versionByAlias(String model, String alias);

    /** Removes an alias; nothing happens when it does not exist. */
    void deleteAlias(String model, String alias);

    /**
     * Sets a tag on a version, replacing the tag of the same key.
     *
     * @throws dev.ingot.core.IngotException (bad input) when the version does not exist
     */
    void setVersionTag(String model, long version, String key, String value);

    /** Releases connections; the store is unusable afterwards. */
    @Override
    void close();
}
