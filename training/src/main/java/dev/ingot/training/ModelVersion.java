package dev.ingot.training;

import dev.ingot.core.Errors;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
        Errors.required(model, "ModelVersion.model");
        Errors.required(runId, "ModelVersion.runId");
        Errors.required(source, "ModelVersion.source");
        Errors.required(description, "ModelVersion.description");
        tags = java.util.Collections.unmodifiableMap(new TreeMap<>(Errors.required(tags, "ModelVersion.tags")));
        aliases = Errors.required(aliases, "ModelVersion.aliases").stream().sorted().toList();
        Errors.required(created, "ModelVersion.created");
    }
}
