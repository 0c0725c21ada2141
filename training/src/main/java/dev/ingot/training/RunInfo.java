package dev.ingot.training;

import dev.ingot.core.Errors;
import java.time.Instant;
import java.util.Optional;

/**
 * What identifies a run and its state.
 *
 * @param runId the backend's id (32 hex digits on both backends)
 * @param experimentId the experiment it belongs to
 * @param runName a readable name, e.g. {@code fraud-2026-11-30}
 * @param runKey the caller's idempotency key: starting a run with a key that already has one returns that run
 * @param status running, or how it ended
 * @param startTime when it started
 * @param endTime when it ended, empty while running
 * @param artifactUri where its artifacts live (MLflow: {@code mlflow-artifacts:/...}; local: a folder under the
 *     warehouse)
 */
public record RunInfo(String runId, String experimentId, String runName, String runKey, RunStatus status,
                      Instant startTime, Optional<Instant> endTime, String artifactUri) {
    public RunInfo {
        Errors.required(runId, "RunInfo.runId");
        Errors.required(experimentId, "RunInfo.experimentId");
        Errors.required(runName, "RunInfo.runName");
        Errors.required(runKey, "RunInfo.runKey");
        Errors.required(status, "RunInfo.status");
        Errors.required(startTime, "RunInfo.startTime");
        Errors.required(endTime, "RunInfo.endTime");
        Errors.required(artifactUri, "RunInfo.artifactUri");
    }
}
