package dev.ingot.training;

import dev.ingot.core.Errors;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ModelDef.FairnessMetric;
import dev.ingot.core.config.ModelDef.Metric;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;

/**
 * What one training produced: the fitted pipeline and everything measured about it. The same spec, training set and
 * seed give the same values, to the last digit.
 *
 * @param model the model's name
 * @param algorithm the algorithm
 * @param seed the seed used
 * @param params the estimator's params set from the spec, by Spark ML name, typed (Integer, Double, ...)
 * @param features the training set's feature columns, in spec order
 * @param split the time split: boundaries and row counts
 * @param metrics the test window's metrics
 * @param validationMetrics the validation window's metrics; empty without a validation window
 * @param precisionAtK the k of {@link Metric#PRECISION_AT_K}
 * @param groups per-group metrics and gaps on the test window, when the spec names a fairness column
 * @param roc the test window's ROC curve (false-positive rate, true-positive rate); empty for regressors
 * @param pr the test window's precision-recall curve (recall, precision); empty for regressors
 * @param importances the estimator's inputs, most important first
 * @param pipeline the fitted Spark ML pipeline: feature columns in, {@code prediction} (and {@code probability}) out
 * @param scoreReference the test window's scores, binned: what {@code score} measures drift against; empty when the
 *                       test window has no score
 */
public record TrainingResult(
        String model,
        ModelDef.Algorithm algorithm,
        long seed,
        Map<String, Object> params,
        List<String> features,
        Split split,
        Map<Metric, Double> metrics,
        Map<Metric, Double> validationMetrics,
        int precisionAtK,
        Optional<GroupMetrics> groups,
        List<CurvePoint> roc,
        List<CurvePoint> pr,
        List<FeatureImportance> importances,
        PipelineModel pipeline,
        Optional<ScoreReference> scoreReference) {

    /** Prefix of the validation window's metrics in {@link #flatMetrics()}: {@code validation/auc}. */
    public static final String VALIDATION_PREFIX = "validation/";
    /** Prefix of fairness gaps in {@link #flatMetrics()}: {@code gap/tpr}. */
    public static final String GAP_PREFIX = "gap/";
    /** Prefix of per-group values in {@link #flatMetrics()}: {@code group/<value>/tpr}, {@code group/<value>/rows}. */
    public static final String GROUP_PREFIX = "group/";

    public TrainingResult {
        Errors.required(model, "TrainingResult.model");
        Errors.required(algorithm, "TrainingResult.algorithm");
        params = Collections.unmodifiableMap(new LinkedHashMap<>(Errors.required(params, "TrainingResult.params")));
        features = List.copyOf(Errors.required(features, "TrainingResult.features"));
        Errors.required(split, "TrainingResult.split");
        metrics = enumMap(Errors.required(metrics, "TrainingResult.metrics"));
        validationMetrics = enumMap(Errors.required(validationMetrics, "TrainingResult.validationMetrics"));
        Errors.required(groups, "TrainingResult.groups");
        roc = List.copyOf(Errors.required(roc, "TrainingResult.roc"));
        pr = List.copyOf(Errors.required(pr, "TrainingResult.pr"));
        importances = List.copyOf(Errors.required(importances, "TrainingResult.importances"));
        Errors.required(pipeline, "TrainingResult.pipeline");
        Errors.required(scoreReference, "TrainingResult.scoreReference");
    }

    private static Map<Metric, Double> enumMap(Map<Metric, Double> m) {
        return Collections.unmodifiableMap(m.isEmpty() ? new EnumMap<>(Metric.class) : new EnumMap<>(m));
    }

    /** The task of the algorithm. */
    public ModelDef.Task task() {
        return algorithm.task();
    }

    /**
     * Every number as one flat map, the shape a tracking store logs and {@link PromotionGate} reads: test metrics by
     * their key ({@code auc}), validation metrics as {@code validation/auc}, gaps as {@code gap/tpr}, per-group values
     * as {@code group/<value>/tpr} and {@code group/<value>/rows}. Group values are kept to letters, digits and
     * {@code _-. } (others become {@code _}), which MLflow accepts in metric names.
     */
    public Map<String, Double> flatMetrics() {
        Map<String, Double> out = new LinkedHashMap<>();
        metrics.forEach((m, v) -> out.put(m.key(), v));
        validationMetrics.forEach((m, v) -> out.put(VALIDATION_PREFIX + m.key(), v));
        groups.ifPresent(g -> {
            g.gaps().forEach((m, v) -> out.put(GAP_PREFIX + m.key(), v));
            g.byGroup().forEach((group, values) -> {
                String safe = group.replaceAll("[^A-Za-z0-9_\\-. ]", "_");
                values.forEach((m, v) -> out.put(GROUP_PREFIX + safe + "/" + m.key(), v));
                out.put(GROUP_PREFIX + safe + "/rows", g.rows().get(group).doubleValue());
            });
        });
        return Collections.unmodifiableMap(out);
    }

    /** The gap of a fairness metric, when groups were measured. */
    public Optional<Double> gap(FairnessMetric metric) {
        return groups.map(g -> g.gaps().get(metric));
    }
}
