package dev.ingot.core.config;

import dev.ingot.core.ConfigProblem;
import java.util.List;
import java.util.Optional;

/**
 * Where training runs and model versions are recorded.
 *
 * @param kind the local tracking store (Delta tables in the {@code ml} database) or an MLflow server
 * @param uri for MLflow: the server's {@code http(s)://} URI (or {@code databricks})
 * @param token for MLflow: a bearer token; write it as {@code ${env:NAME}}, it is never printed. Only the commands that
 *     talk to the tracking server resolve it ({@link #secretProblems()}), so others run without its variable
 * @param experiment the MLflow experiment (default: the project's name)
 */
public record TrackingSettings(Kind kind, Optional<String> uri, Optional<Secret> token, Optional<String> experiment) {

    /** Kinds of tracking. */
    public enum Kind {
        /** Delta tables {@code ml.runs} and {@code ml.model_versions} in the warehouse. */
        LOCAL,
        /** An MLflow tracking server and model registry. */
        MLFLOW
    }

    /** The default: the local tracking store. */
    public static TrackingSettings local() {
        return new TrackingSettings(Kind.LOCAL, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** What stops the MLflow token from resolving (its variable is not set); empty when it resolves or is not used. */
    public List<ConfigProblem> secretProblems() {
        return kind == Kind.MLFLOW ? token.map(Secret::problems).orElse(List.of()) : List.of();
    }

    @Override
    public String toString() {
        return "TrackingSettings[kind=" + kind + ", uri=" + uri.map(dev.ingot.core.Secrets::redact)
                + ", token=" + token + ", experiment=" + experiment + "]";
    }
}
