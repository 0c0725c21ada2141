package dev.ingot.training;

import dev.ingot.core.Errors;
import java.util.OptionalLong;

/**
 * The table a training set was read from, for the model card and lineage.
 *
 * @param table {@code database.table}
 * @param deltaVersion the Delta version read, when it is a Delta table
 */
public record TrainingSetRef(String table, OptionalLong deltaVersion) {
    public TrainingSetRef {
        Errors.required(table, "TrainingSetRef.table");
        Errors.required(deltaVersion, "TrainingSetRef.deltaVersion");
    }
}
