package dev.ingot.training.internal;

import dev.ingot.core.Errors;
import dev.ingot.training.RunStatus;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * MLflow's rules for names and values, applied by both backends so that what the local store accepts an MLflow
 * server accepts too (the limits are MLflow's {@code mlflow/utils/validation.py}).
 */
public final class TrackingKeys {
    /** A param, metric or tag key: MLflow allows letters, digits, {@code _ - . /}, spaces and colons. */
    private static final Pattern KEY = Pattern.compile("[\\w.\\- /:]+");
    private static final Pattern ALIAS = Pattern.compile("[\\w\\-]+");
    private static final Pattern VERSION_LIKE = Pattern.compile("[vV]\\d+");
    private static final Pattern RUN_ID = Pattern.compile("[\\w\\-]{1,256}");
    /** MLflow's longest key. */
    public static final int MAX_KEY_LENGTH = 250;
    /** MLflow's longest param value. */
    public static final int MAX_PARAM_VALUE_LENGTH = 6000;
    /** MLflow's longest run tag value. */
    public static final int MAX_TAG_VALUE_LENGTH = 8000;

    private TrackingKeys() {}

    /** A param, metric or tag key, checked as MLflow checks it (also: no {@code ..}, no leading {@code /}). */
    public static String requireKey(String kind, String key) {
        if (key == null || key.length() > MAX_KEY_LENGTH || !KEY.matcher(key).matches() || !isNormalPath(key)) {
            throw Errors.badArgument(kind + " key", key, "1 to " + MAX_KEY_LENGTH + " letters, digits, '_', '-', '.',"
                    + " '/', ':' or spaces, not starting with '/' and without '.' or '..' segments (MLflow's rule)");
        }
        return key;
    }

    /**
     * A run's idempotency key: 1 to 250 characters without quotes or backslashes (it goes into an MLflow search
     * filter as a string literal).
     */
    public static String requireRunKey(String runKey) {
        if (runKey == null || runKey.isEmpty() || runKey.length() > MAX_KEY_LENGTH || runKey.contains("'")
                || runKey.contains("\\") || runKey.contains("\"")) {
            throw Errors.badArgument("run key", runKey, "1 to " + MAX_KEY_LENGTH
                    + " characters without quotes or backslashes, e.g. fraud@spec=ab12,data=7");
        }
        return runKey;
    }

    /** A run id as the stores make them (hex digits; MLflow's may carry {@code -}): it goes into paths and filters. */
    public static String requireRunId(String runId) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            throw Errors.badArgument("run id", runId, "the id of a run, as startRun or findRun returned it (e.g. "
                    + "0f3a9c...: letters, digits, '_' or '-', at most 256)");
        }
        return runId;
    }

    /** An experiment id, as {@code experiment(name).id()} returned it. */
    public static String requireExperimentId(String experimentId) {
        if (experimentId == null || !RUN_ID.matcher(experimentId).matches()) {
            throw Errors.badArgument("experiment id", experimentId, "the id of an experiment, as experiment(name)"
                    + " returned it");
        }
        return experimentId;
    }

    /** A local file to upload as an artifact: it must exist and be a regular file. */
    public static java.nio.file.Path requireArtifactFile(String path, java.nio.file.Path file) {
        if (file == null || !java.nio.file.Files.isRegularFile(file)) {
            throw Errors.badArgument("file of artifact " + path, file, "an existing local file to upload");
        }
        return file;
    }

    /** A value no longer than {@code max} characters. */
    public static String requireValue(String kind, String key, String value, int max) {
        if (value == null || value.length() > max) {
            throw Errors.badArgument(kind + " '" + key + "'", value == null ? "null" : value.length() + " characters",
                    "a value of at most " + max + " characters (MLflow's limit): log longer text as an artifact");
        }
        return value;
    }

    /** An alias such as {@code champion}: letters, digits, {@code _} and {@code -}; not {@code latest} or {@code v3}. */
    public static String requireAlias(String alias) {
        if (alias == null || alias.length() > 255 || !ALIAS.matcher(alias).matches()
                || alias.equalsIgnoreCase("latest") || VERSION_LIKE.matcher(alias).matches()) {
            throw Errors.badArgument("alias", alias,
                    "letters, digits, '_' or '-', other than 'latest' and 'v<number>' (MLflow reserves those)");
        }
        return alias;
    }

    /** A registered model's name: non-empty, no {@code /}, at most 250 characters. */
    public static String requireModelName(String name) {
        if (name == null || name.isBlank() || name.length() > MAX_KEY_LENGTH || name.contains("/")
                || name.contains("'") || !name.strip().equals(name)) {
            throw Errors.badArgument("model name", name,
                    "a non-empty name of at most 250 characters without '/', quotes or surrounding spaces");
        }
        return name;
    }

    /** An experiment's name: 1 to 500 characters (MLflow's limit). */
    public static String requireExperimentName(String name) {
        if (name == null || name.isBlank() || name.length() > 500) {
            throw Errors.badArgument("experiment name", name, "a non-empty name of at most 500 characters");
        }
        return name;
    }

    /** How a run ended: anything but {@code RUNNING}. */
    public static RunStatus requireEndStatus(RunStatus status) {
        if (status == null || status == RunStatus.RUNNING) {
            throw Errors.badArgument("run status", status, "FINISHED, FAILED or KILLED");
        }
        return status;
    }

    /** The arguments of a new model version: model name, artifact path and tag keys. */
    public static void requireNewVersion(String model, String artifactPath, Map<String, String> tags) {
        requireModelName(model);
        requireArtifactPath(artifactPath);
        Errors.required(tags, "model version tags").keySet().forEach(k -> requireKey("model version tag", k));
    }

    /** A version number: 1 or more. */
    public static long requireVersion(long version) {
        if (version < 1) {
            throw Errors.badArgument("model version", version, "a version number of 1 or more");
        }
        return version;
    }

    /**
     * A path relative to a run's artifact root: {@code /} separators, no leading {@code /}, no empty, {@code .} or
     * {@code ..} segment (an artifact must stay inside its run's folder).
     */
    public static String requireArtifactPath(String path) {
        if (path == null || path.isEmpty() || path.contains("\\") || !isNormalPath(path) || path.endsWith("/")) {
            throw Errors.badArgument("artifact path", path,
                    "a relative file path inside the run's artifacts, e.g. model/metadata.json (no leading '/', no '..')");
        }
        return path;
    }

    private static boolean isNormalPath(String p) {
        if (p.startsWith("/")) {
            return false;
        }
        for (String segment : p.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
