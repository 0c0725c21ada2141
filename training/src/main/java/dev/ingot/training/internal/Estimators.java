package dev.ingot.training.internal;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.internal.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.regression.DecisionTreeRegressor;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.RandomForestRegressor;

/**
 * The Spark ML estimator of each algorithm, and the check of a spec's params against the estimator's own: a param is
 * looked up by name on a fresh estimator, its value parsed to the param's type and passed through the param's own
 * validator, so Ingot never keeps a copy of Spark's param lists that could drift.
 */
public final class Estimators {
    /** Column params Ingot sets itself, and the seed (a top-level key of the spec). */
    static final Set<String> RESERVED = Set.of("featuresCol", "labelCol", "predictionCol", "probabilityCol",
            "rawPredictionCol", "weightCol", "leafCol", "validationIndicatorCol", "varianceCol", "seed");
    /** Columns the pipeline writes. */
    public static final String FEATURES = "__features";
    public static final String LABEL = "__label";
    public static final String PREDICTION = "prediction";
    public static final String PROBABILITY = "probability";
    public static final String RAW_PREDICTION = "rawPrediction";

    private Estimators() {}

    /** A fresh estimator with Spark's defaults. */
    public static Estimator<?> create(ModelDef.Algorithm algorithm) {
        return switch (algorithm) {
            case LOGISTIC_REGRESSION -> new LogisticRegression();
            case LINEAR_REGRESSION -> new LinearRegression();
            case DECISION_TREE_CLASSIFIER -> new DecisionTreeClassifier();
            case DECISION_TREE_REGRESSOR -> new DecisionTreeRegressor();
            case RANDOM_FOREST_CLASSIFIER -> new RandomForestClassifier();
            case RANDOM_FOREST_REGRESSOR -> new RandomForestRegressor();
            case GBT_CLASSIFIER -> new GBTClassifier();
            case GBT_REGRESSOR -> new GBTRegressor();
        };
    }

    /** The result of checking a spec's params: the typed values by Spark name, or the problems. */
    public record Checked(Map<String, Object> values, List<ConfigProblem> problems) {}

    /** Checks every param of {@code spec} against its estimator; all problems at once. */
    public static Checked check(ModelDef spec, String file) {
        Estimator<?> est = create(spec.algorithm());
        String estName = est.getClass().getSimpleName();
        List<String> settable = Arrays.stream(est.params()).filter(p -> type(est, p) != null)
                .filter(p -> !RESERVED.contains(p.name())).map(p -> p.name() + " (" + type(est, p) + ")").sorted()
                .toList();
        List<String> names = settable.stream().map(s -> s.substring(0, s.indexOf(' '))).toList();
        Map<String, Object> values = new LinkedHashMap<>();
        List<ConfigProblem> problems = new ArrayList<>();
        spec.params().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String key = "algorithm.params." + e.getKey();
            String name = sparkName(est, e.getKey());
            if (RESERVED.contains(name)) {
                problems.add(new ConfigProblem(file, key, "'" + e.getKey() + "' is set by Ingot",
                        name.equals("seed") ? "set the top-level 'seed:' key" : "remove it (Ingot names the columns)"));
                return;
            }
            if (!est.hasParam(name)) {
                problems.add(new ConfigProblem(file, key, "'" + e.getKey() + "' is not a param of " + estName
                        + " (" + spec.algorithm().key() + ")" + Node.suggest(name, names),
                        "use one of its params: " + String.join(", ", settable)));
                return;
            }
            Param<Object> p = est.getParam(name);
            String type = type(est, p);
            if (type == null) {
                problems.add(new ConfigProblem(file, key, "'" + name + "' of " + estName + " takes a value that YAML"
                        + " cannot set", "remove it; settable params: " + String.join(", ", settable)));
                return;
            }
            Object value = parse(type, e.getValue());
            if (value == null) {
                problems.add(new ConfigProblem(file, key, "'" + e.getValue() + "' is not " + article(type)
                        + ", the type of " + estName + "." + name, "write " + article(type) + " (" + p.doc() + ")"));
                return;
            }
            if (!Boolean.TRUE.equals(p.isValid().apply(value))) {
                problems.add(new ConfigProblem(file, key, "'" + e.getValue() + "' is not a valid " + name + " for "
                        + estName, "write a value allowed by its doc: " + p.doc()));
                return;
            }
            values.put(name, value);
        });
        return new Checked(values, problems);
    }

    /** {@code max_depth} is read as {@code maxDepth} when the estimator has no param of the first name. */
    private static String sparkName(Estimator<?> est, String key) {
        if (est.hasParam(key) || key.indexOf('_') < 0) {
            return key;
        }
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : key.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }

    /** The param's value type as YAML can write it, or null when it cannot (arrays, matrices, vectors). */
    private static String type(Estimator<?> est, Param<?> p) {
        if (p instanceof IntParam) {
            return "int";
        }
        if (p instanceof LongParam) {
            return "long";
        }
        if (p instanceof DoubleParam || p instanceof FloatParam) {
            return "double";
        }
        if (p instanceof BooleanParam) {
            return "boolean";
        }
        @SuppressWarnings("unchecked")
        Param<Object> any = (Param<Object>) p;
        if (p.getClass() == Param.class && est.hasDefault(any) && est.getDefault(any).get() instanceof String) {
            return "string";
        }
        return null;
    }

    private static Object parse(String type, String text) {
        String s = text.trim();
        try {
            return switch (type) {
                case "int" -> Integer.parseInt(s);
                case "long" -> Long.parseLong(s);
                case "double" -> {
                    double d = Double.parseDouble(s);
                    yield Double.isFinite(d) ? d : null;
                }
                case "boolean" -> s.equalsIgnoreCase("true") ? Boolean.TRUE
                        : s.equalsIgnoreCase("false") ? Boolean.FALSE : null;
                default -> text;
            };
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String article(String type) {
        return switch (type) {
            case "int", "long" -> "a whole number";
            case "double" -> "a number";
            case "boolean" -> "true or false";
            default -> "a string";
        };
    }

    /** Applies checked values, the seed (when the estimator has one) and Ingot's column names. */
    public static Estimator<?> configured(ModelDef spec, Map<String, Object> values) {
        Estimator<?> est = create(spec.algorithm());
        values.forEach((k, v) -> est.set(est.getParam(k), v));
        if (est.hasParam("seed")) {
            est.set(est.getParam("seed"), spec.seed());
        }
        est.set(est.getParam("featuresCol"), FEATURES);
        est.set(est.getParam("labelCol"), LABEL);
        est.set(est.getParam("predictionCol"), PREDICTION);
        if (spec.task() == ModelDef.Task.CLASSIFICATION) {
            est.set(est.getParam("probabilityCol"), PROBABILITY);
            est.set(est.getParam("rawPredictionCol"), RAW_PREDICTION);
        }
        return est;
    }
}
