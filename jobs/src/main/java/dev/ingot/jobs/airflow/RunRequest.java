package dev.ingot.jobs.airflow;

import dev.ingot.core.Errors;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a new DAG run gets: its conf, logical date and id. Immutable; {@code with*} returns a copy.
 *
 * @param conf the run's {@code conf} (the DAG reads it as {@code dag_run.conf}); JSON values: strings, numbers,
 *     booleans, lists and maps of them
 * @param logicalDate the run's logical date; empty: Airflow 3 runs without one, Airflow 2 takes now
 * @param runId the run's id; empty: Airflow makes one
 */
public record RunRequest(Map<String, Object> conf, Optional<Instant> logicalDate, Optional<String> runId) {
    public RunRequest {
        // JSON nulls are values here, which Map.copyOf refuses
        conf = Collections.unmodifiableMap(new LinkedHashMap<>(Errors.required(conf, "RunRequest.conf")));
        Errors.required(logicalDate, "RunRequest.logicalDate");
        Errors.required(runId, "RunRequest.runId");
        runId.ifPresent(id -> {
            if (id.isBlank()) {
                throw Errors.invalidDefinition("RunRequest.runId", "it is blank", "give a run id, or none");
            }
        });
    }

    /** A run with an empty conf, no logical date and an id Airflow makes. */
    public static RunRequest now() {
        return new RunRequest(Map.of(), Optional.empty(), Optional.empty());
    }

    public RunRequest withConf(Map<String, Object> newConf) {
        return new RunRequest(newConf, logicalDate, runId);
    }

    public RunRequest withLogicalDate(Instant date) {
        return new RunRequest(conf, Optional.of(date), runId);
    }

    public RunRequest withRunId(String id) {
        return new RunRequest(conf, logicalDate, Optional.of(id));
    }
}
