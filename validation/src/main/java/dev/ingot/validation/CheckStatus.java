package dev.ingot.validation;

/** The outcome of one check on one run. */
public enum CheckStatus {
    /** The metric is within the check's bounds. */
    PASSED,
    /** The metric is outside the check's bounds (what that means depends on the check's severity). */
    FAILED,
    /**
     * A row-level check of a {@code quarantine} suite found failing rows: they were routed to the quarantine table
     * and the rest may be published. Does not block publishing.
     */
    QUARANTINED,
    /** The metric could not be computed (e.g. a mean of a column with no values); treated as a failure. */
    ERROR
}
