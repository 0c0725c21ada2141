package dev.ingot.scoring.internal;

import dev.ingot.scoring.ElementType;
import java.io.Serializable;
import java.util.List;

/**
 * What each task needs to know to fill and read a model, decided on the driver after the schema check: plain values,
 * shipped with the task (the model's bytes travel apart, as a broadcast).
 *
 * @param digest the model's SHA-256 (the key of the executor's session)
 * @param threads ONNX Runtime's intra-op threads per session
 * @param batchSize rows per tensor
 * @param inputs how each graph input is filled
 * @param label the label output, or null
 * @param labelIsString whether the label is a string tensor (else int64)
 * @param probability the probability output, or null
 * @param positiveColumn whether a {@code probability} column (the probability of class 1) is written
 * @param prediction the prediction output, or null
 * @param nullString what a null in a string input is fed as: the model's {@code ingot.null_string} metadata (a
 *     converted model gives it the index Spark gives a null), else the empty string
 */
public record ScoringPlan(String digest, int threads, int batchSize, List<Input> inputs, String label,
                          boolean labelIsString, String probability, boolean positiveColumn, String prediction,
                          String nullString)
        implements Serializable {

    /**
     * One graph input.
     *
     * @param name the graph input
     * @param type its element type
     * @param columns the indexes of its columns in the input rows
     * @param rank2 whether its shape is {@code [N,F]} (else {@code [N]})
     * @param columnNames the columns' names, for messages
     */
    public record Input(String name, ElementType type, int[] columns, boolean rank2, List<String> columnNames)
            implements Serializable {}
}
