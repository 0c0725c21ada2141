package dev.ingot.training.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.Secrets;
import dev.ingot.core.config.Secret;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.ArtifactInfo;
import dev.ingot.training.Experiment;
import dev.ingot.training.LogBatch;
import dev.ingot.training.Metric;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.RegisteredModel;
import dev.ingot.training.Run;
import dev.ingot.training.RunInfo;
import dev.ingot.training.RunStatus;
import dev.ingot.training.TrackingStore;
import dev.ingot.training.internal.MlflowRest.MlflowApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowClientException;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;

/**
 * The {@code mlflow} tracking store: experiments, runs, params, metrics and tags through the official Java client
 * ({@link MlflowClient}); the model registry and aliases through the REST API ({@link MlflowRest}), since the client has
 * no methods for them; artifacts through the server's artifact proxy ({@code PUT /api/2.0/mlflow-artifacts/...}),
 * never the client's artifact methods, which run a Python program.
 */
public final class MlflowTrackingStore implements TrackingStore {
    private static final String API = "/api/2.0/mlflow";
    private static final String ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts";
    private static final String ARTIFACT_SCHEME = "mlflow-artifacts:";

    private final MlflowClient client;
    private final MlflowRest rest;
    /** Bounds each Java client call: the client's HTTP connections have no read timeout of their own. */
    private final Duration requestTimeout;
    private final ExecutorService clientCalls = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ingot-mlflow-client");
        t.setDaemon(true);
        return t;
    });
    /** Set when a client call timed out: the client was closed to free its blocked connection. */
    private volatile IngotException timedOut;
    /** Run id to its artifact folder on the proxy ({@code <experiment>/<run>/artifacts}): fixed for a run's life. */
    private final Map<String, String> artifactBases = new ConcurrentHashMap<>();

    private MlflowTrackingStore(MlflowClient client, MlflowRest rest, Duration requestTimeout) {
        this.client = client;
        this.rest = rest;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Connects to the server of {@code settings.uri()} and checks it answers the REST API (a clear error now rather
     * than in the middle of a training).
     *
     * @param env the environment to read {@code MLFLOW_TRACKING_TOKEN}, {@code MLFLOW_TRACKING_USERNAME} and
     *     {@code MLFLOW_TRACKING_PASSWORD} from
     */
    public static MlflowTrackingStore open(TrackingSettings settings, Map<String, String> env) {
        return open(settings, env, 5, 500);
    }

    /** As {@link #open(TrackingSettings, Map)}, with the retry policy of the REST calls (for tests). */
    static MlflowTrackingStore open(TrackingSettings settings, Map<String, String> env, int maxAttempts,
                                    long firstBackoffMillis) {
        URI uri = serverUri(settings);
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            Secrets.register(userInfo);
            Secrets.register(uri.getRawUserInfo());
        }
        // Requests never carry userinfo in the URL; it is basic auth of the lowest precedence.
        String host = (userInfo == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", ""))
                .replaceAll("/+$", "");
        // tracking.token is resolved here, by a command that talks to MLflow (an unset variable is exit 2).
        Optional<String> token = settings.token().map(Secret::resolve).filter(t -> !t.isEmpty())
                .or(() -> Optional.ofNullable(env.get("MLFLOW_TRACKING_TOKEN")).filter(t -> !t.isEmpty()));
        String user = env.get("MLFLOW_TRACKING_USERNAME");
        String password = env.get("MLFLOW_TRACKING_PASSWORD");
        if ((user == null || password == null) && userInfo != null && userInfo.contains(":")) {
            user = userInfo.substring(0, userInfo.indexOf(':'));
            password = userInfo.substring(userInfo.indexOf(':') + 1);
        }
        BasicMlflowHostCreds creds;
        Optional<String> authorization;
        if (token.isPresent()) {
            Secrets.register(token.get());
            creds = new BasicMlflowHostCreds(host, token.get());
            authorization = Optional.of("Bearer " + token.get());
        } else if (user != null && password != null) {
            Secrets.register(password);
            String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            Secrets.register(basic);
            creds = new BasicMlflowHostCreds(host, user, password);
            authorization = Optional.of("Basic " + basic);
        } else {
            creds = new BasicMlflowHostCreds(host);
            authorization = Optional.empty();
        }
        authorization.ifPresent(Secrets::register);
        MlflowRest rest = new MlflowRest(URI.create(host), authorization, maxAttempts, firstBackoffMillis,
                settings.connectTimeout(), settings.requestTimeout());
        // The probe: unreachable, refused credentials and HTML answers fail here, with the fix.
        rest.get("connect to the MLflow tracking server", API + "/experiments/search", Map.of("max_results", "1"));
        return new MlflowTrackingStore(new MlflowClient(creds), rest, settings.requestTimeout());
    }

    private static URI serverUri(TrackingSettings settings) {
        String raw = settings.uri().orElseThrow(() -> Errors.invalidConfig("ingot.yaml", "tracking.uri",
                "missing: tracking 'type: mlflow' needs the server's URL", "write uri: http(s)://host:port"));
        try {
            URI uri = new URI(raw);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw Errors.invalidConfig("ingot.yaml", "tracking.uri", "'" + MlflowRest.shown(uri)
                        + "' is not an http(s) URL", "write the MLflow server's URL, e.g. http://mlflow:5000 (for"
                        + " Databricks: https://<workspace-host> with tracking.token)");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw Errors.invalidConfig("ingot.yaml", "tracking.uri", "not a valid URL (" + e.getReason() + ")",
                    "write the MLflow server's URL, e.g. http://mlflow:5000");
        }
    }

    /** How many requests the REST side sent (the Java client's are not counted). */
    long restRequestCount() {
        return rest.requestCount();
    }

    @Override
    public String describe() {
        return "mlflow (" + rest.shownUri() + ")";
    }

    /**
     * Runs a Java client call, turning its exceptions into Ingot's. The call (its requests and the client's own 429
     * retries) must end within {@code tracking.request_timeout_seconds}: the client's Apache HTTP connections have no
     * read timeout and would wait for a silent server forever. After a timeout the client is closed, which frees the
     * blocked connection; this store then refuses further calls with the same error.
     */
    private <T> T call(String doing, Supplier<T> action) {
        if (timedOut != null) {
            throw timedOut;
        }
        Future<T> pending = clientCalls.submit(action::get);
        try {
            return pending.get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            timedOut = MlflowRest.noAnswer(doing, rest.shownUri(), requestTimeout);
            client.close();
            throw timedOut;
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new IngotException(ExitCode.FAILURE, "Interrupted while trying to " + doing, null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw clientError(doing, r);
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** What a failed client call means, in Ingot's terms (other exceptions as they are). */
    private RuntimeException clientError(String doing, RuntimeException e) {
        if (e instanceof MlflowHttpException h) {
            return MlflowRest.failure(doing, rest.shownUri(), h.getStatusCode(),
                    h.getBodyMessage() == null ? "" : h.getBodyMessage());
        }
        if (e instanceof MlflowClientException) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof IOException && !t.getClass().getName().contains("protobuf")) {
                    return MlflowRest.unreachable(doing, rest.shownUri(), t);
                }
            }
            return MlflowRest.notJson(doing, rest.shownUri(), 200, String.valueOf(e.getMessage()));
        }
        return e;
    }

    // ---- experiments and runs

    @Override
    public Experiment experiment(String name) {
        TrackingKeys.requireExperimentName(name);
        String doing = "get or create MLflow experiment '" + name + "'";
        Optional<Service.Experiment> found = call(doing, () -> client.getExperimentByName(name));
        if (found.isEmpty()) {
            try {
                String id = call(doing, () -> client.createExperiment(name));
                return new Experiment(id, name);
            } catch (MlflowApiException e) {
                if (!e.alreadyExists()) {
                    throw e;
                }
                found = call(doing, () -> client.getExperimentByName(name));
            }
        }
        Service.Experiment e = found.orElseThrow();
        if ("deleted".equals(e.getLifecycleStage())) {
            throw Errors.badData(doing, "the experiment exists on " + rest.shownUri() + " but is deleted",
                    "restore it in MLflow, or set tracking.experiment in ingot.yaml to another name");
        }
        return new Experiment(e.getExperimentId(), e.getName());
    }

    @Override
    public RunInfo startRun(String experimentId, String runKey, String runName, Map<String, String> tags) {
        TrackingKeys.requireExperimentId(experimentId);
        TrackingKeys.requireRunKey(runKey);
        Errors.required(runName, "run name");
        Errors.required(tags, "run tags");
        LogBatch start = LogBatch.empty().withTags(tags).withTag(RUN_KEY_TAG, runKey);
        Optional<RunInfo> existing = findRun(experimentId, runKey);
        if (existing.isPresent()) {
            return existing.get();
        }
        Service.CreateRun.Builder create = Service.CreateRun.newBuilder().setExperimentId(experimentId)
                .setRunName(runName).setStartTime(System.currentTimeMillis())
                .setUserId(System.getProperty("user.name", ""));
        start.tags().forEach((k, v) -> create.addTags(Service.RunTag.newBuilder().setKey(k).setValue(v)));
        Service.RunInfo created = call("start a run in MLflow experiment " + experimentId,
                () -> client.createRun(create.build()));
        // The client retries failed requests, so a create whose answer was lost may have made two runs: keep the
        // first, delete the others.
        List<Service.RunInfo> same = searchByKey(experimentId, runKey);
        if (same.isEmpty()) {
            return info(created, runKey);
        }
        for (Service.RunInfo extra : same.subList(1, same.size())) {
            call("delete duplicate run " + extra.getRunId(), () -> {
                client.deleteRun(extra.getRunId());
                return null;
            });
        }
        return info(same.get(0), runKey);
    }

    @Override
    public Optional<RunInfo> findRun(String experimentId, String runKey) {
        TrackingKeys.requireExperimentId(experimentId);
        TrackingKeys.requireRunKey(runKey);
        return searchByKey(experimentId, runKey).stream().findFirst().map(r -> info(r, runKey));
    }

    private List<Service.RunInfo> searchByKey(String experimentId, String runKey) {
        String filter = "tags.`" + RUN_KEY_TAG + "` = '" + runKey + "'";
        List<Service.RunInfo> runs = new ArrayList<>(call("find the run with key " + runKey,
                () -> client.searchRuns(List.of(experimentId), filter)));
        runs.sort(Comparator.comparingLong(Service.RunInfo::getStartTime).thenComparing(Service.RunInfo::getRunId));
        return runs;
    }

    private static RunInfo info(Service.RunInfo r, String runKey) {
        return new RunInfo(r.getRunId(), r.getExperimentId(), r.getRunName(), runKey,
                RunStatus.valueOf(r.getStatus().name()), Instant.ofEpochMilli(r.getStartTime()),
                r.getEndTime() == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(r.getEndTime())),
                r.getArtifactUri());
    }

    @Override
    public void log(String runId, LogBatch batch) {
        TrackingKeys.requireRunId(runId);
        Errors.required(batch, "log batch");
        for (LogBatch part : MlflowBatches.split(batch)) {
            List<Service.Param> params = new ArrayList<>();
            part.params().forEach((k, v) -> params.add(Service.Param.newBuilder().setKey(k).setValue(v).build()));
            List<Service.RunTag> tags = new ArrayList<>();
            part.tags().forEach((k, v) -> tags.add(Service.RunTag.newBuilder().setKey(k).setValue(v).build()));
            List<Service.Metric> metrics = part.metrics().stream().map(m -> Service.Metric.newBuilder()
                    .setKey(m.key()).setValue(m.value()).setStep(m.step())
                    .setTimestamp(m.timestamp().toEpochMilli()).build()).toList();
            call("log " + part.size() + " params, metrics and tags to run " + runId, () -> {
                client.logBatch(runId, metrics, params, tags);
                return null;
            });
        }
    }

    @Override
    public void endRun(String runId, RunStatus status) {
        TrackingKeys.requireEndStatus(status);
        TrackingKeys.requireRunId(runId);
        call("end run " + runId, () -> {
            client.setTerminated(runId, Service.RunStatus.valueOf(status.name()), System.currentTimeMillis());
            return null;
        });
    }

    @Override
    public Run run(String runId) {
        Run data = runData(runId);
        return new Run(data.info(), data.params(), data.latestMetrics(), data.tags(), listArtifacts(runId));
    }

    @Override
    public Run runData(String runId) {
        Service.Run run = getRun(runId);
        Map<String, String> tags = new HashMap<>();
        run.getData().getTagsList().forEach(t -> tags.put(t.getKey(), t.getValue()));
        Map<String, String> params = new HashMap<>();
        run.getData().getParamsList().forEach(p -> params.put(p.getKey(), p.getValue()));
        Map<String, Metric> latest = new HashMap<>();
        run.getData().getMetricsList().forEach(m -> latest.put(m.getKey(), metric(m)));
        return new Run(info(run.getInfo(), tags.getOrDefault(RUN_KEY_TAG, "")), params, latest, tags, List.of());
    }

    private Service.Run getRun(String runId) {
        TrackingKeys.requireRunId(runId);
        try {
            return call("read run " + runId, () -> client.getRun(runId));
        } catch (MlflowApiException e) {
            if (e.notFound()) {
                throw Errors.badData("read run " + runId, "the MLflow server at " + rest.shownUri() + " has no such"
                        + " run", "use a run id returned by startRun");
            }
            throw e;
        }
    }

    private static Metric metric(Service.Metric m) {
        return new Metric(m.getKey(), m.getValue(), m.getStep(), Instant.ofEpochMilli(m.getTimestamp()));
    }

    @Override
    public List<Metric> metricHistory(String runId, String key) {
        TrackingKeys.requireRunId(runId);
        TrackingKeys.requireKey("metric", key);
        return call("read the history of metric " + key + " of run " + runId,
                () -> client.getMetricHistory(runId, key)).stream().map(MlflowTrackingStore::metric)
                .sorted(Comparator.comparingLong(Metric::step).thenComparing(Metric::timestamp)).toList();
    }

    // ---- artifacts, through the server's proxy

    /** {@code <experiment>/<run>/artifacts}: the run's folder under the server's {@code --artifacts-destination}. */
    private String artifactBase(String runId) {
        TrackingKeys.requireRunId(runId);
        return artifactBases.computeIfAbsent(runId, id -> {
            String uri = getRun(id).getInfo().getArtifactUri();
            if (!uri.startsWith(ARTIFACT_SCHEME)) {
                throw Errors.badData("store artifacts of run " + id, "the MLflow server at " + rest.shownUri()
                        + " keeps them at '" + uri + "', which it does not serve", "start the server with"
                        + " --serve-artifacts (Ingot uploads artifacts through the server, never with a Python client)");
            }
            // mlflow-artifacts:/1/<run>/artifacts, or mlflow-artifacts://host:port/1/<run>/artifacts
            String path = uri.substring(ARTIFACT_SCHEME.length());
            if (path.startsWith("//")) {
                int slash = path.indexOf('/', 2);
                path = slash < 0 ? "" : path.substring(slash);
            }
            return path.replaceAll("^/+", "").replaceAll("/+$", "");
        });
    }

    @Override
    public void uploadArtifact(String runId, String path, byte[] bytes) {
        TrackingKeys.requireArtifactPath(path);
        Errors.required(bytes, "bytes of artifact " + path);
        rest.put("upload artifact " + path + " of run " + runId,
                ARTIFACTS_API + "/" + MlflowRest.encodePath(artifactBase(runId) + "/" + path), bytes);
    }

    @Override
    public void uploadArtifact(String runId, String path, java.nio.file.Path file) {
        TrackingKeys.requireArtifactFile(path, file);
        try {
            uploadArtifact(runId, path, Files.readAllBytes(file));
        } catch (IOException e) {
            throw Errors.jobFailed("read " + file + " to upload it as artifact " + path, new UncheckedIOException(e));
        }
    }

    @Override
    public List<ArtifactInfo> listArtifacts(String runId) {
        List<ArtifactInfo> out = new ArrayList<>();
        list(runId, artifactBase(runId), "", out);
        out.sort(Comparator.comparing(ArtifactInfo::path));
        return out;
    }

    private void list(String runId, String base, String dir, List<ArtifactInfo> out) {
        JsonNode files = rest.get("list the artifacts of run " + runId, ARTIFACTS_API,
                Map.of("path", dir.isEmpty() ? base : base + "/" + dir)).path("files");
        for (JsonNode f : files) {
            // The proxy answers names relative to the folder listed.
            String name = f.path("path").asText();
            String rel = dir.isEmpty() ? name : dir + "/" + name;
            if (f.path("is_dir").asBoolean(false)) {
                list(runId, base, rel, out);
            } else {
                out.add(new ArtifactInfo(rel, f.path("file_size").asLong(0)));
            }
        }
    }

    /**
     * Whether the run has a file or folder at {@code path}: one listing of its parent folder, not of the whole tree (a
     * Spark ML model folder has dozens of subfolders, each a request).
     */
    private boolean hasArtifact(String runId, String path) {
        String base = artifactBase(runId);
        int slash = path.lastIndexOf('/');
        String parent = slash < 0 ? "" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        JsonNode files = rest.get("list the artifacts of run " + runId, ARTIFACTS_API,
                Map.of("path", parent.isEmpty() ? base : base + "/" + parent)).path("files");
        for (JsonNode f : files) {
            if (f.path("path").asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public byte[] downloadArtifact(String runId, String path) {
        TrackingKeys.requireArtifactPath(path);
        String doing = "download artifact " + path + " of run " + runId;
        try {
            return rest.getBytes(doing, ARTIFACTS_API + "/" + MlflowRest.encodePath(artifactBase(runId) + "/" + path));
        } catch (MlflowApiException e) {
            if (e.notFound()) {
                throw Errors.badData(doing, "the run has no such artifact",
                        "list the run's artifacts (listArtifacts) for the paths it has");
            }
            throw e;
        }
    }

    // ---- registry, over REST

    @Override
    public RegisteredModel registeredModel(String name, String description) {
        TrackingKeys.requireModelName(name);
        String doing = "register model " + name;
        try {
            ObjectNode body = MlflowRest.JSON.createObjectNode().put("name", name)
                    .put("description", description == null ? "" : description);
            return registeredModel(rest.post(doing, API + "/registered-models/create", body).path("registered_model"));
        } catch (MlflowApiException e) {
            if (!e.alreadyExists()) {
                throw e;
            }
            return registeredModel(getModel(doing, name).orElseThrow(() -> e).path("registered_model"));
        }
    }

    private Optional<JsonNode> getModel(String doing, String name) {
        try {
            return Optional.of(rest.get(doing, API + "/registered-models/get", Map.of("name", name)));
        } catch (MlflowApiException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static RegisteredModel registeredModel(JsonNode m) {
        return new RegisteredModel(m.path("name").asText(), m.path("description").asText(""),
                Instant.ofEpochMilli(m.path("creation_timestamp").asLong()));
    }

    @Override
    public ModelVersion createModelVersion(String model, String runId, String artifactPath, Map<String, String> tags,
                                           String description) {
        TrackingKeys.requireNewVersion(model, artifactPath, tags);
        TrackingKeys.requireRunId(runId);
        String doing = "register a version of model " + model;
        if (!hasArtifact(runId, artifactPath)) {
            throw Errors.badData(doing, "run " + runId + " has no artifact '" + artifactPath + "'",
                    "upload the model's files under that path first (uploadArtifact)");
        }
        registeredModel(model, "");
        String source = "runs:/" + runId + "/" + artifactPath;
        // Versions above this one made from the run's source can only be this call's (numbers only grow).
        long before = versionsOf(doing, model, runId, source).stream().mapToLong(MlflowTrackingStore::number).max()
                .orElse(0);
        ObjectNode body = MlflowRest.JSON.createObjectNode().put("name", model)
                .put("source", source).put("run_id", runId)
                .put("description", description == null ? "" : description);
        ArrayNode tagList = body.putArray("tags");
        tags.forEach((k, v) -> tagList.addObject().put("key", k).put("value", v));
        JsonNode created = rest.create(doing, API + "/model-versions/create", body,
                () -> versionsOf(doing, model, runId, source).stream().filter(v -> number(v) > before).findFirst()
                        .map(v -> MlflowRest.JSON.createObjectNode().set("model_version", v)));
        return version(created.path("model_version"));
    }

    @Override
    public ModelVersion createModelVersionOnce(String model, String runId, String artifactPath,
                                               Map<String, String> tags, String description) {
        TrackingKeys.requireNewVersion(model, artifactPath, tags);
        TrackingKeys.requireRunId(runId);
        String doing = "register a version of model " + model;
        return versionsOf(doing, model, runId, "runs:/" + runId + "/" + artifactPath).stream().findFirst()
                .flatMap(v -> modelVersion(model, number(v)))
                .orElseGet(() -> createModelVersion(model, runId, artifactPath, tags, description));
    }

    /** The versions of a model made from a run's source, oldest first, as the server answers them. */
    private List<JsonNode> versionsOf(String doing, String model, String runId, String source) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("filter", "name='" + model + "' AND run_id='" + runId + "'");
        query.put("max_results", "1000");
        List<JsonNode> out = new ArrayList<>();
        rest.get(doing, API + "/model-versions/search", query).path("model_versions").forEach(v -> {
            if (v.path("source").asText("").equals(source)) {
                out.add(v);
            }
        });
        out.sort(Comparator.comparingLong(MlflowTrackingStore::number));
        return out;
    }

    private static long number(JsonNode version) {
        return Long.parseLong(version.path("version").asText());
    }

    private static ModelVersion version(JsonNode v) {
        Map<String, String> tags = new LinkedHashMap<>();
        v.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
        List<String> aliases = new ArrayList<>();
        v.path("aliases").forEach(a -> aliases.add(a.asText()));
        return new ModelVersion(v.path("name").asText(), Long.parseLong(v.path("version").asText()),
                v.path("run_id").asText(""), v.path("source").asText(""), v.path("description").asText(""), tags,
                aliases, Instant.ofEpochMilli(v.path("creation_timestamp").asLong()));
    }

    @Override
    public Optional<ModelVersion> modelVersion(String model, long version) {
        TrackingKeys.requireModelName(model);
        try {
            return Optional.of(version(rest.get("read version " + version + " of model " + model,
                    API + "/model-versions/get", Map.of("name", model, "version", Long.toString(version)))
                    .path("model_version")));
        } catch (MlflowApiException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public List<ModelVersion> modelVersions(String model) {
        TrackingKeys.requireModelName(model);
        String doing = "list the versions of model " + model;
        Optional<JsonNode> registered = getModel(doing, model);
        if (registered.isEmpty()) {
            return List.of();
        }
        // Search results carry no aliases: take them from the registered model.
        Map<Long, List<String>> aliases = new HashMap<>();
        registered.get().path("registered_model").path("aliases").forEach(a -> aliases
                .computeIfAbsent(Long.parseLong(a.path("version").asText()), v -> new ArrayList<>())
                .add(a.path("alias").asText()));
        List<ModelVersion> out = new ArrayList<>();
        String pageToken = "";
        do {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("filter", "name='" + model + "'");
            query.put("max_results", "1000");
            if (!pageToken.isEmpty()) {
                query.put("page_token", pageToken);
            }
            JsonNode page = rest.get(doing, API + "/model-versions/search", query);
            page.path("model_versions").forEach(v -> {
                ModelVersion mv = version(v);
                out.add(new ModelVersion(mv.model(), mv.version(), mv.runId(), mv.source(), mv.description(),
                        mv.tags(), aliases.getOrDefault(mv.version(), List.of()), mv.created()));
            });
            pageToken = page.path("next_page_token").asText("");
        } while (!pageToken.isEmpty());
        out.sort(Comparator.comparingLong(ModelVersion::version));
        return out;
    }

    @Override
    public void setAlias(String model, String alias, long version) {
        TrackingKeys.requireModelName(model);
        TrackingKeys.requireAlias(alias);
        TrackingKeys.requireVersion(version);
        String doing = "point alias " + alias + " of model " + model + " at version " + version;
        try {
            rest.post(doing, API + "/registered-models/alias", MlflowRest.JSON.createObjectNode().put("name", model)
                    .put("alias", alias).put("version", Long.toString(version)));
        } catch (MlflowApiException e) {
            throw e.notFound() ? noSuchVersion(doing, model, version) : e;
        }
    }

    private IngotException noSuchVersion(String doing, String model, long version) {
        return Errors.badData(doing, "the MLflow server at " + rest.shownUri() + " has no version " + version
                + " of model " + model, "pick a registered version (models list)");
    }

    @Override
    public Optional<ModelVersion> versionByAlias(String model, String alias) {
        TrackingKeys.requireModelName(model);
        TrackingKeys.requireAlias(alias);
        // Through the registered model: a missing alias is a 400 on some servers and a 404 on others.
        Optional<JsonNode> registered = getModel("read alias " + alias + " of model " + model, model);
        if (registered.isEmpty()) {
            return Optional.empty();
        }
        for (JsonNode a : registered.get().path("registered_model").path("aliases")) {
            if (a.path("alias").asText().equals(alias)) {
                return modelVersion(model, Long.parseLong(a.path("version").asText()));
            }
        }
        return Optional.empty();
    }

    @Override
    public void deleteAlias(String model, String alias) {
        TrackingKeys.requireModelName(model);
        TrackingKeys.requireAlias(alias);
        try {
            rest.delete("delete alias " + alias + " of model " + model, API + "/registered-models/alias",
                    MlflowRest.JSON.createObjectNode().put("name", model).put("alias", alias));
        } catch (MlflowApiException e) {
            if (!e.notFound()) {
                throw e;
            }
        }
    }

    @Override
    public void setVersionTag(String model, long version, String key, String value) {
        TrackingKeys.requireModelName(model);
        TrackingKeys.requireVersion(version);
        TrackingKeys.requireKey("model version tag", key);
        String doing = "tag version " + version + " of model " + model;
        try {
            rest.post(doing, API + "/model-versions/set-tag", MlflowRest.JSON.createObjectNode().put("name", model)
                    .put("version", Long.toString(version)).put("key", key).put("value", value));
        } catch (MlflowApiException e) {
            throw e.notFound() ? noSuchVersion(doing, model, version) : e;
        }
    }

    @Override
    public void close() {
        clientCalls.shutdownNow();
        client.close();
    }
}
