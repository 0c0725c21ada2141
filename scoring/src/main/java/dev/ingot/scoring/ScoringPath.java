package dev.ingot.scoring;

/**
 * How {@link Scorer} hands the input's values to ONNX Runtime.
 *
 * <p>The columnar path takes the column batches of a Parquet or Delta scan (Spark's vectorized reader) and fills each
 * model input column by column, with no Spark row made or read before the model; the row path gathers the input's
 * rows into batches and copies them cell by cell. Both give the same rows, columns and scores.
 */
public enum ScoringPath {
    /** Columnar when the input's plan is a columnar file scan (selections of its columns allowed), else rows. */
    AUTO,
    /** Columnar, and bad input when the input's plan does not allow it (the message says why). */
    COLUMNAR,
    /** Rows, whatever the input. */
    ROWS
}
