package dev.ingot.jobs.airflow.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.Secrets;
import dev.ingot.core.config.AirflowSettings;
import dev.ingot.core.config.Secret;
import dev.ingot.core.config.AirflowSettings.ApiVersion;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP to one Airflow: the API's prefix and authentication for its version, JSON in and out, and the statuses every
 * call shares turned into Ingot's errors (bad credentials, unreachable, server errors). What a status means for one
 * call (404: which thing is missing) is for the caller, which gets the {@link Response}.
 *
 * <p>Airflow 3 ({@code /api/v2}): a JWT from {@code POST /auth/token}, fetched on first use and fetched again once
 * when a call answers 401 (the token expired). Airflow 2 ({@code /api/v1}): HTTP basic authentication. The password
 * and the token are registered with {@link Secrets}, so no message can show them.
 */
public final class AirflowRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Makes request bodies. */
    public static final com.fasterxml.jackson.databind.node.JsonNodeFactory JSON_NODES = JSON.getNodeFactory();

    private final AirflowSettings settings;
    private final HttpClient http;
    private final ApiVersion version;
    private final AtomicInteger tokensFetched = new AtomicInteger();
    private volatile String token;

    /**
     * A status and the body read as JSON (an empty object when the body is empty; when it is not JSON, an object
     * whose {@code detail} is the start of the text, and {@code json} is false).
     */
    public record Response(int status, JsonNode body, boolean json) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** Airflow's explanation: {@code detail} as text, a validation error's fields, or the body. */
        public String detail() {
            JsonNode d = body.path("detail");
            if (d.isTextual()) {
                return d.asText();
            }
            if (d.isArray()) {
                List<String> parts = new ArrayList<>();
                d.forEach(e -> parts.add(String.join(".", texts(e.path("loc"))) + ": " + e.path("msg").asText()));
                return String.join("; ", parts);
            }
            if (d.isObject()) {
                return d.path("reason").asText(d.path("message").asText(d.toString()));
            }
            // Airflow 2 (connexion): problem+json with title and detail
            return body.path("title").asText(body.toString());
        }

        private static List<String> texts(JsonNode arr) {
            List<String> out = new ArrayList<>();
            arr.forEach(x -> out.add(x.asText()));
            return out;
        }
    }

    private AirflowRest(AirflowSettings settings, HttpClient http, ApiVersion version) {
        this.settings = settings;
        this.http = http;
        this.version = version;
    }

    /** Connects: resolves {@link ApiVersion#AUTO} by asking the server (which also checks it is reachable). */
    public static AirflowRest connect(AirflowSettings settings) {
        // Resolved first: an unset variable is exit 2 naming airflow.password, before any request.
        settings.password().ifPresent(Secret::resolve);
        // HTTP/1.1: Java's default asks to upgrade to HTTP/2 (h2c), and Airflow's uvicorn answers a POST that asks
        // so with 400 "Invalid HTTP request received".
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        ApiVersion v = settings.version() == ApiVersion.AUTO ? detect(settings, http) : settings.version();
        return new AirflowRest(settings, http, v);
    }

    /** The API this client speaks (never {@link ApiVersion#AUTO}). */
    public ApiVersion version() {
        return version;
    }

    /** The server, for messages. */
    public String where() {
        return "Airflow at " + Secrets.redact(settings.url().toString());
    }

    /** How many tokens were fetched so far (Airflow 3): 1 after the first call, one more per refresh. */
    public int tokensFetched() {
        return tokensFetched.get();
    }

    /** A path segment, encoded (run ids hold {@code :} and {@code +}). */
    public static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public Response get(String apiPath, String doing) {
        return call("GET", apiPath, null, doing);
    }

    public Response post(String apiPath, ObjectNode body, String doing) {
        return call("POST", apiPath, body, doing);
    }

    public Response patch(String apiPath, ObjectNode body, String doing) {
        return call("PATCH", apiPath, body, doing);
    }

    /**
     * One API call ({@code apiPath} below {@code /api/v1} or {@code /api/v2}). Statuses that mean the same for every
     * call end here as errors: 401 after a refreshed token, 403, 5xx. The others are the caller's to read.
     */
    private Response call(String method, String apiPath, ObjectNode body, String doing) {
        String prefix = version == ApiVersion.AIRFLOW_3 ? "/api/v2" : "/api/v1";
        Response r = send(method, prefix + apiPath, body, auth(doing), doing);
        if (version == ApiVersion.AIRFLOW_3 && (r.status() == 401
                || (r.status() == 403 && r.detail().contains("Invalid JWT")))) {
            // The token expired (401 "Token Expired"), or the server's JWT secret changed since it was made (403
            // "Invalid JWT token", e.g. after a restart without a fixed secret): fetch a new one, once.
            token = null;
            r = send(method, prefix + apiPath, body, auth(doing), doing);
        }
        if (r.status() == 401) {
            throw badCredentials(doing, r);
        }
        if (r.status() == 403) {
            throw Errors.badData(doing + " on " + where(), "user '" + settings.username() + "' may not ("
                    + r.detail() + ")", "give airflow.username a role that may trigger and read DAG runs (Op or"
                    + " Admin), or ask Airflow's administrator");
        }
        if (r.status() >= 500) {
            throw Errors.serviceFailed(doing + " on " + where(), "the server answered " + r.status() + " ("
                    + r.detail() + ")", "read the Airflow API server's log, then try again");
        }
        if (r.ok() && !r.json()) {
            // Read as an empty answer, a cut-off list of runs would say "no runs" and a cut-off run nothing at all.
            throw Errors.serviceFailed(doing + " on " + where(), method + " " + prefix + apiPath + " answered "
                    + r.status() + " with a body that is not JSON (" + r.detail() + ")", "check that airflow.url is"
                    + " Airflow's API server and not a proxy or login page in front of it, then try again");
        }
        return r;
    }

    private String auth(String doing) {
        if (version == ApiVersion.AIRFLOW_2) {
            String pair = settings.username() + ":" + password();
            String basic = Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
            Secrets.register(basic);
            return "Basic " + basic;
        }
        String t = token;
        if (t == null) {
            t = fetchToken(doing);
            token = t;
        }
        return "Bearer " + t;
    }

    private String fetchToken(String doing) {
        ObjectNode login = JSON.createObjectNode().put("username", settings.username())
                .put("password", password());
        Response r = send("POST", "/auth/token", login, null, doing);
        if (r.status() == 401 || r.status() == 400 || r.status() == 403) {
            throw badCredentials(doing, r);
        }
        if (r.status() >= 300 || !r.body().path("access_token").isTextual()) {
            throw Errors.serviceFailed(doing + " on " + where(), "POST /auth/token answered " + r.status() + " ("
                    + r.detail() + ") instead of a token", "check that airflow.url is Airflow 3's API server (or set"
                    + " airflow.version: 2 for Airflow 2)");
        }
        String t = r.body().path("access_token").asText();
        Secrets.register(t);
        tokensFetched.incrementAndGet();
        return t;
    }

    /** The password, resolved from the environment ({@link Secret#resolve()}); empty when there is none. */
    private String password() {
        return settings.password().map(Secret::resolve).orElse("");
    }

    private IngotException badCredentials(String doing, Response r) {
        return Errors.badData(doing + " on " + where(), "Airflow refused the login of user '" + settings.username()
                + "' (" + r.status() + " " + r.detail() + ")" + (settings.password().isEmpty() ? "; no password is set"
                : ""), "check airflow.username and airflow.password in ingot.yaml (the password comes from the"
                + " environment, e.g. password: ${env:INGOT_AIRFLOW_PASSWORD})");
    }

    private Response send(String method, String path, ObjectNode body, String authorization, String doing) {
        return send(http, settings, method, path, body, authorization, doing);
    }

    private static Response send(HttpClient http, AirflowSettings settings, String method, String path, ObjectNode body,
                                 String authorization, String doing) {
        URI uri = URI.create(settings.url() + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.requestTimeout())
                .header("Accept", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        String where = "Airflow at " + Secrets.redact(settings.url().toString());
        try {
            HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return response(resp.statusCode(), resp.body());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw Errors.serviceFailed(doing + " on " + where, "the server cannot be reached (" + describe(e) + ")",
                    "check airflow.url in ingot.yaml and that Airflow's API server is running");
        } catch (HttpTimeoutException e) {
            throw Errors.serviceFailed(doing + " on " + where, method + " " + path + " got no answer within "
                    + settings.requestTimeout().toSeconds() + " s", "try again, or raise airflow.request_timeout_seconds");
        } catch (IOException e) {
            throw Errors.serviceFailed(doing + " on " + where, "the connection failed (" + describe(e) + ")",
                    "check airflow.url in ingot.yaml and that Airflow's API server is running");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.serviceFailed(doing + " on " + where, "interrupted", "run it again");
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return Secrets.redact(m == null || m.isBlank() ? e.getClass().getSimpleName() : m);
    }

    private static Response response(int status, String text) {
        if (text == null || text.isBlank()) {
            return new Response(status, JSON.createObjectNode(), true);
        }
        try {
            return new Response(status, JSON.readTree(text), true);
        } catch (IOException notJson) {
            // An HTML error page or a cut-off answer: one line of it, for a one-line message.
            String line = text.strip().replaceAll("\\s+", " ");
            String shown = line.length() > 200 ? line.substring(0, 200) + "..." : line;
            return new Response(status, JSON.createObjectNode().put("detail", shown), false);
        }
    }

    /**
     * Which API the server speaks: Airflow 3 answers {@code GET /api/v2/version} (no login needed), Airflow 2 answers
     * {@code GET /api/v1/version}.
     */
    private static ApiVersion detect(AirflowSettings settings, HttpClient http) {
        String doing = "find which Airflow API the server speaks";
        Response v2 = send(http, settings, "GET", "/api/v2/version", null, null, doing);
        if (v2.ok() && v2.body().path("version").asText().startsWith("3")) {
            return ApiVersion.AIRFLOW_3;
        }
        Response v1 = send(http, settings, "GET", "/api/v1/version", null, null, doing);
        if (v1.ok() && v1.body().path("version").asText().startsWith("2")) {
            return ApiVersion.AIRFLOW_2;
        }
        throw Errors.badData(doing + " (Airflow at " + Secrets.redact(settings.url().toString()) + ")",
                "neither GET /api/v2/version (" + v2.status() + ") nor GET /api/v1/version (" + v1.status()
                        + ") answered with an Airflow 3 or 2 version", "check that airflow.url is the Airflow web (API)"
                        + " server's root, e.g. http://airflow:8080, or set airflow.version to 2 or 3");
    }

    /** A run's conf (maps, lists and scalars from {@code --conf} or Java) as JSON. */
    public static JsonNode toJson(Object value) {
        return JSON.valueToTree(value);
    }

    /** Optional text of a JSON field (absent and null both read as empty). */
    public static Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isMissingNode() || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }
}
