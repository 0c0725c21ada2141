package dev.ingot.scoring.internal.onnx;

import static dev.ingot.scoring.internal.onnx.OnnxGraph.attr;

import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.regression.LinearRegressionModel;

/**
 * Spark's logistic and linear regression as ONNX nodes, with Spark's own formulas step by step (so that doubles agree
 * to the last bits but for the order of a dot product's sums): the binary probabilities are
 * {@code 1 / (1 + exp(-raw))} of the raw margins {@code [-m, m]}, the multinomial ones a softmax shifted by the largest
 * margin only when it is positive and scaled by the reciprocal of the sum.
 */
public final class LinearModels {
    private LinearModels() {}

    /** Whether {@link #add} converts {@code model}. */
    public static boolean supports(Model<?> model) {
        return model instanceof LogisticRegressionModel || model instanceof LinearRegressionModel;
    }

    /**
     * Adds {@code model} reading {@code features} (double [N,F]).
     *
     * @throws IllegalArgumentException for a model {@link #supports} refuses, or a multinomial model with thresholds
     */
    public static EstimatorOutputs add(OnnxGraph g, String features, Model<?> model) {
        if (model instanceof LinearRegressionModel lr) {
            String m = margin(g, features, lr.coefficients().toArray(), lr.intercept());
            return EstimatorOutputs.regressor(flat(g, m));
        }
        if (!(model instanceof LogisticRegressionModel lr)) {
            throw new IllegalArgumentException("not a linear model: " + model.getClass().getName());
        }
        Matrix w = lr.coefficientMatrix();
        if (w.numRows() == 1 && lr.numClasses() == 2) {
            return binary(g, features, lr);
        }
        if (lr.isDefined(lr.thresholds()) && lr.isSet(lr.thresholds())) {
            throw new IllegalArgumentException("a multinomial logistic regression with thresholds is not supported");
        }
        int k = w.numRows();
        int f = w.numCols();
        double[] weights = new double[f * k];
        for (int j = 0; j < f; j++) {
            for (int c = 0; c < k; c++) {
                weights[j * k + c] = w.apply(c, j);
            }
        }
        String raw = g.node("Add", g.node("MatMul", features, g.constant("lr_weights", weights, f, k)),
                g.constant("lr_intercepts", lr.interceptVector().toArray()));
        String axis = g.constant("axis1", new long[] {1});
        String max = g.node("ReduceMax", List.of(raw, axis), List.of(attr("keepdims", 1L)));
        String zero = g.constant("zero", new double[] {0.0});
        String shift = g.node("Where", g.node("Greater", max, zero), max, zero);
        String e = g.node("Exp", g.node("Sub", raw, shift));
        String sum = g.node("ReduceSum", List.of(e, axis), List.of(attr("keepdims", 1L)));
        String probability = g.node("Mul", e, g.node("Div", g.constant("one", new double[] {1.0}), sum));
        String label = g.node("ArgMax", List.of(raw), List.of(attr("axis", 1L), attr("keepdims", 0L)));
        return EstimatorOutputs.classifier(label, probability);
    }

    private static EstimatorOutputs binary(OnnxGraph g, String features, LogisticRegressionModel lr) {
        String m = margin(g, features, lr.coefficients().toArray(), lr.intercept());
        String one = g.constant("one", new double[] {1.0});
        String raw = g.node("Concat", List.of(g.node("Neg", m), m), List.of(attr("axis", 1L)));
        String probability = g.node("Div", one, g.node("Add", one, g.node("Exp", g.node("Neg", raw))));
        double t = lr.getThreshold();
        String positive;
        if (!lr.getRawPredictionCol().isEmpty()) {
            // Spark predicts from the raw margin when it has one, against the threshold's log-odds.
            double rawThreshold = t == 0.0 ? Double.NEGATIVE_INFINITY : t == 1.0 ? Double.POSITIVE_INFINITY
                    : Math.log(t / (1.0 - t));
            positive = g.node("Greater", m, g.constant("raw_threshold", new double[] {rawThreshold}));
        } else {
            String p1 = g.node("Div", one, g.node("Add", one, g.node("Exp", g.node("Neg", m))));
            positive = g.node("Greater", p1, g.constant("threshold", new double[] {t}));
        }
        String label = flat(g, g.node("Cast", List.of(positive), List.of(attr("to", (long) OnnxGraph.INT64))));
        return EstimatorOutputs.classifier(label, probability);
    }

    /** {@code features . coefficients + intercept}, [N,1]. */
    private static String margin(OnnxGraph g, String features, double[] coefficients, double intercept) {
        String w = g.constant("coefficients", coefficients, coefficients.length, 1);
        return g.node("Add", g.node("MatMul", features, w), g.constant("intercept", new double[] {intercept}));
    }

    /** [N,1] to [N]. */
    static String flat(OnnxGraph g, String column) {
        return g.node("Reshape", column, g.constant("shape_n", new long[] {-1}));
    }
}
