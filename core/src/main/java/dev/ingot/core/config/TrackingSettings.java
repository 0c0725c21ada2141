package dev.ingot.core.config;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import java.time.Duration;
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
 * @param connectTimeout for MLflow: how long to wait for a connection
 * @param requestTimeout for MLflow: how long to wait for one answer (an artifact upload included)
 */
public record TrackingSettings(Kind kind, Optional<String> uri, Optional<Secret> token, Optional<String> experiment,
                               Duration connectTimeout, Duration requestTimeout) {
    /** Default of {@code tracking.connect_timeout_seconds}. */
    public static final int CONNECT_TIMEOUT_DEFAULT = 10;
    /** Default of {@code tracking.request_timeout_seconds} (MLflow's own Python client waits as long). */
    public static final int REQUEST_TIMEOUT_DEFAULT = 120;

    /** Kinds of tracking. */
    public enum Kind {
        /** Delta tables {@code ml.runs} and {@code ml.model_versions} in the warehouse. */
        LOCAL,
        /** An MLflow tracking server and model registry. */
        MLFLOW
    }

    public TrackingSettings {
        Errors.required(kind, "TrackingSettings.kind");
        Errors.required(uri, "TrackingSettings.uri (Optional.empty() for none)");
        Errors.required(token, "TrackingSettings.token (Optional.empty() for none)");
        Errors.required(experiment, "TrackingSettings.experiment (Optional.empty() for the project's name)");
        Errors.required(connectTimeout, "TrackingSettings.connectTimeout");
        Errors.required(requestTimeout, "TrackingSettings.requestTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
                || requestTimeout.isZero()) {
            throw Errors.invalidDefinition("TrackingSettings timeouts", connectTimeout + " / " + requestTimeout,
                    "give positive durations");
        }
    }

    /** Settings with the default timeouts. */
    public TrackingSettings(Kind kind, Optional<String> uri, Optional<Secret> token, Optional<String> experiment) {
        this(kind, uri, token, experiment, Duration.ofSeconds(CONNECT_TIMEOUT_DEFAULT),
                Duration.ofSeconds(REQUEST_TIMEOUT_DEFAULT));
    }

    /** The default: the local tracking store. */
    public static TrackingSettings local() {
        return new TrackingSettings(Kind.LOCAL, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The same settings with other timeouts. */
    public TrackingSettings withTimeouts(Duration connect, Duration request) {
        return new TrackingSettings(kind, uri, token, experiment, connect, request);
    }

    /** What stops the MLflow token from resolving (its variable is not set); empty when it resolves or is not used. */
    public List<ConfigProblem> secretProblems() {
        return kind == Kind.MLFLOW ? token.map(Secret::problems).orElse(List.of()) : List.of();
    }

    @Override
    public String toString() {
        return "TrackingSettings[kind=" + kind + ", uri=" + uri.map(dev.ingot.core.Secrets::redact)
                + ", token=" + token + ", experiment=" + experiment + ", connectTimeout=" + connectTimeout
                + ", requestTimeout=" + requestTimeout + "]";
    }
}
