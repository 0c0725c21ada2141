package dev.ingot.jobs.airflow;

import dev.ingot.core.Errors;
import java.time.Instant;
import java.util.Optional;

/**
 * One task of a DAG run, as Airflow reported it.
 *
 * @param taskId the task
 * @param mapIndex the index of a mapped task's copy, -1 for a task that is not mapped
 * @param state Airflow's state ({@code success}, {@code failed}, {@code upstream_failed}, {@code skipped},
 *     {@code up_for_retry}, ...); empty while the scheduler has not looked at the task
 * @param tryNumber how many times it ran (0 before its first try)
 * @param startDate when its last try started
 * @param endDate when its last try ended
 */
public record TaskInstance(String taskId, int mapIndex, Optional<String> state, int tryNumber,
                           Optional<Instant> startDate, Optional<Instant> endDate) {
    public TaskInstance {
        Errors.required(taskId, "TaskInstance.taskId");
        Errors.required(state, "TaskInstance.state");
        Errors.required(startDate, "TaskInstance.startDate");
        Errors.required(endDate, "TaskInstance.endDate");
    }
}
