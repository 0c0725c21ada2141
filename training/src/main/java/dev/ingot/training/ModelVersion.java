package dev.ingot.training;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One registered version of a model, made from a run's artifacts.
 *
 * @param model the registered model's name
 * @param version 1, 2, ... in the order of registration
 * @param runId the run whose artifacts it was made from
 * @param source where its files are: MLflow's {@code runs:/<run>/<path>}, or the local store's artifact folder
 * @param description free text, empty when none
 * @param tags the version's tags (sorted by key)
 * @param aliases the aliases pointing at it, e.g. {@code champion} (sorted)
 * @param created when it was registered
 */
public record ModelVersion(String model, long version, String runId, String source, String description,
                           Map<String, String> tags, List<String> aliases, Instant created) {
    public ModelVersion {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(description, "description");
        tags = java.util.Collections.unmodifiableMap(new TreeMap<>(tags));
        aliases = aliases.stream().sorted().toList();
        Objects.requireNonNull(created, "created");
    }
}
