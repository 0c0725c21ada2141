package dev.ingot.scoring;

import static dev.ingot.scoring.Parity.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.ml.NumericFeatures;
import dev.ingot.scoring.internal.onnx.OnnxGraph;
import dev.ingot.scoring.internal.onnx.PipelineGraph;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LinearSVC;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/**
 * Parity of converted pipelines: ONNX Runtime's outputs against Spark's {@code transform} on held-out random data with
 * nulls, NaN and unseen categories. Probabilities and predictions within 1e-9 (the converter computes in doubles with
 * Spark's formulas; only the order of a dot product's sums differs), labels identical.
 */
class OnnxConverterTest {
    private static final double TOLERANCE = 1e-9;

    private static NumericFeatures numeric(boolean indicators) {
        return new NumericFeatures().setInputCols(new String[] {"amount", "visits", "vip"})
                .setOutputCols(new String[] {"n_amount", "n_visits", "n_vip"})
                .setIndicatorInputCols(indicators ? new String[] {"amount", "visits"} : new String[0])
                .setIndicatorOutputCols(indicators ? new String[] {"amount__is_null", "visits__is_null"} : new String[0]);
    }

    private static Imputer imputer(String strategy) {
        return new Imputer().setInputCols(new String[] {"n_amount", "n_visits", "n_vip"})
                .setOutputCols(new String[] {"i_amount", "i_visits", "i_vip"}).setStrategy(strategy);
    }

    private static StringIndexer indexer(String handleInvalid) {
        return new StringIndexer().setInputCols(new String[] {"city", "channel"})
                .setOutputCols(new String[] {"idx_city", "idx_channel"}).setHandleInvalid(handleInvalid)
                .setStringOrderType("frequencyDesc");
    }

    private static OneHotEncoder oneHot() {
        return new OneHotEncoder().setInputCols(new String[] {"idx_city", "idx_channel"})
                .setOutputCols(new String[] {"ohe_city", "ohe_channel"});
    }

    private static PipelineModel fit(long seed, PipelineStage... stages) {
        return new Pipeline().setStages(stages).fit(data(seed, 2000, false));
    }

