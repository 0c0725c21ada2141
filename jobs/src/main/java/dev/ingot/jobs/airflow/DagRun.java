package dev.ingot.jobs.airflow;

import dev.ingot.core.Errors;
import java.time.Instant;
import java.util.Optional;

/**
 * One DAG run as Airflow reported it.
 *
 * @param dagId the DAG
 * @param runId the run's id ({@code manual__2026-11-30T22:44:07+00:00} unless the trigger gave one)
 * @param state where the run is
 * @param logicalDate the run's logical date (Airflow 3 allows none)
 * @param startDate when it started running
 * @param endDate when it finished
 */
public record DagRun(String dagId, String runId, State state, Optional<Instant> logicalDate,
                     Optional<Instant> startDate, Optional<Instant> endDate) {
    public DagRun {
        Errors.required(dagId, "DagRun.dagId");
        Errors.required(runId, "DagRun.runId");
        Errors.required(state, "DagRun.state");
        Errors.required(logicalDate, "DagRun.logicalDate");
        Errors.required(startDate, "DagRun.startDate");
        Errors.required(endDate, "DagRun.endDate");
    }

    /** A DAG run's states (Airflow's {@code DagRunState}). */
    public enum State {
        QUEUED, RUNNING, SUCCESS, FAILED;

        /** Whether the run is over. */
        public boolean finished() {
            return this == SUCCESS || this == FAILED;
        }

        /** As Airflow writes it. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
