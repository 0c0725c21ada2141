package dev.ingot.training;

import dev.ingot.core.Errors;
import dev.ingot.training.internal.TrackingKeys;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One value of a metric at one step.
 *
 * @param key the metric's name, e.g. {@code auc} (letters, digits, {@code _ - . / } and spaces, as MLflow allows)
 * @param value the value; NaN and infinities are kept as they are
 * @param step the step (e.g. the boosting iteration); 0 for a single value
 * @param timestamp when it was measured, truncated to milliseconds (MLflow's precision)
 */
public record Metric(String key, double value, long step, Instant timestamp) {
    public Metric {
        TrackingKeys.requireKey("metric", key);
        Errors.required(timestamp, "Metric.timestamp");
        timestamp = timestamp.truncatedTo(ChronoUnit.MILLIS);
    }

    /** A value at step 0, measured now. */
    public static Metric of(String key, double value) {
        return new Metric(key, value, 0, Instant.now());
    }
}
