package dev.ingot.training;

import dev.ingot.core.Errors;

/**
 * A file among a run's artifacts.
 *
 * @param path relative to the run's artifact root, with {@code /} separators, e.g. {@code model/metadata.json}
 * @param sizeBytes the file's size
 */
public record ArtifactInfo(String path, long sizeBytes) {
    public ArtifactInfo {
        Errors.required(path, "ArtifactInfo.path");
    }
}