    /** Spark's and ONNX Runtime's outputs on held-out rows; returns the largest difference of the scores. */
    private static double assertParity(PipelineModel model, long seed, boolean classifier, Dataset<Row> heldOut)
            throws Exception {
        OnnxModel onnx = OnnxConverter.create().convert(model, Parity.SCHEMA);
        List<Row> rows = model.transform(heldOut).collectAsList();
        Map<String, Object> out = Parity.run(onnx, rows);
        double max = 0;
        if (classifier) {
            assertThat(onnx.outputs()).extracting(ModelOutput::name).containsExactly(OnnxConverter.LABEL, OnnxConverter.PROBABILITY);
            long[] labels = (long[]) out.get(OnnxConverter.LABEL);
            double[][] probability = (double[][]) out.get(OnnxConverter.PROBABILITY);
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                double[] p = ((Vector) r.getAs("probability")).toArray();
                assertThat(labels[i]).as("seed " + seed + ", row " + i + " label").isEqualTo((long) r.<Double>getAs("prediction").doubleValue());
                assertThat(probability[i]).as("seed " + seed + ", row " + i).hasSize(p.length);
                for (int c = 0; c < p.length; c++) {
                    max = Math.max(max, Math.abs(p[c] - probability[i][c]));
                }
            }
        } else {
            assertThat(onnx.outputs()).extracting(ModelOutput::name).containsExactly(OnnxConverter.PREDICTION);
            double[] prediction = (double[]) out.get(OnnxConverter.PREDICTION);
            for (int i = 0; i < rows.size(); i++) {
                max = Math.max(max, Math.abs(rows.get(i).<Double>getAs("prediction") - prediction[i]));
            }
        }
        System.out.printf("parity %s: %d rows, max abs difference %.3e%n", model.stages()[model.stages().length - 1]
                .getClass().getSimpleName(), rows.size(), max);
        assertThat(max).as("seed " + seed + ": max abs difference").isLessThanOrEqualTo(TOLERANCE);
        return max;
    }

    @Test
    void binaryLogisticRegressionOnIngotsTrainingPipelineMatchesSparkWithNullsNaNAndUnseenCities() throws Exception {
        long seed = new Random().nextLong();
        PipelineModel model = fit(seed, numeric(true), imputer("mean"), indexer("keep"), oneHot(),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "i_vip", "amount__is_null",
                        "visits__is_null", "ohe_city", "ohe_channel"}).setOutputCol("assembled"),
                new StandardScaler().setInputCol("assembled").setOutputCol("features").setWithMean(false).setWithStd(true),
                new LogisticRegression().setLabelCol("y_bin").setRegParam(0.01));

        assertParity(model, seed, true, data(seed + 1, 3000, true));
    }

    @Test
    void theScorerFeedsANullStringAsTheConvertersNullSoItGetsSparksIndexEvenWhenTheEmptyStringIsACategory()
            throws Exception {
        long seed = new Random().nextLong();
        // "" is a real (and frequent) city here: a null fed as "" would take its index instead of the null's.
        java.util.function.UnaryOperator<Dataset<Row>> emptyCity = d -> d
                .withColumn("city", functions.when(functions.col("city").equalTo("lyon"), functions.lit(""))
                        .otherwise(functions.col("city")))
                .withColumn("visits", functions.col("visits").cast("double"))
                .withColumn("vip", functions.col("vip").cast("double"));
        // (Spark's OneHotEncoder refuses "" as a category name: trees on the indexes are where it can happen.)
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {numeric(true), imputer("mean"),
                indexer("keep"),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "i_vip", "amount__is_null",
                        "visits__is_null", "idx_city", "idx_channel"}).setOutputCol("features"),
                new DecisionTreeClassifier().setLabelCol("y_bin").setMaxDepth(6).setSeed(seed)})
                .fit(emptyCity.apply(data(seed, 2000, false)));
        Dataset<Row> heldOut = emptyCity.apply(data(seed + 1, 1500, false));
        OnnxModel onnx = OnnxConverter.create().convert(model, heldOut.schema());

        List<Row> spark = model.transform(heldOut).orderBy("id").collectAsList();
        List<Row> scored = Scorer.of(onnx).withBatchSize(97).score(heldOut).orderBy("id").collectAsList();

        assertThat(scored).hasSameSizeAs(spark);
        long nullCities = spark.stream().filter(r -> r.isNullAt(r.fieldIndex("city"))).count();
        assertThat(nullCities).as("seed " + seed + ": the held-out rows have null cities").isGreaterThan(10);
        double max = 0;
        for (int i = 0; i < spark.size(); i++) {
            double[] p = ((Vector) spark.get(i).getAs("probability")).toArray();
            assertThat(scored.get(i).<Long>getAs(Scorer.LABEL)).as("seed " + seed + ", row " + i)
                    .isEqualTo((long) spark.get(i).<Double>getAs("prediction").doubleValue());
            max = Math.max(max, Math.abs(p[1] - scored.get(i).<Double>getAs(Scorer.PROBABILITY)));
        }
        assertThat(max).as("seed " + seed + ": max abs difference").isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void multinomialLogisticRegressionWithBucketsMinMaxAndCenteredScalingMatchesSpark() throws Exception {
        long seed = new Random().nextLong();
        PipelineModel model = fit(seed, numeric(false), imputer("median"), indexer("keep"),
                new Bucketizer().setInputCol("ratio").setOutputCol("b_ratio")
                        .setSplits(new double[] {Double.NEGATIVE_INFINITY, 2, 4.5, 7, Double.POSITIVE_INFINITY}),
                new OneHotEncoder().setInputCols(new String[] {"idx_city", "b_ratio"})
                        .setOutputCols(new String[] {"ohe_city", "ohe_ratio"}).setDropLast(false).setHandleInvalid("keep"),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "ohe_city", "ohe_ratio"})
                        .setOutputCol("a1"),
                new MinMaxScaler().setInputCol("a1").setOutputCol("a2").setMin(-1).setMax(2),
                new StandardScaler().setInputCol("a2").setOutputCol("features").setWithMean(true).setWithStd(true),
                new LogisticRegression().setLabelCol("y_multi").setFamily("multinomial").setRegParam(0.001));

        assertParity(model, seed, true, data(seed + 1, 3000, true));
    }

    @Test
    void aTwoClassMultinomialLogisticRegressionMatchesSpark() throws Exception {
        long seed = new Random().nextLong();
        PipelineModel model = fit(seed, numeric(true), imputer("mean"),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "amount__is_null", "ratio"})
                        .setOutputCol("features"),
                new LogisticRegression().setLabelCol("y_bin").setFamily("multinomial"));

        assertParity(model, seed, true, data(seed + 1, 2000, true));
    }

    @Test
    void linearRegressionWithImputedIntegersBucketsAndMinMaxMatchesSpark() throws Exception {
        long seed = new Random().nextLong();
        // The imputer on the integer column itself: Spark casts the mean back to an integer.
        PipelineModel model = fit(seed,
                new Imputer().setInputCols(new String[] {"visits", "amount"}).setOutputCols(new String[] {"iv", "ia"}),
                new Bucketizer().setInputCols(new String[] {"ratio", "iv"}).setOutputCols(new String[] {"br", "bv"})
                        .setSplitsArray(new double[][] {{0, 1, 2.5, 5, 10}, {Double.NEGATIVE_INFINITY, 5, 20,
                                Double.POSITIVE_INFINITY}}),
                new OneHotEncoder().setInputCols(new String[] {"br", "bv"}).setOutputCols(new String[] {"obr", "obv"}),
                new VectorAssembler().setInputCols(new String[] {"iv", "ia", "ratio", "vip", "obr", "obv"})
                        .setOutputCol("a"),
                new MinMaxScaler().setInputCol("a").setOutputCol("features"),
                new LinearRegression().setLabelCol("y_reg").setRegParam(0.01));

        assertParity(model, seed, false, data(seed + 1, 3000, true));
        OnnxModel onnx = OnnxConverter.create().convert(model, Parity.SCHEMA);
        assertThat(onnx.inputs()).extracting(ModelInput::name).containsExactly("visits", "amount", "ratio", "vip");
        assertThat(onnx.inputs()).extracting(in -> in.type().orElseThrow()).containsOnly(ElementType.DOUBLE);
        assertThat(onnx.inputs()).extracting(ModelInput::shape).containsOnly(List.of(-1L, 1L));
    }

    @Test
    void gbtOnIngotsTrainingPipelineWithIndexedCategoriesMatchesSpark() throws Exception {
        long seed = new Random().nextLong();
        // The indexes go into the vector as they are: the trees split on them as categories (their ML attributes).
        PipelineModel model = fit(seed, numeric(true), imputer("mean"), indexer("keep"),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "i_vip", "amount__is_null",
                        "idx_city", "idx_channel", "ratio"}).setOutputCol("features"),
                new GBTClassifier().setLabelCol("y_bin").setMaxIter(15).setMaxDepth(4).setSeed(seed));

        assertParity(model, seed, true, data(seed + 1, 3000, true));
    }

    @Test
    void treesAfterOneHotAndBucketsMatchSpark() throws Exception {
        long seed = new Random().nextLong();
        PipelineModel forest = fit(seed, numeric(false), imputer("median"), indexer("keep"), oneHot(),
                new Bucketizer().setInputCol("ratio").setOutputCol("b_ratio").setSplits(new double[] {0, 3, 6, 10}),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "ohe_city", "ohe_channel",
                        "b_ratio"}).setOutputCol("features"),
                new RandomForestRegressor().setLabelCol("y_reg").setNumTrees(20).setMaxDepth(5).setSeed(seed));
        assertParity(forest, seed, false, data(seed + 1, 3000, true));

        PipelineModel tree = fit(seed, numeric(false), imputer("mean"), indexer("keep"), oneHot(),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "i_visits", "ohe_city", "ratio"})
                        .setOutputCol("features"),
                new DecisionTreeClassifier().setLabelCol("y_multi").setMaxDepth(6));
        assertParity(tree, seed, true, data(seed + 1, 3000, true));
    }

    @Test
    void everyStagesColumnMatchesSparksWithNaNKeptBucketsAndScaledNaN() throws Exception {
        long seed = new Random().nextLong();
        // Null amounts left out: Spark's Bucketizer passes null through where the graph (null is NaN) buckets it.
        Dataset<Row> train = data(seed, 2000, false).filter("amount IS NOT NULL");
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {numeric(true), imputer("mean"),
                indexer("keep"), oneHot(),
                new Bucketizer().setInputCol("amount").setOutputCol("b_amount").setHandleInvalid("keep")
                        .setSplits(new double[] {Double.NEGATIVE_INFINITY, 10, 30, 100, Double.POSITIVE_INFINITY}),
                new VectorAssembler().setInputCols(new String[] {"amount", "i_visits", "b_amount", "ohe_city"})
                        .setOutputCol("a1").setHandleInvalid("keep"),
                new StandardScaler().setInputCol("a1").setOutputCol("a2").setWithMean(true).setWithStd(true),
                new MinMaxScaler().setInputCol("a2").setOutputCol("a3")}).fit(train);
        List<String> columns = List.of("n_amount", "amount__is_null", "visits__is_null", "i_amount", "i_visits",
                "i_vip", "idx_city", "idx_channel", "ohe_city", "ohe_channel", "b_amount", "a1", "a2", "a3");

        OnnxGraph g = new OnnxGraph("stages");
        PipelineGraph stages = new PipelineGraph(g, Parity.SCHEMA);
        for (int i = 0; i < model.stages().length; i++) {
            stages.add(model.stages()[i], i, List.of());
        }
        for (String c : columns) {
            PipelineGraph.Column col = stages.column(c, "the test");
            g.output(col.value(), c, OnnxGraph.DOUBLE, -1, col.width());
        }
        OnnxModel onnx = OnnxModel.load(g.toModel(Map.of()), "the stages' graph");
        List<Row> rows = model.transform(data(seed + 1, 2000, true).filter("amount IS NOT NULL")).collectAsList();
        Map<String, Object> out = Parity.run(onnx, rows);

        double max = 0;
        for (String c : columns) {
            double[][] got = (double[][]) out.get(c);
            for (int i = 0; i < rows.size(); i++) {
                Object v = rows.get(i).getAs(c);
                double[] want = v instanceof Vector vec ? vec.toArray() : new double[] {((Number) v).doubleValue()};
                assertThat(got[i]).as("seed " + seed + ", row " + i + ", column " + c).hasSize(want.length);
                for (int j = 0; j < want.length; j++) {
                    assertThat(Double.isNaN(got[i][j])).as("seed " + seed + ", row " + i + ", " + c + "[" + j + "] NaN")
                            .isEqualTo(Double.isNaN(want[j]));
                    if (!Double.isNaN(want[j])) {
                        max = Math.max(max, Math.abs(want[j] - got[i][j]));
                    }
                }
            }
        }
        System.out.printf("parity of every stage's columns: %d rows, max abs difference %.3e%n", rows.size(), max);
        assertThat(max).as("seed " + seed).isLessThanOrEqualTo(1e-12);
        assertThat(rows.stream().filter(r -> Double.isNaN(r.<Double>getAs("amount"))).count()).as("NaN amounts")
                .isPositive();
    }

    @Test
    void metadataNamesFeaturesRunAndTrainingSetAndTheDigestIsTheBytes() throws Exception {
        PipelineModel model = fit(3, numeric(false), imputer("mean"), indexer("keep"), oneHot(),
                new VectorAssembler().setInputCols(new String[] {"i_amount", "ohe_city", "ohe_channel"})
                        .setOutputCol("features"),
                new LogisticRegression().setLabelCol("y_bin"));

        OnnxModel onnx = OnnxConverter.create().withRunId("run-1").withTrainingSet("ml.fraud_training_set", 7)
                .convert(model, Parity.SCHEMA);

        // The indexer of all three numbers runs, but only amount reaches the model; the labels are no inputs.
        assertThat(onnx.inputs()).extracting(ModelInput::name).containsExactly("amount", "city", "channel");
        assertThat(onnx.inputs().get(1).type()).contains(ElementType.STRING);
        assertThat(onnx.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(onnx.bytes())));
        try (var s = Parity.ENV.createSession(onnx.bytes(), new ai.onnxruntime.OrtSession.SessionOptions())) {
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertThat(new ObjectMapper().readValue(meta.get(OnnxConverter.FEATURES), List.class))
                    .isEqualTo(List.of("amount", "city", "channel"));
            assertThat(meta).containsEntry(OnnxConverter.RUN_ID, "run-1")
                    .containsEntry(OnnxConverter.TRAINING_SET, "ml.fraud_training_set")
                    .containsEntry(OnnxConverter.TRAINING_SET_VERSION, "7");
            assertThat(s.getInputNames()).containsExactly("amount", "city", "channel");
            assertThat(s.getOutputNames()).containsExactly(OnnxConverter.LABEL, OnnxConverter.PROBABILITY);
        }
        assertThat(OnnxConverter.create().convert(model, Parity.SCHEMA).sha256()).as("deterministic")
                .isEqualTo(OnnxConverter.create().convert(model, Parity.SCHEMA).sha256())
                .isNotEqualTo(onnx.sha256());
    }

    @Test
    void underHandleInvalidErrorAnUnseenCityScoresNaNWhereSparkWouldFail() throws Exception {
        long seed = new Random().nextLong();
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {numeric(false), imputer("mean"),
                indexer("error"), oneHot(), new VectorAssembler().setInputCols(new String[] {"i_amount", "ohe_city",
                "ohe_channel"}).setOutputCol("features"), new LogisticRegression().setLabelCol("y_bin")})
                .fit(data(seed, 2000, false).filter("city IS NOT NULL"));
        // Rows Spark accepts: no null and no unseen city.
        Dataset<Row> seen = data(seed + 1, 2000, false).filter("city IS NOT NULL");
        assertParity(model, seed, true, seen);

        OnnxModel onnx = OnnxConverter.create().convert(model, Parity.SCHEMA);
        List<Row> rows = data(seed + 2, 500, true).collectAsList();
        double[][] p = (double[][]) Parity.run(onnx, rows).get(OnnxConverter.PROBABILITY);
        for (int i = 0; i < rows.size(); i++) {
            String city = rows.get(i).getAs("city");
            boolean refused = city == null || city.startsWith("unseen");
            assertThat(Double.isNaN(p[i][1])).as("seed " + seed + ", row " + i + " city " + city).isEqualTo(refused);
        }
    }

    @Test
    void anUnsupportedStageFailsWithExit2NamingItAndTheSupportedStages() {
        PipelineModel sql = fit(1, new SQLTransformer().setStatement("SELECT *, amount * 2 AS a2 FROM __THIS__"),
                new VectorAssembler().setInputCols(new String[] {"ratio"}).setOutputCol("features"),
                new LinearRegression().setLabelCol("y_reg"));
        assertThatThrownBy(() -> OnnxConverter.create().convert(sql, Parity.SCHEMA))
                .isInstanceOfSatisfying(IngotException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("stage 0 (SQLTransformer")
                .hasMessageContaining("is not supported")
                .hasMessageContaining("Imputer, StringIndexer, OneHotEncoder, Bucketizer, VectorAssembler, StandardScaler, "
                        + "MinMaxScaler")
                .hasMessageContaining("LogisticRegression, LinearRegression");

        PipelineModel noModel = fit(1, new VectorAssembler().setInputCols(new String[] {"ratio"}).setOutputCol("f"));
        assertThatThrownBy(() -> OnnxConverter.create().convert(noModel, Parity.SCHEMA))
                .hasMessageContaining("ends with stage 0 (VectorAssembler").hasMessageContaining("not a model");

        PipelineModel lr = fit(1, new VectorAssembler().setInputCols(new String[] {"ratio"}).setOutputCol("features"),
                new LinearRegression().setLabelCol("y_reg"));
        assertThatThrownBy(() -> OnnxConverter.create().convert(lr, new org.apache.spark.sql.types.StructType()
                .add("amount", "double"))).isInstanceOf(IngotException.class)
                .hasMessageContaining("reads column 'ratio', which neither the training set nor an earlier stage has");

        PipelineModel svc = fit(1, new VectorAssembler().setInputCols(new String[] {"ratio"}).setOutputCol("features"),
                new LinearSVC().setLabelCol("y_bin"));
        assertThatThrownBy(() -> OnnxConverter.create().convert(svc, Parity.SCHEMA)).isInstanceOf(IngotException.class)
                .hasMessageContaining("its model, stage 1 (LinearSVCModel").hasMessageContaining("is not supported")
                .hasMessageContaining("GBTClassifier, GBTRegressor");
    }
}
