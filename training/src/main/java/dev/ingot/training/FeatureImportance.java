package dev.ingot.training;

import dev.ingot.core.Errors;

/**
 * How much one input of the estimator counts: for trees Spark's {@code featureImportances} (they sum to 1), for linear
 * models the absolute coefficient on the standardized input.
 *
 * @param name the input: a feature, {@code <feature>__is_null} for a null indicator, or {@code <feature>=<value>} for
 *     one category of a string feature
 * @param importance 0 or more
 */
public record FeatureImportance(String name, double importance) {
    public FeatureImportance {
        Errors.required(name, "FeatureImportance.name");
    }
}
