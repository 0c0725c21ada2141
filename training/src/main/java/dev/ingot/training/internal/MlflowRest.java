package dev.ingot.training.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.Secrets;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * MLflow's REST API over {@code java.net.http}, for what the Java client cannot do: the model registry, aliases
 * (deleting one is a DELETE with a JSON body) and the artifact proxy ({@code /api/2.0/mlflow-artifacts}).
 *
 * <p>Sends the same credentials as the client; retries 429 and 5xx with exponential backoff (honouring
 * {@code Retry-After}), never other 4xx. Every failure becomes an {@link IngotException} naming the server (userinfo
 * and registered secrets masked) and the fix: unreachable, credentials refused (401/403) and non-JSON answers (an
 * HTML login or UI page) are bad input, exit 2.
 */
final class MlflowRest {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String shown;
    private final Optional<String> authorization;
    private final HttpClient http;
    private final int maxAttempts;
    private final long firstBackoffMillis;
    private final Duration requestTimeout;
    private final AtomicLong requests = new AtomicLong();

    /**
     * @param base the server's root, e.g. {@code http://127.0.0.1:5000} (no trailing slash)
     * @param authorization the {@code Authorization} header value, if any (registered as a secret by the caller)
     * @param connectTimeout how long to wait for a connection ({@code tracking.connect_timeout_seconds})
     * @param requestTimeout how long to wait for one answer ({@code tracking.request_timeout_seconds})
     */
    MlflowRest(URI base, Optional<String> authorization, int maxAttempts, long firstBackoffMillis,
               Duration connectTimeout, Duration requestTimeout) {
        this.base = base;
        this.shown = shown(base);
        this.authorization = authorization;
        this.maxAttempts = maxAttempts;
        this.firstBackoffMillis = firstBackoffMillis;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** The server's URI as messages show it: without userinfo, registered secrets masked. */
    static String shown(URI uri) {
        String s = uri.getUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "");
        return Secrets.redact(s);
    }

    String shownUri() {
        return shown;
    }

    /** How many HTTP requests this client sent (retries included). */
    long requestCount() {
        return requests.get();
    }

    JsonNode get(String doing, String path, Map<String, String> query) {
        return json(doing, send(doing, request(path + query(query)).GET()));
    }

    JsonNode post(String doing, String path, ObjectNode body) {
        return json(doing, send(doing, postRequest(path, body)));
    }

    /**
     * A POST that creates something the server does not deduplicate (a model version): a retried create whose first
     * answer was lost (a 5xx or 429 after the server had committed) would create it twice. So before each retry,
     * {@code created} looks for what an earlier attempt made, and that is returned instead of sending again.
     *
     * @param created what an earlier attempt of this call created, if any; called before each retry
     */
    JsonNode create(String doing, String path, ObjectNode body, Supplier<Optional<JsonNode>> created) {
        AtomicReference<JsonNode> found = new AtomicReference<>();
        Optional<HttpResponse<byte[]>> response = send(doing, postRequest(path, body).build(), () -> {
            created.get().ifPresent(found::set);
            return found.get() != null;
        });
        return response.map(r -> json(doing, r)).orElseGet(found::get);
    }

