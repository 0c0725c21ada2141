package dev.ingot.training;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The table a training set was read from, for the model card and lineage.
 *
 * @param table {@code database.table}
 * @param deltaVersion the Delta version read, when it is a Delta table
 */
public record TrainingSetRef(String table, OptionalLong deltaVersion) {
    public TrainingSetRef {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(deltaVersion, "deltaVersion");
    }
}
