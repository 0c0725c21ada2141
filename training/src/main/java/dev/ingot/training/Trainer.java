package dev.ingot.training;

import dev.ingot.core.Errors;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.training.internal.Estimators;
import dev.ingot.training.internal.TrainingRun;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Trains a model spec on its training set: checks, out-of-time split, a Spark ML pipeline (imputation with null
 * indicators, one-hot encoding of string features, assembly, standardization for linear models, the estimator) fitted
 * with the spec's seed, and evaluation on the latest window.
 *
 * <p>Get one with {@link #of}. Nothing here writes anything: tracking and registering the result is the caller's.
 * Bad input is an {@link dev.ingot.core.InvalidConfigException} (exit code 2) naming the spec's file, the key and the
 * fix, thrown before the fit.
 */
public final class Trainer {
    private final SparkSession spark;
    private final Project project;

    private Trainer(SparkSession spark, Project project) {
        this.spark = Errors.required(spark, "Trainer.of spark");
        this.project = Errors.required(project, "Trainer.of project");
    }

    /** A trainer for the models of {@code project}, in a session built by {@code IngotSessions}. */
    public static Trainer of(SparkSession spark, Project project) {
        return new Trainer(spark, project);
    }

    /**
     * Checks what the project load cannot without Spark ML: every {@code algorithm.params} key is a param of the
     * estimator, with a value of its type that the param accepts. Runs no Spark job; call it before building the
     * training set.
     *
     * @throws dev.ingot.core.InvalidConfigException every problem at once, each naming the param and listing the
     *     estimator's params
     */
    public static void validate(ModelDef spec) {
        checkedParams(Errors.required(spec, "Trainer.validate spec"));
    }

    private static Map<String, Object> checkedParams(ModelDef spec) {
        Estimators.Checked checked = Estimators.check(spec, specFile(spec));
        if (!checked.problems().isEmpty()) {
            throw Errors.invalidConfig("train model " + spec.name(), checked.problems());
        }
        return checked.values();
    }

    /**
     * Trains {@code spec} on {@code trainingSet}: the spine's columns (event time, label, any group column) and the
     * spec's feature columns, named {@code feature} or {@code view__feature}, e.g. as {@code FeatureStore}'s
     * {@code trainingSet}/{@code writeTrainingSet} build it. Rows whose label or event time is null are left out
     * (and counted). The same inputs give the same result, to the last digit.
     *
     * @throws dev.ingot.core.InvalidConfigException (exit code 2) on a bad param, a missing column, a label that is
     *     null everywhere or not binary for a classifier, an empty training, validation or test window (naming its
     *     dates), a window with one class only, or a feature that is null in every training row
     */
    public TrainingResult train(ModelDef spec, Dataset<Row> trainingSet) {
        Errors.required(spec, "Trainer.train spec");
        Errors.required(trainingSet, "Trainer.train trainingSet");
        return TrainingRun.run(project, spec, specFile(spec), checkedParams(spec), trainingSet);
    }

    /** The session this trainer runs in. */
    public SparkSession spark() {
        return spark;
    }

    /** The spec's file relative to the project, as messages name it. */
    public static String specFile(ModelDef spec) {
        return Errors.required(spec, "Trainer.specFile spec").file();
    }
}
