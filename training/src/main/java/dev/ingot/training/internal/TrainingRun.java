package dev.ingot.training.internal;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ModelDef.FairnessMetric;
import dev.ingot.core.config.ModelDef.Metric;
import dev.ingot.core.config.Project;
import dev.ingot.core.ml.NumericFeatures;
import dev.ingot.training.CurvePoint;
import dev.ingot.training.FeatureImportance;
import dev.ingot.training.GroupMetrics;
import dev.ingot.training.ScoreReference;
import dev.ingot.training.Split;
import dev.ingot.training.TrainingResult;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * One training: checks the training set against the spec, splits it by time, fits the pipeline and evaluates it. Every
 * check on the data runs before the fit, so bad input costs two small aggregations, not a training.
 */
public final class TrainingRun {
    /** Points kept on a ROC or PR curve: enough to draw, small enough to log. */
    static final int CURVE_POINTS = 200;
    /** Groups compared at most: each costs a small evaluation job. */
    static final int MAX_GROUPS = 100;
    private static final String SCORE = "__score";
    private static final String GROUP = "__group";
    private static final String ASSEMBLED = "__assembled";
    private static final String NUM = "__num__";
    private static final String IMP = "__imp__";
    private static final String IDX = "__idx__";
    private static final String OHE = "__ohe__";
    /** Suffix of a null-indicator feature. */
    public static final String IS_NULL = "__is_null";

    private final Project project;
    private final ModelDef spec;
    private final String file;
    private final Map<String, Object> params;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private TrainingRun(Project project, ModelDef spec, String file, Map<String, Object> params) {
        this.project = project;
        this.spec = spec;
        this.file = file;
        this.params = params;
    }

    /** Trains {@code spec} on {@code data}; params are the checked values of {@link Estimators#check}. */
    public static TrainingResult run(Project project, ModelDef spec, String file, Map<String, Object> params,
                                     Dataset<Row> data) {
        return new TrainingRun(project, spec, file, params).run(data);
    }

    private boolean classifier() {
        return spec.task() == ModelDef.Task.CLASSIFICATION;
    }

    private void problem(String key, String problem, String fix) {
        problems.add(new ConfigProblem(file, key, problem, fix));
    }

    private void throwProblems() {
        if (!problems.isEmpty()) {
            throw Errors.invalidConfig("train model " + spec.name() + " on its training set", problems);
        }
    }

    private record Feature(String column, boolean numeric, int index) {}

