package dev.ingot.training;

/** The state of a tracked run, with MLflow's names. */
public enum RunStatus {
    /** Started and not ended yet. */
    RUNNING,
    /** Ended normally. */
    FINISHED,
    /** Ended with an error. */
    FAILED,
    /** Stopped from outside (e.g. the job was cancelled). */
    KILLED
}
