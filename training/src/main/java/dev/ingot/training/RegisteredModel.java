package dev.ingot.training;

import dev.ingot.core.Errors;
import java.time.Instant;

/**
 * A named model in the registry; its versions are {@link ModelVersion}s.
 *
 * @param name the unique name, e.g. {@code fraud}
 * @param description free text, empty when none
 * @param created when it was first registered
 */
public record RegisteredModel(String name, String description, Instant created) {
    public RegisteredModel {
        Errors.required(name, "RegisteredModel.name");
        Errors.required(description, "RegisteredModel.description");
        Errors.required(created, "RegisteredModel.created");
    }
}