    private TrainingResult run(Dataset<Row> data) {
        List<Feature> features = columns(data);
        throwProblems();

        Column ts = col(spec.timestamp()).cast("timestamp");
        Column label = col(spec.label()).cast("double");
        Column usable = col(spec.label()).isNotNull().and(ts.isNotNull());
        Column notBinary = col(spec.label()).isNotNull().and(label.isNull().or(not(label.isin(0.0, 1.0))));
        Row p = data.agg(count(lit(1)), count(col(spec.label())), sum(when(usable, 1).otherwise(0)),
                min(when(usable, ts)), max(when(usable, ts)),
                sum(when(notBinary, 1).otherwise(0))).first();
        long total = p.getLong(0);
        long labelled = p.getLong(1);
        long usableRows = p.isNullAt(2) ? 0 : p.getLong(2);
        if (labelled == 0) {
            problem("label", "'" + spec.label() + "' is null in every row of the training set (" + total + " rows)",
                    "label the spine's rows, or name the label column");
        } else if (classifier() && !p.isNullAt(5) && p.getLong(5) > 0) {
            List<String> found = data.filter(notBinary).select(col(spec.label()).cast("string")).distinct()
                    .orderBy(col(spec.label()).cast("string")).limit(10).collectAsList().stream()
                    .map(r -> r.isNullAt(0) ? "null" : r.getString(0)).toList();
            problem("label", "'" + spec.label() + "' is not binary: " + p.getLong(5) + " rows have other values than 0"
                    + " and 1 (e.g. " + String.join(", ", found) + "), and " + spec.algorithm().key()
                    + " is a classifier", "use a 0/1 or false/true label, or a regressor ("
                    + spec.algorithm().key().replace("_classifier", "_regressor").replace("logistic_regression",
                    "linear_regression") + ")");
        } else if (usableRows == 0) {
            problem("timestamp", "'" + spec.timestamp() + "' is null in every labelled row",
                    "give every spine row its event time");
        }
        throwProblems();

        Instant first = instant(p.get(3));
        Instant end = instant(p.get(4));
        Instant testStart = end.minusSeconds(spec.testWindow().seconds());
        Optional<Instant> validationStart = spec.validationWindow().map(v -> testStart.minusSeconds(v.seconds()));
        Instant trainEnd = validationStart.orElse(testStart);
        Column inTrain = ts.leq(lit(Timestamp.from(trainEnd)));
        Column inTest = ts.gt(lit(Timestamp.from(testStart)));
        Column inValidation = validationStart.map(v -> ts.gt(lit(Timestamp.from(v))).and(ts.leq(lit(Timestamp.from(testStart)))))
                .orElse(lit(false));

        Dataset<Row> rows = data.filter(usable);
        List<Column> aggs = new ArrayList<>(List.of(sum(when(inTrain, 1).otherwise(0)),
                sum(when(inValidation, 1).otherwise(0)), sum(when(inTest, 1).otherwise(0)),
                sum(when(inTrain, label).otherwise(0)), sum(when(inTest, label).otherwise(0)),
                spec.fairness().map(f -> countDistinct(when(inTest, coalesce(col(f.column()).cast("string"),
                        lit("(null)"))))).orElse(lit(0L))));
        List<Feature> numeric = features.stream().filter(Feature::numeric).toList();
        for (Feature f : numeric) {
            aggs.add(sum(when(inTrain.and(missing(f.column())), 1).otherwise(0)));
        }
        Row c = rows.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
        long trainRows = longAt(c, 0);
        long validationRows = longAt(c, 1);
        long testRows = longAt(c, 2);
        String span = "the training set's event times run from " + first + " to " + end;
        String windows = "test_window (" + spec.testWindow() + ")"
                + spec.validationWindow().map(v -> " and validation_window (" + v + ")").orElse("");
        if (trainRows == 0) {
            problem(spec.validationWindow().isPresent() ? "validation_window" : "test_window",
                    "the training window (event time at or before " + trainEnd + ") is empty: " + span,
                    "shorten " + windows + ", or add older rows to the spine");
        }
        if (validationStart.isPresent() && validationRows == 0) {
            problem("validation_window", "the validation window (" + validationStart.get() + ", " + testStart
                    + "] is empty: " + span, "widen validation_window, or remove it");
        }
        if (classifier()) {
            oneClass("training window (event time at or before " + trainEnd + ")", trainRows, doubleAt(c, 3),
                    "a classifier learns from both", "move the split (" + windows + ") so that it holds both labels");
            oneClass("test window (" + testStart + ", " + end + "]", testRows, doubleAt(c, 4),
                    "AUC is undefined", "widen test_window so that it holds both labels");
        }
        if (spec.fairness().isPresent() && c.getLong(5) > MAX_GROUPS) {
            problem("fairness.column", "'" + spec.fairness().get().column() + "' has " + c.getLong(5)
                    + " groups in the test window, more than " + MAX_GROUPS, "name a column with fewer groups");
        }
        List<String> indicators = new ArrayList<>();
        for (int i = 0; i < numeric.size(); i++) {
            long nulls = c.getLong(6 + i);
            Feature f = numeric.get(i);
            if (trainRows > 0 && nulls == trainRows) {
                problem("features[" + f.index() + "]", "'" + f.column() + "' is null in every row of the training window",
                        "remove it from features, or check that its feature view covers the spine's dates");
            } else if (nulls > 0 && spec.nulls().indicators()) {
                indicators.add(f.column());
            }
        }
        throwProblems();
        Split split = new Split(first, trainEnd, validationStart, testStart, end, trainRows, validationRows, testRows,
                total - usableRows);

        Pipeline pipeline = pipeline(features, indicators);
        Dataset<Row> labelledRows = rows.withColumn(Estimators.LABEL, label);
        Dataset<Row> train = labelledRows.filter(inTrain);
        // Spark sums a linear model's gradients (and the scaler's moments) in the order tasks finish, so their last
        // digits would differ between two runs; in one partition they do not. Trees aggregate by key, in a fixed order.
        PipelineModel model = pipeline.fit(spec.algorithm().linear() ? train.coalesce(1) : train);

        Evaluation test = evaluate(score(model.transform(labelledRows.filter(inTest))), true);
        Map<Metric, Double> validation = validationStart.isPresent()
                ? evaluate(score(model.transform(labelledRows.filter(inValidation))), false).metrics()
                : Map.of();
        List<FeatureImportance> importances = importances(model, model.transform(labelledRows).schema(), features);
        return new TrainingResult(spec.name(), spec.algorithm(), spec.seed(), params,
                features.stream().map(Feature::column).toList(), split, test.metrics(), validation, spec.precisionAtK(),
                test.groups(), test.roc(), test.pr(), importances, model, test.reference());
    }