    private HttpRequest.Builder postRequest(String path, ObjectNode body) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    }

    JsonNode delete(String doing, String path, ObjectNode body) {
        return json(doing, send(doing, request(path).header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body.toString()))));
    }

    void put(String doing, String path, byte[] bytes) {
        send(doing, request(path).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    byte[] getBytes(String doing, String path) {
        return send(doing, request(path).GET()).body();
    }

    /** Encodes each segment of a {@code /}-separated path for a URL. */
    static String encodePath(String path) {
        StringJoiner j = new StringJoiner("/");
        for (String segment : path.split("/", -1)) {
            j.add(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return j.toString();
    }

    private static String query(Map<String, String> query) {
        if (query.isEmpty()) {
            return "";
        }
        StringJoiner j = new StringJoiner("&", "?", "");
        query.forEach((k, v) -> j.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return j.toString();
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(requestTimeout).header("Accept", "application/json")
                .header("User-Agent", "ingot-training");
        authorization.ifPresent(a -> b.header("Authorization", a));
        return b;
    }

    private HttpResponse<byte[]> send(String doing, HttpRequest.Builder builder) {
        return send(doing, builder.build(), () -> false).orElseThrow();
    }

    /** Sends with retries; empty when {@code doneBeforeRetry} says, before a retry, that no retry is needed. */
    private Optional<HttpResponse<byte[]>> send(String doing, HttpRequest request, BooleanSupplier doneBeforeRetry) {
        for (int attempt = 1; ; attempt++) {
            if (attempt > 1 && doneBeforeRetry.getAsBoolean()) {
                return Optional.empty();
            }
            HttpResponse<byte[]> response;
            try {
                requests.incrementAndGet();
                response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (HttpTimeoutException e) {
                throw e instanceof HttpConnectTimeoutException ? unreachable(doing, shown, e)
                        : noAnswer(doing, shown, requestTimeout);
            } catch (IOException e) {
                throw unreachable(doing, shown, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IngotException(ExitCode.FAILURE, "Interrupted while trying to " + doing, null);
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return Optional.of(response);
            }
            boolean retriable = status == 429 || status >= 500;
            if (!retriable || attempt >= maxAttempts) {
                throw failure(doing, shown, status, new String(response.body(), StandardCharsets.UTF_8));
            }
            sleep(backoff(attempt, response.headers().firstValue("Retry-After")));
        }
    }

    private long backoff(int attempt, Optional<String> retryAfter) {
        long exponential = Math.min(firstBackoffMillis << (attempt - 1), 8_000);
        try {
            return retryAfter.map(s -> Math.min(Long.parseLong(s.trim()) * 1000, 30_000)).orElse(exponential);
        } catch (NumberFormatException e) {
            return exponential;
        }
    }

    private JsonNode json(String doing, HttpResponse<byte[]> response) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw notJson(doing, shown, response.statusCode(), body);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the messages, shared with the Java client's errors (MlflowTrackingStore)

    /**
     * A server that took the request and did not answer within the timeout: a failure (exit 3), not bad input. Not
     * retried here: the request may still be running on the server (a registration, an upload), and the caller's
     * next attempt is a new command, whose idempotent steps find what this one left.
     */
    static IngotException noAnswer(String doing, String server, Duration timeout) {
        return new IngotException(ExitCode.FAILURE, "Cannot " + doing + ": the MLflow server at " + server
                + " took the request and gave no answer within " + timeout.toSeconds() + " s. Fix: try again when the"
                + " server is less busy, or raise tracking.request_timeout_seconds in ingot.yaml (an artifact upload"
                + " over a slow link needs more).", null);
    }

    static IngotException unreachable(String doing, String server, Throwable e) {
        String why = e instanceof ConnectException || e instanceof HttpConnectTimeoutException
                ? "connection refused or timed out"
                : e instanceof UnknownHostException ? "unknown host"
                : e instanceof HttpTimeoutException ? "no answer in time"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new IngotException(ExitCode.BAD_INPUT, "Cannot " + doing + ": the MLflow server at " + server
                + " is unreachable (" + why + "). Fix: start the server, or set tracking.uri in ingot.yaml to the URL"
                + " that `mlflow server` listens on.", null);
    }

    static IngotException failure(String doing, String server, int status, String body) {
        if (status == 401 || status == 403) {
            return new IngotException(ExitCode.BAD_INPUT, "Cannot " + doing + ": the MLflow server at " + server
                    + " refused the credentials (HTTP " + status + "). Fix: set tracking.token in ingot.yaml (or the"
                    + " environment variable MLFLOW_TRACKING_TOKEN), or MLFLOW_TRACKING_USERNAME and"
                    + " MLFLOW_TRACKING_PASSWORD, to credentials that server accepts.", null);
        }
        JsonNode error = parseQuietly(body);
        if (error == null) {
            return notJson(doing, server, status, body);
        }
        String code = error.path("error_code").asText("");
        String message = error.path("message").asText("");
        return new MlflowApiException(status >= 500 ? ExitCode.FAILURE : ExitCode.BAD_INPUT, status, code,
                "Cannot " + doing + ": the MLflow server at " + server + " answered HTTP " + status
                        + (code.isEmpty() ? "" : " " + code) + (message.isEmpty() ? "" : ": " + message)
                        + (status >= 500 ? " (after retries)" : ""));
    }

    static IngotException notJson(String doing, String server, int status, String body) {
        boolean html = body.stripLeading().startsWith("<");
        return new IngotException(ExitCode.BAD_INPUT, "Cannot " + doing + ": the server at " + server
                + " answered " + (html ? "HTML" : "something other than JSON") + " (HTTP " + status + ") where the"
                + " MLflow REST API answers JSON. Fix: set tracking.uri in ingot.yaml to the MLflow tracking server's"
                + " root URL (what `mlflow server` prints), not a UI page, a login page or another service.", null);
    }

    private static JsonNode parseQuietly(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** An error the MLflow REST API answered, with its HTTP status and {@code error_code}. */
    static final class MlflowApiException extends IngotException {
        private final int status;
        private final String errorCode;

        MlflowApiException(ExitCode exitCode, int status, String errorCode, String message) {
            super(exitCode, message, null);
            this.status = status;
            this.errorCode = errorCode;
        }

        int status() {
            return status;
        }

        String errorCode() {
            return errorCode;
        }

        boolean notFound() {
            return status == 404 || errorCode.equals("RESOURCE_DOES_NOT_EXIST");
        }

        boolean alreadyExists() {
            return errorCode.equals("RESOURCE_ALREADY_EXISTS");
        }
    }
}
