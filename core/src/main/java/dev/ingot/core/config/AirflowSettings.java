package dev.ingot.core.config;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import dev.ingot.core.Secrets;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where {@code ingot airflow} finds Airflow's REST API ({@code airflow:} in {@code ingot.yaml}).
 *
 * @param url the Airflow web server's root, e.g. {@code http://airflow:8080} (no {@code /api/...} part)
 * @param username the user that logs in
 * @param password the user's password; write it as {@code ${env:NAME}}, it is never printed. Only {@code ingot airflow}
 *     resolves it ({@link #secretProblems()}), so other commands run without its variable
 * @param version which API to speak: {@link ApiVersion#AUTO} asks the server
 * @param connectTimeout how long to wait for a connection
 * @param requestTimeout how long to wait for one answer
 */
public record AirflowSettings(URI url, String username, Optional<Secret> password, ApiVersion version,
                              Duration connectTimeout, Duration requestTimeout) {
    /** Default of {@code connect_timeout_seconds}. */
    public static final int CONNECT_TIMEOUT_DEFAULT = 10;
    /** Default of {@code request_timeout_seconds}. */
    public static final int REQUEST_TIMEOUT_DEFAULT = 30;

    /** Airflow's REST APIs. */
    public enum ApiVersion {
        /** Ask the server: {@code /api/v2} when it answers, else {@code /api/v1}. */
        AUTO,
        /** Airflow 2: {@code /api/v1}, HTTP basic authentication. */
        AIRFLOW_2,
        /** Airflow 3: {@code /api/v2}, a JWT from {@code POST /auth/token}. */
        AIRFLOW_3
    }

    public AirflowSettings {
        Errors.required(url, "AirflowSettings.url");
        Errors.required(username, "AirflowSettings.username");
        Errors.required(password, "AirflowSettings.password (Optional.empty() for none)");
        Errors.required(version, "AirflowSettings.version");
        Errors.required(connectTimeout, "AirflowSettings.connectTimeout");
        Errors.required(requestTimeout, "AirflowSettings.requestTimeout");
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw Errors.invalidDefinition("AirflowSettings.url", "'" + Secrets.redact(url.toString())
                    + "' is not an http(s) URL", "give the Airflow web server's root, e.g. http://airflow:8080");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
                || requestTimeout.isZero()) {
            throw Errors.invalidDefinition("AirflowSettings timeouts", connectTimeout + " / " + requestTimeout,
                    "give positive durations");
        }
    }

    /** Settings with the default timeouts. */
    public static AirflowSettings of(URI url, String username, Optional<Secret> password, ApiVersion version) {
        return new AirflowSettings(url, username, password, version, Duration.ofSeconds(CONNECT_TIMEOUT_DEFAULT),
                Duration.ofSeconds(REQUEST_TIMEOUT_DEFAULT));
    }

    /** The same settings with another password. */
    public AirflowSettings withPassword(Optional<Secret> newPassword) {
        return new AirflowSettings(url, username, newPassword, version, connectTimeout, requestTimeout);
    }

    /** What stops the password from resolving (its variable is not set); empty when it resolves or there is none. */
    public List<ConfigProblem> secretProblems() {
        return password.map(Secret::problems).orElse(List.of());
    }

    /** The same settings with another API version. */
    public AirflowSettings withVersion(ApiVersion newVersion) {
        return new AirflowSettings(url, username, password, newVersion, connectTimeout, requestTimeout);
    }

    @Override
    public String toString() {
        return "AirflowSettings[url=" + Secrets.redact(url.toString()) + ", username=" + username + ", password="
                + password + ", version=" + version + ", connectTimeout=" + connectTimeout
                + ", requestTimeout=" + requestTimeout + "]";
    }
}
