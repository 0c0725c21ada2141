package dev.ingot.training;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A run read back from the store.
 *
 * @param info id, status and times
 * @param params every parameter (sorted by key)
 * @param latestMetrics each metric's latest value: the highest step, then the latest timestamp (MLflow's rule)
 * @param tags every tag, including the backend's own (MLflow adds {@code mlflow.*} tags; both backends hold the run
 *     key in {@value TrackingStore#RUN_KEY_TAG})
 * @param artifacts every artifact file, sorted by path
 */
public record Run(RunInfo info, Map<String, String> params, Map<String, Metric> latestMetrics,
                  Map<String, String> tags, List<ArtifactInfo> artifacts) {
    public Run {
        Objects.requireNonNull(info, "info");
        params = Collections.unmodifiableMap(new TreeMap<>(params));
        latestMetrics = Collections.unmodifiableMap(new TreeMap<>(latestMetrics));
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
        artifacts = List.copyOf(artifacts);
    }
}
