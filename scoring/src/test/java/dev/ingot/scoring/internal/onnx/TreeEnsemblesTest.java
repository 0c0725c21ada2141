package dev.ingot.scoring.internal.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ingot.core.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.attribute.NumericAttribute;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.DecisionTreeRegressor;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.DecisionTreeModel;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.Node;
import org.apache.spark.ml.tree.TreeEnsembleModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity of the converted tree models with Spark's {@code transform}: each case trains a model on seeded random data
 * with continuous and categorical features (declared through ML attribute metadata, as StringIndexer and VectorIndexer
 * declare them), then scores held-out rows, rows sitting exactly on the model's thresholds (and one ulp above), and
 * rows Spark's trees never see in an Ingot pipeline (NaN, infinities, category indices out of range), in both Spark and
 * ONNX Runtime. A case's seed is in every failure message; {@code -Dingot.test.seed=S} replays a run.
 */
class TreeEnsemblesTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private static final SparkSession SPARK = TestSpark.session();
    private static final long BASE_SEED = Long.getLong("ingot.test.seed", System.nanoTime());
    /** Doubles throughout: what is left is the order of additions (the bar is 1e-5). */
    private static final double TOLERANCE = 1e-9;
    /** A tie in Spark's own output: the order of additions may break it either way. */
    private static final double TIE = 1e-12;

    // f0..f3 continuous; f4, f5, f6 categorical with 3, 6 and 40 categories (40 > 30: ONNX Runtime's big-set path)
    private static final int[] CATEGORIES = {0, 0, 0, 0, 3, 6, 40};
    private static final int F = CATEGORIES.length;
    private static final int MAX_BINS = 48;

    enum Kind { DT_CLASSIFIER, RF_CLASSIFIER, GBT_CLASSIFIER, DT_REGRESSOR, RF_REGRESSOR, GBT_REGRESSOR }

    static Stream<Arguments> cases() {
        return Stream.of(
                // kind, classes, trees, depth
                Arguments.of(Kind.DT_CLASSIFIER, 2, 1, 0),
                Arguments.of(Kind.DT_CLASSIFIER, 2, 1, 3),
                Arguments.of(Kind.DT_CLASSIFIER, 3, 1, 1),
                Arguments.of(Kind.DT_CLASSIFIER, 3, 1, 6),
                Arguments.of(Kind.RF_CLASSIFIER, 2, 1, 1),
                Arguments.of(Kind.RF_CLASSIFIER, 3, 7, 4),
                Arguments.of(Kind.RF_CLASSIFIER, 2, 50, 6),
                Arguments.of(Kind.RF_CLASSIFIER, 3, 30, 6),
                Arguments.of(Kind.GBT_CLASSIFIER, 2, 1, 1),
                Arguments.of(Kind.GBT_CLASSIFIER, 2, 10, 3),
                Arguments.of(Kind.GBT_CLASSIFIER, 2, 20, 5),
                Arguments.of(Kind.DT_REGRESSOR, 0, 1, 0),
                Arguments.of(Kind.DT_REGRESSOR, 0, 1, 1),
                Arguments.of(Kind.DT_REGRESSOR, 0, 1, 6),
                Arguments.of(Kind.RF_REGRESSOR, 0, 1, 2),
                Arguments.of(Kind.RF_REGRESSOR, 0, 20, 5),
                Arguments.of(Kind.RF_REGRESSOR, 0, 50, 6),
                Arguments.of(Kind.GBT_REGRESSOR, 0, 1, 2),
                Arguments.of(Kind.GBT_REGRESSOR, 0, 15, 4),
                Arguments.of(Kind.GBT_REGRESSOR, 0, 20, 6));
    }

    @ParameterizedTest(name = "{0} classes={1} trees={2} depth={3}")
    @MethodSource("cases")
    void onnxRuntimeScoresAsSparkTransform(Kind kind, int classes, int trees, int depth) throws Exception {
        long seed = BASE_SEED + 1_000_003L * kind.ordinal() + 10_007L * trees + 101L * depth + classes;
        String what = kind + " classes=" + classes + " trees=" + trees + " depth=" + depth + " seed=" + seed;
        Dataset<Row> train = data(generate(new Random(seed), 500), kind, classes);
        Model<?> model = estimator(kind, classes, trees, depth, seed).fit(train);
        if (depth >= 4) {
            assertThat(splits(model, CategoricalSplit.class)).as("%s: the data makes categorical features worth a split",
                    what).isPositive();
        }
        Random r = new Random(~seed);
        List<double[]> rows = generate(r, 300);
        rows.addAll(onThresholds(model, rows, r));
        rows.addAll(unseen(rows.subList(0, 60), r));
        Parity p = compare(model, data(rows, kind, classes), what);
        System.out.printf("%s: %d rows, max |diff| %.3g, %d labels compared%n", what, rows.size(), p.maxDiff, p.labels);
    }

    @Test
    void categoricalSplitsTestTheSetSparkStoresSoUnseenCategoriesGoWhereSparkSendsThem() throws Exception {
        // Many deep trees on ordered (regression) and unordered (multiclass) categorical features: both sides stored.
        long seed = BASE_SEED + 7;
        Model<?> regressor = estimator(Kind.RF_REGRESSOR, 0, 30, 6, seed).fit(data(generate(new Random(seed), 500),
                Kind.RF_REGRESSOR, 0));
        Model<?> classifier = estimator(Kind.RF_CLASSIFIER, 3, 30, 6, seed).fit(data(generate(new Random(seed), 500),
                Kind.RF_CLASSIFIER, 3));
        for (Model<?> m : List.of(regressor, classifier)) {
            assertThat(categoricalSides(m)).as("seed=%d: splits storing the left set and the right set", seed)
                    .allMatch(n -> n > 0);
        }
        Random r = new Random(seed);
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            double[] x = generate(r, 1).get(0);
            x[4 + r.nextInt(3)] = new double[] {-1, 3, 6, 40, 41, 2.5, 0.5, Double.NaN}[r.nextInt(8)];
            rows.add(x);
        }
        compare(regressor, data(rows, Kind.RF_REGRESSOR, 0), "RF regressor, unseen categories, seed=" + seed);
        compare(classifier, data(rows, Kind.RF_CLASSIFIER, 3), "RF classifier, unseen categories, seed=" + seed);
    }

    @Test
    void withThresholdsTheLabelIsTheClassSparkPicks() throws Exception {
        long seed = BASE_SEED + 5;
        List<double[]> rows = generate(new Random(~seed), 300);
        ProbabilisticClassificationModel<?, ?> forest = (ProbabilisticClassificationModel<?, ?>)
                estimator(Kind.RF_CLASSIFIER, 3, 10, 4, seed).fit(data(generate(new Random(seed), 500),
                        Kind.RF_CLASSIFIER, 3));
        // A zero threshold: that class wins wherever its probability is positive; where it is 0, 0/0 must not win.
        for (double[] t : List.of(new double[] {0.2, 0.5, 0.3}, new double[] {0.5, 1.0, 0.0})) {
            forest.setThresholds(t);
            compare(forest, data(rows, Kind.RF_CLASSIFIER, 3), "RF thresholds " + Arrays.toString(t) + ", seed=" + seed);
        }
        ProbabilisticClassificationModel<?, ?> gbt = (ProbabilisticClassificationModel<?, ?>)
                estimator(Kind.GBT_CLASSIFIER, 2, 5, 3, seed).fit(data(generate(new Random(seed), 500),
                        Kind.GBT_CLASSIFIER, 2));
        gbt.setThresholds(new double[] {0.7, 0.3});
        compare(gbt, data(rows, Kind.GBT_CLASSIFIER, 2), "GBT thresholds [0.7, 0.3], seed=" + seed);
    }

    @Test
    void aSavedAndLoadedModelConvertsAsTheTrainedOne(@TempDir Path dir) throws Exception {
        // What train and score convert may be a model read back from storage: its leaves' class counts must survive.
        long seed = BASE_SEED + 13;
        RandomForestClassificationModel trained = (RandomForestClassificationModel)
                estimator(Kind.RF_CLASSIFIER, 3, 10, 5, seed).fit(data(generate(new Random(seed), 500),
                        Kind.RF_CLASSIFIER, 3));
        trained.write().save(dir.resolve("rf").toString());
        RandomForestClassificationModel loaded = RandomForestClassificationModel.load(dir.resolve("rf").toString());
        compare(loaded, data(generate(new Random(~seed), 300), Kind.RF_CLASSIFIER, 3), "loaded RF, seed=" + seed);
    }

    @Test
    void aStringIndexedColumnIsACategoricalFeatureOfTheTree() throws Exception {
        long seed = BASE_SEED + 11;
        Random r = new Random(seed);
        String[] colors = {"red", "green", "blue", "black", "white", "grey"};
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int c = r.nextInt(colors.length);
            double amount = Math.round(r.nextGaussian() * 50) / 2.0;
            boolean positive = (c == 1 || c == 3 || c == 5) ^ (amount > 10) ^ (r.nextDouble() < 0.1);
            rows.add(RowFactory.create((long) i, colors[c], amount, positive ? 1.0 : 0.0));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("color", DataTypes.StringType)
                .add("amount", DataTypes.DoubleType).add("label", DataTypes.DoubleType);
        Dataset<Row> df = SPARK.createDataFrame(rows, schema);
        PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {
                new StringIndexer().setInputCol("color").setOutputCol("color_index"),
                new VectorAssembler().setInputCols(new String[] {"color_index", "amount"}).setOutputCol("features"),
                new DecisionTreeClassifier().setMaxDepth(4).setSeed(seed)}).fit(df);
        DecisionTreeClassificationModel tree = (DecisionTreeClassificationModel) pipeline.stages()[2];
        assertThat(splits(tree, CategoricalSplit.class)).as("seed=%d: a split on the indexed colour", seed).isPositive();
        Dataset<Row> features = pipeline.transform(df).select("id", "features");
        compare(tree, features, "StringIndexer + DT classifier, seed=" + seed);
    }

    @Test
    void aRootWithALeafOnOneSideAndASplitOnTheOtherScoresAsSpark() throws Exception {
        // x0 <= 0 is all class 0 (a pure leaf at the root's left), x0 > 0 splits on x1: in the class-1 copy of the
        // tree the root's leaf and its split child had the same index, which ONNX Runtime 1.23 took for a leaf-only
        // tree (onnxruntime#24679): every row scored with that leaf. Found by the random cases above, once in CI.
        long seed = BASE_SEED + 17;
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            double x0 = r.nextDouble() * 2 - 1;
            double x1 = r.nextDouble() * 2 - 1;
            double label = x0 > 0 && (x1 > 0 ^ r.nextDouble() < 0.15) ? 1.0 : 0.0;
            rows.add(RowFactory.create((long) i, label, Vectors.dense(x0, x1)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("label", DataTypes.DoubleType)
                .add("features", new VectorUDT(), false);
        Dataset<Row> df = SPARK.createDataFrame(rows, schema);
        DecisionTreeClassificationModel tree = new DecisionTreeClassifier().setMaxDepth(2).setSeed(seed).fit(df);
        org.apache.spark.ml.tree.InternalNode root = (org.apache.spark.ml.tree.InternalNode) tree.rootNode();
        assertThat(root.leftChild()).as("seed=%d: a leaf left of the root\n%s", seed, tree.toDebugString())
                .isInstanceOf(org.apache.spark.ml.tree.LeafNode.class);
        assertThat(root.rightChild()).as("seed=%d: a split right of the root\n%s", seed, tree.toDebugString())
                .isInstanceOf(org.apache.spark.ml.tree.InternalNode.class);
        compare(tree, df, "root with a leaf and a split, seed=" + seed);
        // Two such trees in one ensemble: the second tree's root is where the indices met for a regressor.
        Dataset<Row> regression = df.withColumn("label", org.apache.spark.sql.functions.col("label").multiply(3));
        compare(new RandomForestRegressor().setNumTrees(3).setMaxDepth(2).setSubsamplingRate(1.0).setFeatureSubsetStrategy("all")
                .setSeed(seed).fit(regression), regression, "RF regressor of such trees, seed=" + seed);
    }

    @Test
    void anUnsupportedModelIsRefusedWithTheSupportedOnes() {
        Model<?> linear = new org.apache.spark.ml.regression.LinearRegressionModel("lr", Vectors.dense(1.0), 0.0);
        assertThat(TreeEnsembles.supports(linear)).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TreeEnsembles.add(new OnnxGraph("g"), "x", linear))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GBTRegressionModel");
    }

    // ---- Spark side ----

    private static Estimator<? extends Model<?>> estimator(Kind kind, int classes, int trees, int depth, long seed) {
        return switch (kind) {
            case DT_CLASSIFIER -> new DecisionTreeClassifier().setMaxDepth(depth).setMaxBins(MAX_BINS).setSeed(seed);
            case RF_CLASSIFIER -> new RandomForestClassifier().setNumTrees(trees).setMaxDepth(depth).setMaxBins(MAX_BINS)
                    .setSeed(seed);
            case GBT_CLASSIFIER -> new GBTClassifier().setMaxIter(trees).setMaxDepth(depth).setMaxBins(MAX_BINS)
                    .setSeed(seed);
            case DT_REGRESSOR -> new DecisionTreeRegressor().setMaxDepth(depth).setMaxBins(MAX_BINS).setSeed(seed);
            case RF_REGRESSOR -> new RandomForestRegressor().setNumTrees(trees).setMaxDepth(depth).setMaxBins(MAX_BINS)
                    .setSeed(seed);
            case GBT_REGRESSOR -> new GBTRegressor().setMaxIter(trees).setMaxDepth(depth).setMaxBins(MAX_BINS)
                    .setSeed(seed);
        };
    }

    /** Rows of features: continuous values with repeats, integers, wide ranges; categories as indices. */
    private static List<double[]> generate(Random r, int n) {
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new double[] {
                    Math.round(r.nextGaussian() * 30) / 10.0,
                    r.nextDouble() * 2 - 1,
                    r.nextInt(10),
                    r.nextGaussian() * 100,
                    r.nextInt(3), r.nextInt(6), r.nextInt(40)});
        }
        return rows;
    }

    /** A noisy score of the features, in which each categorical feature matters. */
    private static double score(double[] x, Random noise) {
        return x[0] + 2 * Math.sin(3 * x[1]) + 0.3 * x[2] + 0.01 * x[3]
                + (x[4] == 1 ? 1.5 : 0) - (x[5] == 2 || x[5] == 4 ? 2.5 : 0) + (((int) x[6]) % 7 < 3 ? 1.5 : -1.5)
                + noise.nextGaussian() * 0.5;
    }

    /** The rows with an id, a label from {@link #score} (classes > 0: that many classes), and the feature metadata. */
    private static Dataset<Row> data(List<double[]> rows, Kind kind, int classes) {
        Random noise = new Random(rows.size());
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            double[] x = rows.get(i);
            double s = Double.isFinite(Arrays.stream(x).sum()) ? score(x, noise) : 0.0;
            double label = classes == 0 ? s : classes == 2 ? (s > 1 ? 1 : 0) : (s < 0 ? 0 : s < 2.5 ? 1 : 2);
            out.add(RowFactory.create((long) i, label, Vectors.dense(x)));
        }
        Attribute[] attributes = new Attribute[F];
        for (int j = 0; j < F; j++) {
            attributes[j] = CATEGORIES[j] == 0 ? NumericAttribute.defaultAttr().withName("f" + j)
                    : NominalAttribute.defaultAttr().withName("f" + j).withNumValues(CATEGORIES[j]);
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("label", DataTypes.DoubleType)
                .add("features", new VectorUDT(), false, new AttributeGroup("features", attributes).toMetadata());
        return SPARK.createDataFrame(out, schema);
    }

    /** For each continuous threshold of the model (up to 200), a row exactly on it and one a ulp above. */
    private static List<double[]> onThresholds(Model<?> model, List<double[]> base, Random r) {
        List<double[]> thresholds = new ArrayList<>();
        forEachSplit(model, s -> {
            if (s instanceof ContinuousSplit c) {
                thresholds.add(new double[] {c.featureIndex(), c.threshold()});
            }
        });
        java.util.Collections.shuffle(thresholds, r);
        List<double[]> rows = new ArrayList<>();
        for (double[] t : thresholds.subList(0, Math.min(200, thresholds.size()))) {
            for (double v : new double[] {t[1], Math.nextUp(t[1])}) {
                double[] x = base.get(r.nextInt(base.size())).clone();
                x[(int) t[0]] = v;
                rows.add(x);
            }
        }
        return rows;
    }

    /** Copies of rows with one value Spark's trees never see after Ingot's imputer and indexers. */
    private static List<double[]> unseen(List<double[]> base, Random r) {
        List<double[]> rows = new ArrayList<>();
        for (double[] b : base) {
            double[] x = b.clone();
            int j = r.nextInt(F);
            double[] odd = CATEGORIES[j] == 0 ? new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}
                    : new double[] {Double.NaN, -1, CATEGORIES[j], CATEGORIES[j] + 5, 1.5};
            x[j] = odd[r.nextInt(odd.length)];
            rows.add(x);
        }
        return rows;
    }

    private static void forEachSplit(Model<?> model, Consumer<org.apache.spark.ml.tree.Split> action) {
        List<DecisionTreeModel> trees = model instanceof TreeEnsembleModel<?> e ? Arrays.asList(e.trees())
                : List.of((DecisionTreeModel) model);
        for (DecisionTreeModel t : trees) {
            walk(t.rootNode(), action);
        }
    }

    private static void walk(Node node, Consumer<org.apache.spark.ml.tree.Split> action) {
        if (node instanceof InternalNode n) {
            action.accept(n.split());
            walk(n.leftChild(), action);
            walk(n.rightChild(), action);
        }
    }

    private static long splits(Model<?> model, Class<?> kind) {
        long[] n = {0};
        forEachSplit(model, s -> n[0] += kind.isInstance(s) ? 1 : 0);
        return n[0];
    }

    /** How many categorical splits store (test membership in) the left set, and how many the right one. */
    private static List<Long> categoricalSides(Model<?> model) {
        long[] n = {0, 0};
        forEachSplit(model, s -> {
            if (s instanceof CategoricalSplit c) {
                n[c.leftCategories().length <= c.numCategories() / 2 ? 0 : 1]++;
            }
        });
        return List.of(n[0], n[1]);
    }

    // ---- the comparison ----

    private record Parity(double maxDiff, int labels) {}

    /**
     * Scores {@code data} (columns id, features) with Spark and with the converted model in ONNX Runtime, with one
     * intra-op thread (Ingot's scoring default: trees summed in Spark's order, so labels are identical) and with two
     * (partial sums per thread: values within the tolerance, labels identical but for Spark's own ties).
     */
    private static Parity compare(Model<?> model, Dataset<Row> data, String what) throws OrtException {
        boolean classifier = model instanceof org.apache.spark.ml.classification.ClassificationModel<?, ?>;
        Dataset<Row> scored = model.transform(data);
        List<Row> spark = new ArrayList<>((classifier ? scored.select("id", "features", "probability", "prediction")
                : scored.select("id", "features", "prediction")).collectAsList());
        spark.sort(Comparator.comparingLong(row -> row.getLong(0)));
        double[][] x = spark.stream().map(row -> ((Vector) row.get(1)).toArray()).toArray(double[][]::new);

        OnnxGraph g = new OnnxGraph("trees");
        String in = g.input("features", OnnxGraph.DOUBLE, -1, x[0].length);
        EstimatorOutputs out = TreeEnsembles.add(g, in, model);
        assertThat(out.label().isPresent()).as(what).isEqualTo(classifier);
        assertThat(out.probability().isPresent()).as(what).isEqualTo(classifier);
        assertThat(out.prediction().isPresent()).as(what).isEqualTo(!classifier);
        out.label().ifPresent(v -> g.output(v, "label", OnnxGraph.INT64, -1));
        out.probability().ifPresent(v -> g.output(v, "probability", OnnxGraph.DOUBLE, -1, -1));
        out.prediction().ifPresent(v -> g.output(v, "prediction", OnnxGraph.DOUBLE, -1));
        byte[] onnx = g.toModel(Map.of());

        double maxDiff = 0;
        int labels = 0;
        for (int threads : new int[] {1, 2}) {
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(threads);
                try (OrtSession session = ENV.createSession(onnx, options);
                     OnnxTensor tensor = OnnxTensor.createTensor(ENV, x);
                     OrtSession.Result result = session.run(Map.of("features", tensor))) {
                    for (int i = 0; i < x.length; i++) {
                        String row = what + ", threads=" + threads + ", row " + i + " " + Arrays.toString(x[i]);
                        if (classifier) {
                            double[] expected = ((Vector) spark.get(i).get(2)).toArray();
                            double[] actual = ((double[][]) result.get("probability").get().getValue())[i];
                            assertThat(actual).as(row).hasSize(expected.length);
                            for (int c = 0; c < expected.length; c++) {
                                maxDiff = Math.max(maxDiff, Math.abs(actual[c] - expected[c]));
                                assertThat(actual[c]).as(row + ", class " + c).isCloseTo(expected[c],
                                        org.assertj.core.data.Offset.offset(TOLERANCE));
                            }
                            long label = ((long[]) result.get("label").get().getValue())[i];
                            if (threads == 1 || !tied(expected)) {
                                assertThat(label).as(row + ", label").isEqualTo((long) spark.get(i).getDouble(3));
                                labels++;
                            }
                        } else {
                            double expected = spark.get(i).getDouble(2);
                            double actual = ((double[]) result.get("prediction").get().getValue())[i];
                            maxDiff = Math.max(maxDiff, Math.abs(actual - expected));
                            assertThat(actual).as(row).isCloseTo(expected, org.assertj.core.data.Offset.offset(TOLERANCE));
                        }
                    }
                }
            }
        }
        return new Parity(maxDiff, labels);
    }

    /** Whether Spark's two largest probabilities are equal up to the order of additions. */
    private static boolean tied(double[] p) {
        double[] s = p.clone();
        Arrays.sort(s);
        return s.length > 1 && s[s.length - 1] - s[s.length - 2] <= TIE;
    }
}
