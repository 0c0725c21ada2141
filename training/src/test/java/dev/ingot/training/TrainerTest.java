package dev.ingot.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.ExitCode;
import dev.ingot.core.InvalidConfigException;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ModelDef.Algorithm;
import dev.ingot.core.config.ModelDef.FairnessMetric;
import dev.ingot.core.config.ModelDef.Metric;
import dev.ingot.core.config.TimeSpan;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class TrainerTest {
    private static final Trainer TRAINER = Trainer.of(TestSpark.session(), TrainingData.project());
    private static final Map<String, String> SMALL_GBT = Map.of("maxIter", "5", "maxDepth", "3", "subsamplingRate", "0.8");

    @Test
    void twoTrainingsOnTheSameInputsGiveIdenticalMetricsToTheLastDigit() {
        long seed = new Random().nextLong();
        ModelDef spec = TrainingData.spec(Algorithm.GBT_CLASSIFIER, SMALL_GBT, Optional.of(TrainingData.days(7)),
                Optional.of(new ModelDef.Fairness("segment", Map.of())), List.of());

        TrainingResult a = TRAINER.train(spec, TrainingData.frame(seed));
        TrainingResult b = TRAINER.train(spec, TrainingData.frame(seed));

        assertThat(a.flatMetrics()).as("data seed " + seed).isEqualTo(b.flatMetrics());
        assertThat(a.metrics()).as("every classification metric").containsOnlyKeys(Metric.of(ModelDef.Task.CLASSIFICATION));
        assertThat(a.validationMetrics()).containsOnlyKeys(Metric.of(ModelDef.Task.CLASSIFICATION));
        assertThat(a.importances()).isEqualTo(b.importances());
        assertThat(a.roc()).isEqualTo(b.roc());
        assertThat(a.seed()).isEqualTo(42);
        assertThat(a.params()).containsEntry("maxIter", 5).containsEntry("subsamplingRate", 0.8);
        assertThat(a.importances().stream().mapToDouble(FeatureImportance::importance).sum())
                .as("tree importances sum to 1").isCloseTo(1.0, within(1e-9));
        assertThat(a.importances()).extracting(FeatureImportance::name)
                .as("named by feature, indicator and category").contains("amount", "visits", "vip", "amount__is_null",
                        "city=paris");
        assertThat(a.roc().get(0)).isEqualTo(new CurvePoint(0, 0));
        assertThat(a.roc().get(a.roc().size() - 1)).isEqualTo(new CurvePoint(1, 1));

        ModelDef linear = TrainingData.spec(Algorithm.LOGISTIC_REGRESSION, Map.of("regParam", "0.1"));
        assertThat(TRAINER.train(linear, TrainingData.frame(seed)).flatMetrics()).as("data seed " + seed)
                .isEqualTo(TRAINER.train(linear, TrainingData.frame(seed)).flatMetrics());
    }

    @Test
    void theSplitIsByTimeAndNoEvaluationRowIsEarlierThanTheLastTrainingRow() {
        long seed = new Random().nextLong();
        ModelDef spec = TrainingData.spec(Algorithm.LOGISTIC_REGRESSION, Map.of());
        List<Row> rows = TrainingData.rows(seed);

        TrainingResult r = TRAINER.train(spec, TrainingData.frame(seed));

        Split s = r.split();
        Instant end = rows.stream().map(x -> x.getTimestamp(1).toInstant()).max(Comparator.naturalOrder()).orElseThrow();
        assertThat(s.end()).isEqualTo(end);
        assertThat(s.testStart()).isEqualTo(end.minusSeconds(14 * 86400));
        assertThat(s.validationStart()).contains(end.minusSeconds(21 * 86400));
        assertThat(s.trainEnd()).isEqualTo(end.minusSeconds(21 * 86400));
        assertThat(s.trainStart()).isEqualTo(TrainingData.START);
        List<Instant> train = new ArrayList<>();
        List<Instant> validation = new ArrayList<>();
        List<Instant> test = new ArrayList<>();
        for (Row x : rows) {
            Instant t = x.getTimestamp(1).toInstant();
            (t.isAfter(s.testStart()) ? test : t.isAfter(s.trainEnd()) ? validation : train).add(t);
        }
        assertThat(s.trainRows()).as("data seed " + seed).isEqualTo(train.size());
        assertThat(s.validationRows()).isEqualTo(validation.size()).isEqualTo(7 * TrainingData.PER_DAY);
        assertThat(s.testRows()).isEqualTo(test.size()).isEqualTo(14 * TrainingData.PER_DAY);
        assertThat(s.droppedRows()).isZero();
        Instant lastTrain = train.stream().max(Comparator.naturalOrder()).orElseThrow();
        assertThat(validation.stream().min(Comparator.naturalOrder()).orElseThrow()).isAfter(lastTrain);
        assertThat(test.stream().min(Comparator.naturalOrder()).orElseThrow()).isAfter(lastTrain)
                .isAfter(validation.stream().max(Comparator.naturalOrder()).orElseThrow());
    }

    @Test
    void metricsEqualThoseOfTheSamePipelineFittedByHandAndABruteForceCount() {
        long seed = new Random().nextLong();
        String why = "data seed " + seed;
        ModelDef spec = TrainingData.spec(Algorithm.LOGISTIC_REGRESSION, Map.of("regParam", "0.01"),
                Optional.empty(), Optional.of(new ModelDef.Fairness("segment", Map.of(FairnessMetric.TPR, 0.5))),
                List.of());
        Dataset<Row> data = TrainingData.frame(seed);

        TrainingResult r = TRAINER.train(spec, data);

        // The same pipeline, by hand, on the same split.
        Dataset<Row> d = data.withColumn("y", col("label").cast("double"))
                .withColumn("n_amount", col("amount").cast("double"))
                .withColumn("n_visits", col("visits").cast("double"))
                .withColumn("n_vip", col("vip").cast("double"))
                .withColumn("amount_missing", col("amount").isNull().or(isnan(col("amount"))).cast("double"));
        PipelineStage[] stages = {
            new Imputer().setInputCols(new String[] {"n_amount", "n_visits", "n_vip"})
                    .setOutputCols(new String[] {"i_amount", "i_visits", "i_vip"}).setStrategy("mean"),
            new StringIndexer().setInputCol("city").setOutputCol("city_idx").setHandleInvalid("keep"),
            new OneHotEncoder().setInputCol("city_idx").setOutputCol("city_ohe"),
            new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "i_vip", "amount_missing", "city_ohe"})
                    .setOutputCol("raw"),
            new StandardScaler().setInputCol("raw").setOutputCol("x").setWithStd(true).setWithMean(false),
            new LogisticRegression().setFeaturesCol("x").setLabelCol("y").setRegParam(0.01)
        };
        PipelineModel byHand = new Pipeline().setStages(stages)
                .fit(d.filter(col("ts").leq(lit(Timestamp.from(r.split().trainEnd())))));
        Dataset<Row> test = byHand.transform(d.filter(col("ts").gt(lit(Timestamp.from(r.split().testStart())))));
        BinaryClassificationEvaluator binary = new BinaryClassificationEvaluator().setLabelCol("y")
                .setRawPredictionCol("probability");
        MulticlassClassificationEvaluator multi = new MulticlassClassificationEvaluator().setLabelCol("y");

        // Ingot counts the areas itself, in a fixed order (Spark adds them in the order tasks finish): equal to rounding.
        assertThat(r.metrics().get(Metric.AUC)).as(why)
                .isCloseTo(binary.setMetricName("areaUnderROC").evaluate(test), within(1e-12));
        assertThat(r.metrics().get(Metric.PR_AUC)).as(why)
                .isCloseTo(binary.setMetricName("areaUnderPR").evaluate(test), within(1e-12));
        assertThat(r.metrics().get(Metric.ACCURACY)).as(why).isEqualTo(multi.setMetricName("accuracy").evaluate(test));
        assertThat(r.metrics().get(Metric.F1)).as(why)
                .isEqualTo(multi.setMetricName("fMeasureByLabel").setMetricLabel(1.0).evaluate(test));

        // What Ingot computes itself, against a brute-force count over the collected rows.
        List<double[]> scored = new ArrayList<>(); // score, label, prediction
        Map<String, double[]> groups = new HashMap<>(); // rows, positives, true positives, predicted positives
        for (Row x : test.select("probability", "y", "prediction", "segment").collectAsList()) {
            double p = ((Vector) x.get(0)).apply(1);
            scored.add(new double[] {p, x.getDouble(1), x.getDouble(2)});
            double[] g = groups.computeIfAbsent(x.getString(3), k -> new double[4]);
            g[0]++;
            g[1] += x.getDouble(1);
            g[2] += x.getDouble(1) * x.getDouble(2);
            g[3] += x.getDouble(2);
        }
        assertThat(scored).hasSize((int) r.split().testRows());
        double logLoss = scored.stream().mapToDouble(s -> {
            double p = Math.min(Math.max(s[0], 1e-15), 1 - 1e-15);
            return -(s[1] * Math.log(p) + (1 - s[1]) * Math.log(1 - p));
        }).average().orElseThrow();
        assertThat(r.metrics().get(Metric.LOG_LOSS)).as(why).isCloseTo(logLoss, within(1e-12));
        scored.sort(Comparator.<double[]>comparingDouble(s -> -s[0]).thenComparingDouble(s -> s[1]));
        double precisionAt25 = scored.subList(0, 25).stream().mapToDouble(s -> s[1]).average().orElseThrow();
        assertThat(r.metrics().get(Metric.PRECISION_AT_K)).as(why).isCloseTo(precisionAt25, within(1e-12));

        GroupMetrics g = r.groups().orElseThrow();
        assertThat(g.byGroup()).containsOnlyKeys("business", "retail", "student");
        double maxTpr = Double.NEGATIVE_INFINITY;
        double minTpr = Double.POSITIVE_INFINITY;
        double maxRate = Double.NEGATIVE_INFINITY;
        double minRate = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, double[]> e : groups.entrySet()) {
            double[] c = e.getValue();
            assertThat(g.rows().get(e.getKey())).isEqualTo((long) c[0]);
            assertThat(g.byGroup().get(e.getKey()).get(FairnessMetric.TPR)).as(why).isCloseTo(c[2] / c[1], within(1e-12));
            assertThat(g.byGroup().get(e.getKey()).get(FairnessMetric.POSITIVE_RATE)).as(why)
                    .isCloseTo(c[3] / c[0], within(1e-12));
            double groupAuc = binary.setMetricName("areaUnderROC").evaluate(test.filter(col("segment").equalTo(e.getKey())));
            assertThat(g.byGroup().get(e.getKey()).get(FairnessMetric.AUC)).as(why).isCloseTo(groupAuc, within(1e-12));
            maxTpr = Math.max(maxTpr, c[2] / c[1]);
            minTpr = Math.min(minTpr, c[2] / c[1]);
            maxRate = Math.max(maxRate, c[3] / c[0]);
            minRate = Math.min(minRate, c[3] / c[0]);
        }
        assertThat(g.gaps().get(FairnessMetric.TPR)).as(why).isCloseTo(maxTpr - minTpr, within(1e-12));
        assertThat(g.gaps().get(FairnessMetric.POSITIVE_RATE)).as(why).isCloseTo(maxRate - minRate, within(1e-12));
        assertThat(r.flatMetrics()).containsEntry("gap/tpr", g.gaps().get(FairnessMetric.TPR))
                .containsEntry("group/retail/rows", (double) g.rows().get("retail"));
        assertThat(r.importances()).as("linear importances: |coefficients|, one per input: 3 numeric, 1 indicator, 3 cities (null is the reference)").hasSize(3 + 1 + 3);
    }

    @Test
    void regressionMetricsEqualSparksEvaluatorOnTheSamePredictions() {
        long seed = new Random().nextLong();
        ModelDef spec = TrainingData.spec(Algorithm.GBT_REGRESSOR, SMALL_GBT, Optional.empty(), Optional.empty(),
                List.of(ModelDef.GateRule.parse("r2 >= 0.1")));
        Dataset<Row> data = TrainingData.frame(seed);

        TrainingResult r = TRAINER.train(spec, data);

        Dataset<Row> test = r.pipeline().transform(data.withColumn("__label", col("target"))
                .filter(col("ts").gt(lit(Timestamp.from(r.split().testStart())))));
        RegressionEvaluator e = new RegressionEvaluator().setLabelCol("target");
        assertThat(r.metrics()).containsOnlyKeys(Metric.RMSE, Metric.MAE, Metric.R2);
        assertThat(r.metrics().get(Metric.RMSE)).as("data seed " + seed)
                .isCloseTo(e.setMetricName("rmse").evaluate(test), within(1e-9));
        assertThat(r.metrics().get(Metric.MAE)).isCloseTo(e.setMetricName("mae").evaluate(test), within(1e-9));
        assertThat(r.metrics().get(Metric.R2)).isCloseTo(e.setMetricName("r2").evaluate(test), within(1e-9));
        assertThat(r.roc()).isEmpty();
        assertThat(r.groups()).isEmpty();
    }

    // ---- bad input ----

    @Test
    void aLabelThatIsNotBinaryForAClassifierNamesTheFileKeyAndValues() {
        Dataset<Row> data = TrainingData.frame(1).withColumn("label",
                when(col("customer_id").equalTo("c5"), lit(2)).otherwise(col("label")));

        ConfigProblem p = badInput(TrainingData.spec(Algorithm.GBT_CLASSIFIER, SMALL_GBT), data);

        assertThat(p.file()).isEqualTo("models/m.yaml");
        assertThat(p.keyPath()).isEqualTo("label");
        assertThat(p.problem()).contains("'label' is not binary", "other values than 0 and 1 (e.g. 2)",
                "gbt_classifier is a classifier");
        assertThat(p.fix()).contains("0/1 or false/true", "gbt_regressor");
    }

    @Test
    void aLabelNullEverywhereIsBadInput() {
        ConfigProblem p = badInput(TrainingData.spec(Algorithm.LOGISTIC_REGRESSION, Map.of()),
                TrainingData.frame(1).withColumn("label", lit(null).cast("int")));

        assertThat(p.keyPath()).isEqualTo("label");
        assertThat(p.problem()).isEqualTo("'label' is null in every row of the training set (600 rows)");
    }

    @Test
    void anEmptyWindowNamesItsDates() {
        ModelDef spec = TrainingData.spec(Algorithm.LOGISTIC_REGRESSION, Map.of());
        ModelDef longTest = withWindows(spec, TrainingData.days(70), Optional.empty());

        ConfigProblem p = badInput(longTest, TrainingData.frame(1));

        assertThat(p.keyPath()).isEqualTo("test_window");
        assertThat(p.problem()).isEqualTo("the training window (event time at or before 2025-12-21T09:00:00Z) is empty:"
                + " the training set's event times run from 2026-01-01T00:00:00Z to 2026-03-01T09:00:00Z");
        assertThat(p.fix()).contains("shorten test_window (70d)");

        // Days 38 to 45 removed: the validation window (7 days before the last 14) has nothing.
        Dataset<Row> gap = TrainingData.frame(1).filter(col("ts").leq(lit(Timestamp.from(Instant.parse("2026-02-08T09:00:00Z"))))
                .or(col("ts").gt(lit(Timestamp.from(Instant.parse("2026-02-15T09:00:00Z"))))));
        ConfigProblem v = badInput(spec, gap);
        assertThat(v.keyPath()).isEqualTo("validation_window");
        assertThat(v.problem()).startsWith("the validation window (2026-02-08T09:00:00Z, 2026-02-15T09:00:00Z] is empty");
    }

    @Test
    void unknownParamsAndWrongTypesAreReportedTogetherBeforeAnySparkJob() {
        ModelDef spec = TrainingData.spec(Algorithm.GBT_CLASSIFIER, Map.of("maxDept", "5", "maxIter", "ten",
                "stepSize", "fast", "maxBins", "1", "max_depth", "4", "featuresCol", "x"));

        InvalidConfigException e = invalid(() -> Trainer.validate(spec));

        assertThat(e.problems()).extracting(ConfigProblem::keyPath).containsExactly("algorithm.params.featuresCol",
                "algorithm.params.maxBins", "algorithm.params.maxDept", "algorithm.params.maxIter",
                "algorithm.params.stepSize");
        assertThat(e.problems()).allSatisfy(p -> assertThat(p.file()).isEqualTo("models/m.yaml"));
        ConfigProblem unknown = e.problems().get(2);
        assertThat(unknown.problem()).isEqualTo("'maxDept' is not a param of GBTClassifier (gbt_classifier)"
                + " (did you mean 'maxDepth'?)");
        assertThat(unknown.fix()).startsWith("use one of its params: ").contains("maxDepth (int)", "stepSize (double)",
                "lossType (string)", "cacheNodeIds (boolean)").doesNotContain("featuresCol", "seed");
        assertThat(e.problems().get(3).problem()).isEqualTo("'ten' is not a whole number, the type of GBTClassifier.maxIter");
        assertThat(e.problems().get(4).problem()).isEqualTo("'fast' is not a number, the type of GBTClassifier.stepSize");
        assertThat(e.problems().get(1).problem()).as("Spark's own validator: maxBins >= 2")
                .isEqualTo("'1' is not a valid maxBins for GBTClassifier");
        assertThat(e.problems().get(0).problem()).isEqualTo("'featuresCol' is set by Ingot");

        InvalidConfigException viaTrain = invalid(() -> TRAINER.train(spec, TrainingData.frame(1)));
        assertThat(viaTrain.problems()).isEqualTo(e.problems());
    }

    // ---- helpers ----

    private interface Call {
        void run();
    }

    private static InvalidConfigException invalid(Call call) {
        try {
            call.run();
        } catch (InvalidConfigException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            return e;
        }
        throw new AssertionError("expected bad input");
    }

    private static ConfigProblem badInput(ModelDef spec, Dataset<Row> data) {
        InvalidConfigException e = invalid(() -> TRAINER.train(spec, data));
        assertThat(e.problems()).as(e.getMessage()).hasSize(1);
        assertThat(e.getMessage()).startsWith("Cannot train model m on its training set: 1 problem");
        return e.problems().get(0);
    }

    static ModelDef withWindows(ModelDef s, TimeSpan test, Optional<TimeSpan> validation) {
        return new ModelDef(s.name(), s.description(), s.spine(), s.timestamp(), s.label(), s.features(), s.algorithm(),
                s.params(), test, validation, s.seed(), s.metrics(), s.precisionAtK(), s.nulls(), s.fairness(), s.gate());
    }
}
