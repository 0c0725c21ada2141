package dev.ingot.training;

import dev.ingot.core.Errors;

/**
 * An experiment: the group of runs of one project (MLflow's experiment; a row of {@code ml.experiments} locally).
 *
 * @param id the backend's id (MLflow: a number as text; local: a generated hex id)
 * @param name the unique name, e.g. the project's name
 */
public record Experiment(String id, String name) {
    public Experiment {
        Errors.required(id, "Experiment.id");
        Errors.required(name, "Experiment.name");
    }
}
