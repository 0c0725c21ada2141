package dev.ingot.training;

import java.util.Objects;

/**
 * An experiment: the group of runs of one project (MLflow's experiment; a row of {@code ml.experiments} locally).
 *
 * @param id the backend's id (MLflow: a number as text; local: a generated hex id)
 * @param name the unique name, e.g. the project's name
 */
public record Experiment(String id, String name) {
    public Experiment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
    }
}
