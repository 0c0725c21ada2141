package dev.ingot.training;

import dev.ingot.core.Errors;
import java.util.Collections;
import java.util.List;
import java.util.Map;
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
        Errors.required(info, "Run.info");
        params = Collections.unmodifiableMap(new TreeMap<>(Errors.required(params, "Run.params")));
        latestMetrics = Collections.unmodifiableMap(new TreeMap<>(Errors.required(latestMetrics, "Run.latestMetrics")));
        tags = Collections.unmodifiableMap(new TreeMap<>(Errors.required(tags, "Run.tags")));
        artifacts = List.copyOf(Errors.required(artifacts, "Run.artifacts"));
    }
}
