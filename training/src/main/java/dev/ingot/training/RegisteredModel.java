package dev.ingot.training;

import java.time.Instant;
import java.util.Objects;

/**
 * A named model in the registry; its versions are {@link ModelVersion}s.
 *
 * @param name the unique name, e.g. {@code fraud}
 * @param description free text, empty when none
 * @param created when it was first registered
 */
public record RegisteredModel(String name, String description, Instant created) {
    public RegisteredModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(created, "created");
    }
}
