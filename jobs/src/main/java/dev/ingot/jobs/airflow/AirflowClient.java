package dev.ingot.jobs.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.AirflowSettings;
import dev.ingot.core.config.AirflowSettings.ApiVersion;
import dev.ingot.jobs.airflow.internal.AirflowRest;
import dev.ingot.jobs.airflow.internal.AirflowRest.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A client of Airflow's REST API: triggers DAG runs, reads their state and their tasks, unpauses DAGs and waits for
 * runs. It speaks Airflow 3 ({@code /api/v2}, a JWT from {@code POST /auth/token}, fetched again when it expires) and
 * Airflow 2 ({@code /api/v1}, basic authentication); {@link ApiVersion#AUTO} asks the server which.
 *
 * <p>Every problem is an {@link IngotException} whose message names the server, the DAG and the fix: bad input (exit
 * code 2) for an unknown DAG, a paused DAG, a DAG file that does not import, bad credentials and a run id that exists
 * already; a failure (exit code 3) when the server cannot be reached or fails. Credentials never appear in a message.
 *
 * <pre>{@code
 * AirflowClient airflow = AirflowClient.connect(project.settings().airflow().orElseThrow());
 * DagRun run = airflow.trigger("ingot_daily", RunRequest.now().withLogicalDate(Instant.parse("2026-11-30T00:00:00Z")));
 * DagRun done = airflow.await(run.dagId(), run.runId(), Duration.ofHours(1), r -> {});
 * }</pre>
 */
public final class AirflowClient {
    /** The first pause between two polls of {@link #await}; it grows by half each time, up to {@link #MAX_POLL}. */
    static final Duration FIRST_POLL = Duration.ofMillis(500);
    /** The longest pause between two polls of {@link #await}. */
    static final Duration MAX_POLL = Duration.ofSeconds(10);
    private static final int PAGE = 100;

    private final AirflowRest rest;

    private AirflowClient(AirflowRest rest) {
        this.rest = rest;
    }

    /**
     * A client of the Airflow that {@code settings} name. With {@link ApiVersion#AUTO} this asks the server for its
     * version, so an unreachable server fails here.
     */
    public static AirflowClient connect(AirflowSettings settings) {
        return new AirflowClient(AirflowRest.connect(Errors.required(settings, "AirflowClient settings")));
    }

    /** The API this client speaks: {@link ApiVersion#AIRFLOW_3} or {@link ApiVersion#AIRFLOW_2}. */
    public ApiVersion apiVersion() {
        return rest.version();
    }

    /**
     * Triggers a run of {@code dagId}. Checks first that the DAG exists, imports cleanly and is not paused (a paused
     * DAG's run would wait in {@code queued} for ever: {@link #unpause} it first).
     */
    public DagRun trigger(String dagId, RunRequest request) {
        Errors.required(request, "RunRequest");
        String doing = "trigger DAG " + dagId;
        JsonNode dag = dag(dagId, doing);
        if (dag.path("is_paused").asBoolean(false)) {
            throw Errors.badData(doing + " on " + rest.where(), "the DAG is paused, so its run would stay queued",
                    "unpause it (ingot airflow trigger --unpause, or the toggle in Airflow's UI)");
        }
        ObjectNode body = AirflowRest.JSON_NODES.objectNode();
        request.runId().ifPresent(id -> body.put("dag_run_id", id));
        if (request.logicalDate().isPresent()) {
            body.put("logical_date", request.logicalDate().get().toString());
        } else if (apiVersion() == ApiVersion.AIRFLOW_3) {
            body.putNull("logical_date"); // Airflow 3 requires the key; null is a run without a logical date
        }
        body.set("conf", AirflowRest.toJson(request.conf()));
        Response r = rest.post("/dags/" + AirflowRest.segment(dagId) + "/dagRuns", body, doing);
        if (r.status() == 409) {
            throw Errors.badData(doing + " on " + rest.where(), "a run with "
                    + request.runId().map(id -> "run id '" + id + "'").orElse("this logical date")
                    + request.logicalDate().map(d -> " or logical date " + d).orElse("") + " exists already",
                    "give another --run-id (or --logical-date), or follow the existing run with 'ingot airflow status "
                            + dagId + (request.runId().map(id -> " " + id).orElse("")) + "'");
        }
        if (r.status() == 404) {
            throw notFound(dagId, doing);
        }
        return runFrom(expectOk(r, doing));
    }

    /** Unpauses {@code dagId} (nothing changes when it runs already). */
    public void unpause(String dagId) {
        String doing = "unpause DAG " + dagId;
        dag(dagId, doing);
        ObjectNode body = AirflowRest.JSON_NODES.objectNode().put("is_paused", false);
        Response r = rest.patch("/dags/" + AirflowRest.segment(dagId) + "?update_mask=is_paused", body, doing);
        if (r.status() == 404) {
            throw notFound(dagId, doing);
        }
        expectOk(r, doing);
    }

    /** Whether {@code dagId} is paused. */
    public boolean isPaused(String dagId) {
        return dag(dagId, "read DAG " + dagId).path("is_paused").asBoolean(false);
    }

    /** One run of {@code dagId}, as it is now. */
    public DagRun run(String dagId, String runId) {
        String doing = "read run " + runId + " of DAG " + dagId;
        Response r = rest.get(runPath(dagId, runId), doing);
        if (r.status() == 404) {
            dag(dagId, doing); // the DAG's own 404 says more, with import errors
            throw Errors.badData(doing + " on " + rest.where(), "DAG " + dagId + " has no run '" + runId + "'",
                    "give a run id that 'ingot airflow status " + dagId + "' or Airflow's UI shows");
        }
        return runFrom(expectOk(r, doing));
    }

    /** The newest run of {@code dagId} (by when it was to run), if it has any. */
    public Optional<DagRun> latestRun(String dagId) {
        String doing = "read the runs of DAG " + dagId;
        String order = apiVersion() == ApiVersion.AIRFLOW_3 ? "-run_after" : "-execution_date";
        Response r = rest.get("/dags/" + AirflowRest.segment(dagId) + "/dagRuns?limit=1&order_by=" + order, doing);
        if (r.status() == 404) {
            throw notFound(dagId, doing);
        }
        JsonNode runs = expectOk(r, doing).path("dag_runs");
        return runs.isEmpty() ? Optional.empty() : Optional.of(runFrom(runs.get(0)));
    }

    /** The tasks of one run, in Airflow's order. */
    public List<TaskInstance> tasks(String dagId, String runId) {
        String doing = "read the tasks of run " + runId + " of DAG " + dagId;
        List<TaskInstance> out = new ArrayList<>();
        while (true) {
            Response r = rest.get(runPath(dagId, runId) + "/taskInstances?limit=" + PAGE + "&offset=" + out.size(), doing);
            if (r.status() == 404) {
                run(dagId, runId); // says whether the DAG or the run is missing
                throw notFound(dagId, doing);
            }
            JsonNode page = expectOk(r, doing);
            page.path("task_instances").forEach(t -> out.add(taskFrom(t)));
            long total = page.path("total_entries").asLong(out.size());
            if (page.path("task_instances").isEmpty() || out.size() >= total) {
                return out;
            }
        }
    }

    /**
     * Waits until the run is over or {@code timeout} has passed, polling with a growing pause (0.5 s, then half as
     * long again each time, at most 10 s). Returns the run as last seen: {@link DagRun.State#finished() finished}, or
     * still queued or running when the time was up (the run goes on in Airflow). {@code onChange} sees the run
     * whenever its state changed.
     */
    public DagRun await(String dagId, String runId, Duration timeout, Consumer<DagRun> onChange) {
        Errors.required(timeout, "await timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration pause = FIRST_POLL;
        DagRun.State seen = null;
        while (true) {
            DagRun run = run(dagId, runId);
            if (run.state() != seen) {
                seen = run.state();
                onChange.accept(run);
            }
            long left = deadline - System.nanoTime();
            if (run.state().finished() || left <= 0) {
                return run;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(pause.toMillis(), left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return run;
            }
            long next = Math.min(MAX_POLL.toMillis(), pause.toMillis() * 3 / 2);
            pause = Duration.ofMillis(next);
        }
    }

    /** How many login tokens this client fetched (Airflow 3): one at first use, one more per expired token. */
    int tokensFetched() {
        return rest.tokensFetched();
    }

    private static String runPath(String dagId, String runId) {
        return "/dags/" + AirflowRest.segment(dagId) + "/dagRuns/" + AirflowRest.segment(runId);
    }

    /** The DAG's details; bad input when it does not exist or its file does not import. */
    private JsonNode dag(String dagId, String doing) {
        Response r = rest.get("/dags/" + AirflowRest.segment(dagId), doing);
        if (r.status() == 404) {
            throw notFound(dagId, doing);
        }
        JsonNode dag = expectOk(r, doing);
        if (dag.path("has_import_errors").asBoolean(false)) {
            List<String> errors = importErrors(doing).stream().filter(e -> sameFile(e.file(), dag)).map(ImportError::show)
                    .toList();
            throw Errors.badData(doing + " on " + rest.where(), "the DAG's file " + text(dag, "fileloc")
                    + " does not import" + (errors.isEmpty() ? "" : ": " + String.join("; ", errors)),
                    "fix the DAG file (Airflow runs its last version that imported until then)");
        }
        return dag;
    }

    private static boolean sameFile(String errorFile, JsonNode dag) {
        String fileloc = text(dag, "fileloc");
        String relative = text(dag, "relative_fileloc");
        return errorFile.equals(fileloc) || (!relative.isEmpty() && errorFile.endsWith(relative))
                || fileloc.endsWith("/" + errorFile);
    }

    private IngotException notFound(String dagId, String doing) {
        List<String> known = new ArrayList<>();
        Response r = rest.get("/dags?limit=" + PAGE, doing);
        if (r.ok()) {
            r.body().path("dags").forEach(d -> known.add(d.path("dag_id").asText()));
        }
        List<ImportError> broken = importErrors(doing);
        return Errors.badData(doing + " on " + rest.where(), "Airflow has no DAG '" + dagId + "' (known: "
                + (known.isEmpty() ? "none" : String.join(", ", known.stream().sorted().toList())) + ")"
                + (broken.isEmpty() ? "" : "; DAG files that do not import: " + String.join("; ",
                        broken.stream().map(ImportError::show).toList())),
                broken.isEmpty() ? "check the DAG id; a new DAG file is seen once Airflow's dag-processor parsed it"
                        : "fix the DAG files that do not import, or check the DAG id");
    }

    private record ImportError(String file, String stackTrace) {
        /** The file and the trace's last line, which names the error. */
        String show() {
            List<String> lines = stackTrace.lines().filter(l -> !l.isBlank()).toList();
            return file + " (" + (lines.isEmpty() ? "no trace" : lines.get(lines.size() - 1).strip()) + ")";
        }
    }

    private List<ImportError> importErrors(String doing) {
        Response r = rest.get("/importErrors?limit=" + PAGE, doing);
        List<ImportError> out = new ArrayList<>();
        if (r.ok()) {
            r.body().path("import_errors").forEach(e -> out.add(new ImportError(text(e, "filename"),
                    text(e, "stack_trace"))));
        }
        return out;
    }

    private JsonNode expectOk(Response r, String doing) {
        if (r.ok()) {
            return r.body();
        }
        throw Errors.badData(doing + " on " + rest.where(), "Airflow answered " + r.status() + " (" + r.detail() + ")",
                "check the DAG id, run id, --conf and --logical-date");
    }

    private static DagRun runFrom(JsonNode n) {
        String state = text(n, "state");
        DagRun.State s;
        try {
            s = DagRun.State.valueOf(state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Errors.serviceFailed("read a DAG run", "Airflow reported the state '" + state + "'",
                    "use an Airflow whose runs are queued, running, success or failed (2.x or 3.x)");
        }
        return new DagRun(text(n, "dag_id"), text(n, "dag_run_id"), s, instant(n, "logical_date"),
                instant(n, "start_date"), instant(n, "end_date"));
    }

    private static TaskInstance taskFrom(JsonNode n) {
        return new TaskInstance(text(n, "task_id"), n.path("map_index").asInt(-1), AirflowRest.text(n, "state"),
                n.path("try_number").asInt(0), instant(n, "start_date"), instant(n, "end_date"));
    }

    private static String text(JsonNode n, String field) {
        return AirflowRest.text(n, field).orElse("");
    }

    private static Optional<Instant> instant(JsonNode n, String field) {
        return AirflowRest.text(n, field).map(t -> {
            try {
                return OffsetDateTime.parse(t).toInstant();
            } catch (DateTimeParseException e) {
                throw Errors.serviceFailed("read a DAG run", "Airflow wrote " + field + " as '" + t + "'",
                        "use Airflow 2.x or 3.x, whose dates are ISO 8601 with an offset");
            }
        });
    }
}