    // ---- columns ----

    private List<Feature> columns(Dataset<Row> data) {
        Map<String, DataType> types = new LinkedHashMap<>();
        for (StructField f : data.schema().fields()) {
            types.put(f.name(), f.dataType());
        }
        String have = String.join(", ", types.keySet());
        DataType labelType = types.get(spec.label());
        if (labelType == null) {
            problem("label", "the training set has no column '" + spec.label() + "' (columns: " + have + ")",
                    "name its label column");
        } else if (!(labelType instanceof NumericType || labelType instanceof BooleanType
                || (classifier() && labelType instanceof StringType))) {
            problem("label", "'" + spec.label() + "' has type " + labelType.simpleString() + ", not a "
                    + (classifier() ? "0/1 or boolean" : "number"), "use a " + (classifier() ? "0/1 or false/true"
                    : "numeric") + " label column");
        }
        DataType tsType = types.get(spec.timestamp());
        if (tsType == null) {
            problem("timestamp", "the training set has no column '" + spec.timestamp() + "' (columns: " + have + ")",
                    "name the spine's event-time column");
        } else if (!(tsType instanceof TimestampType || tsType instanceof TimestampNTZType || tsType instanceof DateType)) {
            problem("timestamp", "'" + spec.timestamp() + "' has type " + tsType.simpleString() + ", not timestamp",
                    "name a timestamp (or date) column");
        }
        spec.fairness().ifPresent(f -> {
            if (!types.containsKey(f.column())) {
                problem("fairness.column", "the training set has no column '" + f.column() + "' (columns: " + have
                        + ")", "name a column of the spine or a feature");
            }
        });
        List<Feature> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < spec.features().size(); i++) {
            FeatureRef ref = spec.features().get(i);
            String key = "features[" + i + "]";
            List<String> names = ref.features();
            if (names.isEmpty()) {
                FeatureViewDef view = project.featureViews().get(ref.view());
                if (view == null) {
                    problem(key, "'" + ref.view() + "' is not a feature view of the project (feature views: "
                            + String.join(", ", project.featureViews().keySet()) + ")", "name one of them");
                    continue;
                }
                names = view.featureNames();
            }
            for (String name : names) {
                String column = types.containsKey(name) ? name : ref.view() + "__" + name;
                DataType t = types.get(column);
                if (t == null) {
                    problem(key, "the training set has no column '" + name + "' (nor '" + ref.view() + "__" + name
                            + "'; columns: " + have + ")", "build the training set from this spec, which joins every"
                            + " feature it lists, or list only features the training set has");
                } else if (column.equals(spec.label()) || column.equals(spec.timestamp())) {
                    problem(key, "'" + column + "' is the " + (column.equals(spec.label()) ? "label" : "event time"),
                            "remove it from features");
                } else if (!(t instanceof NumericType || t instanceof BooleanType || t instanceof StringType)) {
                    problem(key, "feature '" + column + "' has type " + t.simpleString()
                            + ", which a model cannot take", "use numeric, boolean or string features");
                } else if (seen.add(column)) {
                    out.add(new Feature(column, !(t instanceof StringType), i));
                }
            }
        }
        return out;
    }

    private static Column missing(String column) {
        return col(column).isNull().or(isnan(col(column).cast("double")));
    }

    private void oneClass(String window, long rows, double positives, String why, String fix) {
        if (rows > 0 && (positives == 0 || positives == rows)) {
            problem("label", "the " + window + " has only label " + (positives == 0 ? "0" : "1") + " (" + rows
                    + " rows): " + why, fix);
        }
    }

    // ---- pipeline ----

    private Pipeline pipeline(List<Feature> features, List<String> indicators) {
        List<PipelineStage> stages = new ArrayList<>();
        List<String> numeric = features.stream().filter(Feature::numeric).map(Feature::column).toList();
        List<String> strings = features.stream().filter(f -> !f.numeric()).map(Feature::column).toList();
        List<String> assembled = new ArrayList<>();
        if (!numeric.isEmpty()) {
            // Imputer takes numbers only, and a boolean feature is as good a number: cast both, and add the indicators,
            // inside the pipeline, so that the fitted model takes the training set's own columns. An Ingot stage, not
            // SQL, so that the ONNX converter can read what it does.
            stages.add(new NumericFeatures().setInputCols(numeric.toArray(String[]::new))
                    .setOutputCols(numeric.stream().map(f -> NUM + f).toArray(String[]::new))
                    .setIndicatorInputCols(indicators.toArray(String[]::new))
                    .setIndicatorOutputCols(indicators.stream().map(f -> f + IS_NULL).toArray(String[]::new)));
            stages.add(new Imputer().setInputCols(numeric.stream().map(f -> NUM + f).toArray(String[]::new))
                    .setOutputCols(numeric.stream().map(f -> IMP + f).toArray(String[]::new))
                    .setStrategy(spec.nulls().strategy().name().toLowerCase(Locale.ROOT)));
            numeric.forEach(f -> assembled.add(IMP + f));
            indicators.forEach(f -> assembled.add(f + IS_NULL));
        }
        if (!strings.isEmpty()) {
            // 'keep': null and values unseen in training get an index of their own, which one-hot drops as the reference.
            stages.add(new StringIndexer().setInputCols(strings.toArray(String[]::new))
                    .setOutputCols(strings.stream().map(f -> IDX + f).toArray(String[]::new))
                    .setHandleInvalid("keep").setStringOrderType("frequencyDesc"));
            stages.add(new OneHotEncoder().setInputCols(strings.stream().map(f -> IDX + f).toArray(String[]::new))
                    .setOutputCols(strings.stream().map(f -> OHE + f).toArray(String[]::new)));
            strings.forEach(f -> assembled.add(OHE + f));
        }
        boolean linear = spec.algorithm().linear();
        stages.add(new VectorAssembler().setInputCols(assembled.toArray(String[]::new))
                .setOutputCol(linear ? ASSEMBLED : Estimators.FEATURES));
        if (linear) {
            // Regularization and the optimizer treat every input alike only on a common scale; no centering keeps the
            // one-hot vectors sparse.
            stages.add(new StandardScaler().setInputCol(ASSEMBLED).setOutputCol(Estimators.FEATURES)
                    .setWithStd(true).setWithMean(false));
        }
        Estimator<?> est = Estimators.configured(spec, params);
        stages.add(est);
        return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
    }

    // ---- evaluation ----

    private Dataset<Row> score(Dataset<Row> predictions) {
        return classifier() ? predictions.withColumn(SCORE,
                org.apache.spark.ml.functions.vector_to_array(col(Estimators.PROBABILITY), "float64").getItem(1))
                : predictions;
    }

    /**
     * The test window's evaluation: metrics, for classifiers the curves and groups, and the scores binned (from the
     * same aggregation as the metrics: the test window is not scored again for them).
     */
    private record Evaluation(Map<Metric, Double> metrics, List<CurvePoint> roc, List<CurvePoint> pr,
                              Optional<GroupMetrics> groups, Optional<ScoreReference> reference) {}

    private Evaluation evaluate(Dataset<Row> pred, boolean full) {
        Set<Metric> wanted = new LinkedHashSet<>(spec.metrics());
        spec.gate().forEach(r -> wanted.add(r.metric()));
        Map<Metric, Double> out = new EnumMap<>(Metric.class);
        if (!classifier()) {
            RegressionSums s = RegressionSums.of(pred.select(Estimators.LABEL, Estimators.PREDICTION), full);
            for (Metric m : wanted) {
                out.put(m, switch (m) {
                    case RMSE -> s.rmse();
                    case MAE -> s.mae();
                    case R2 -> s.r2();
                    default -> throw new IllegalStateException(m + " is not a regression metric");
                });
            }
            return new Evaluation(out, List.of(), List.of(), Optional.empty(), full
                    ? ScoreReference.of(ScoreReference.PREDICTION, s.predictions(), s.predictionRows()) : Optional.empty());
        }
        Optional<String> groupColumn = full ? spec.fairness().map(ModelDef.Fairness::column) : Optional.empty();
        Dataset<Row> g = pred.withColumn(GROUP, groupColumn.map(c -> coalesce(col(c).cast("string"), lit("(null)")))
                .orElse(lit("")));
        Map<String, List<Scores.Cell>> byGroup = new TreeMap<>();
        for (Row r : g.groupBy(GROUP, SCORE, Estimators.LABEL, Estimators.PREDICTION).count().collectAsList()) {
            byGroup.computeIfAbsent(r.getString(0), k -> new ArrayList<>())
                    .add(new Scores.Cell(r.getDouble(1), r.getDouble(2), r.getDouble(3), r.getLong(4)));
        }
        Scores all = new Scores(byGroup.values().stream().flatMap(List::stream).toList());
        for (Metric m : wanted) {
            out.put(m, switch (m) {
                case AUC -> all.auc();
                case PR_AUC -> all.prAuc();
                case LOG_LOSS -> all.logLoss();
                case ACCURACY -> all.accuracy();
                case F1 -> all.f1();
                case PRECISION_AT_K -> all.precisionAt(spec.precisionAtK());
                default -> throw new IllegalStateException(m + " is not a classification metric");
            });
        }
        if (!full) {
            return new Evaluation(out, List.of(), List.of(), Optional.empty(), Optional.empty());
        }
        List<Scores.Cell> cells = byGroup.values().stream().flatMap(List::stream).toList();
        return new Evaluation(out, Scores.thin(all.roc(), CURVE_POINTS), Scores.thin(all.pr(), CURVE_POINTS),
                groupColumn.map(c -> groups(c, byGroup)), ScoreReference.of(ScoreReference.PROBABILITY,
                        cells.stream().mapToDouble(Scores.Cell::score).toArray(),
                        cells.stream().mapToLong(Scores.Cell::rows).toArray()));
    }

    private static GroupMetrics groups(String column, Map<String, List<Scores.Cell>> cells) {
        Map<String, Map<FairnessMetric, Double>> byGroup = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        cells.forEach((group, list) -> {
            Scores s = new Scores(list);
            Map<FairnessMetric, Double> values = new EnumMap<>(FairnessMetric.class);
            values.put(FairnessMetric.TPR, s.tpr());
            values.put(FairnessMetric.POSITIVE_RATE, s.positiveRate());
            values.put(FairnessMetric.AUC, s.positives() == 0 || s.positives() == s.rows() ? Double.NaN : s.auc());
            byGroup.put(group, values);
            counts.put(group, s.rows());
        });
        Map<FairnessMetric, Double> gaps = new EnumMap<>(FairnessMetric.class);
        for (FairnessMetric m : FairnessMetric.values()) {
            double[] defined = byGroup.values().stream().mapToDouble(v -> v.get(m)).filter(d -> !Double.isNaN(d))
                    .toArray();
            gaps.put(m, defined.length < 2 ? 0.0
                    : Arrays.stream(defined).max().getAsDouble() - Arrays.stream(defined).min().getAsDouble());
        }
        return new GroupMetrics(column, byGroup, counts, gaps);
    }

    // ---- importances ----

    private List<FeatureImportance> importances(PipelineModel model, org.apache.spark.sql.types.StructType schema,
                                                List<Feature> features) {
        Transformer last = model.stages()[model.stages().length - 1];
        Vector v = importanceVector(last);
        String vectorColumn = spec.algorithm().linear() ? ASSEMBLED : Estimators.FEATURES;
        AttributeGroup group = AttributeGroup.fromStructField(schema.apply(vectorColumn));
        Attribute[] attrs = group.attributes().isDefined() ? group.attributes().get() : new Attribute[0];
        List<FeatureImportance> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            String raw = i < attrs.length && attrs[i].name().isDefined() ? attrs[i].name().get() : "slot " + i;
            out.add(new FeatureImportance(readable(raw, features), v.apply(i)));
        }
        out.sort(Comparator.comparingDouble(FeatureImportance::importance).reversed()
                .thenComparing(FeatureImportance::name));
        return out;
    }

    private static Vector importanceVector(Transformer m) {
        if (m instanceof LogisticRegressionModel lr) {
            return abs(lr.coefficients());
        }
        if (m instanceof LinearRegressionModel lr) {
            return abs(lr.coefficients());
        }
        // Each of the six tree models has featureImportances, but no Java type they share declares it.
        try {
            return (Vector) m.getClass().getMethod("featureImportances").invoke(m);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no importances for " + m.getClass().getName(), e);
        }
    }

    private static Vector abs(Vector v) {
        // A dense vector's toArray() is its own array: without the copy this would make the fitted model's
        // coefficients absolute, and the model logged, converted and scored would not be the one evaluated.
        double[] a = v.toArray().clone();
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.abs(a[i]);
        }
        return org.apache.spark.ml.linalg.Vectors.dense(a);
    }

    /** {@code __imp__amount} is {@code amount}; {@code __ohe__city_paris} is {@code city=paris}. */
    private static String readable(String raw, List<Feature> features) {
        if (raw.startsWith(IMP)) {
            return raw.substring(IMP.length());
        }
        if (raw.startsWith(OHE)) {
            for (Feature f : features) {
                String prefix = OHE + f.column() + "_";
                if (!f.numeric() && raw.startsWith(prefix)) {
                    return f.column() + "=" + raw.substring(prefix.length());
                }
            }
        }
        return raw;
    }

    // ---- values ----

    private static long longAt(Row r, int i) {
        return r.isNullAt(i) ? 0 : ((Number) r.get(i)).longValue();
    }

    private static double doubleAt(Row r, int i) {
        return r.isNullAt(i) ? 0 : ((Number) r.get(i)).doubleValue();
    }

    private static Instant instant(Object o) {
        if (o instanceof Timestamp t) {
            return t.toInstant();
        }
        if (o instanceof Instant i) {
            return i;
        }
        if (o instanceof LocalDateTime l) {
            return l.toInstant(ZoneOffset.UTC);
        }
        throw new IllegalStateException("not a timestamp: " + o);
    }
}
