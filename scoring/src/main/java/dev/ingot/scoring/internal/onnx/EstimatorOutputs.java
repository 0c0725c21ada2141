package dev.ingot.scoring.internal.onnx;

import java.util.Objects;
import java.util.Optional;

/**
 * The ONNX value names a converted estimator (the last stage of a pipeline) leaves in the graph: what the public
 * converter declares as the model's outputs.
 *
 * @param label       a classifier's predicted class index, int64 {@code [N]} (Spark's {@code prediction} column of a
 *                    classifier, as an integer)
 * @param probability a classifier's class probabilities, double {@code [N, C]} (Spark's {@code probability} column)
 * @param prediction  a regressor's prediction, double {@code [N]} (Spark's {@code prediction} column of a regressor)
 */
public record EstimatorOutputs(Optional<String> label, Optional<String> probability, Optional<String> prediction) {
    /** Checks that no component is null (an absent output is {@link Optional#empty()}). */
    public EstimatorOutputs {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(probability, "probability");
        Objects.requireNonNull(prediction, "prediction");
    }

    /** A classifier's outputs. */
    public static EstimatorOutputs classifier(String label, String probability) {
        return new EstimatorOutputs(Optional.of(label), Optional.of(probability), Optional.empty());
    }

    /** A regressor's output. */
    public static EstimatorOutputs regressor(String prediction) {
        return new EstimatorOutputs(Optional.empty(), Optional.empty(), Optional.of(prediction));
    }
}
