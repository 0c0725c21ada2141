package dev.ingot.scoring.internal.onnx;

import static dev.ingot.scoring.internal.onnx.OnnxGraph.attr;
import static dev.ingot.scoring.internal.onnx.OnnxGraph.ints;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;
import org.apache.spark.ml.tree.Split;

/**
 * Converts Spark ML's tree models to one {@code ai.onnx.ml} opset-5 {@code TreeEnsemble} node on doubles plus a few
 * default-domain operators, with Spark's {@code transform} semantics:
 *
 * <ul>
 *   <li><b>Splits.</b> A continuous split sends {@code x <= threshold} left ({@code BRANCH_LEQ}, true = left); the
 *       comparison is in double, as Spark's, so a value equal to the threshold goes left. A categorical split
 *       ({@link CategoricalSplit}) becomes {@code BRANCH_MEMBER} over the same category set Spark tests: Spark keeps
 *       the left categories when there are at most {@code numCategories / 2} of them and tests {@code x ∈ left},
 *       otherwise it keeps the right ones and tests {@code x ∉ right}; the ONNX node tests membership in that same set
 *       and sends members to that set's side. A value that is no category index (out of range, not an integer, NaN,
 *       infinite) is a non-member for Spark, so it goes to the side opposite the stored set. ONNX Runtime casts a
 *       membership test's input to an integer (1.5 would test as category 1), so the graph first replaces, in the
 *       categorical columns only, every value that is not an integer in {@code [0, numCategories)} by -1, a
 *       non-member of every set, and the ensemble reads those columns.</li>
 *   <li><b>NaN.</b> Spark's trees never see NaN in an Ingot pipeline (the imputer runs first), but if they did,
 *       {@code NaN <= t} and {@code NaN ∈ set} are false in Spark: right for a continuous split, the side opposite
 *       the stored category set for a categorical one. {@code nodes_missing_value_tracks_true} is 0 on every node, so
 *       ONNX Runtime takes the false branch for NaN too, which is the same side: ONNX and Spark agree on NaN.</li>
 *   <li><b>Decision tree classifier.</b> {@code probability} = the leaf's class counts (Spark's impurity stats)
 *       divided by their sum; {@code label} = the first class of maximal count.</li>
 *   <li><b>Random forest classifier.</b> Spark's raw prediction is the sum over trees of each tree's leaf class counts
 *       normalized to sum 1 (a leaf whose counts sum to 0 adds nothing); {@code probability} = that sum divided by its
 *       own sum; {@code label} = the first maximal class of the sum.</li>
 *   <li><b>GBT classifier</b> (binary only, as Spark's): margin {@code m} = Σ treeWeight × leaf prediction;
 *       {@code probability} = [p0, 1 − p0] with p0 = 1 / (1 + exp(2m)) (Spark's log loss, the factor 2 included);
 *       {@code label} = 1 when {@code m > 0}, else 0.</li>
 *   <li><b>Regressors.</b> Decision tree: the leaf prediction. Random forest: the sum of the trees' leaf predictions
 *       divided by the number of trees. GBT: Σ treeWeight × leaf prediction.</li>
 *   <li><b>Thresholds.</b> A classifier with Spark's {@code thresholds} set predicts the first class maximizing
 *       {@code probability / threshold} (a class with probability 0 and threshold 0 never wins), as Spark does.</li>
 * </ul>
 *
 * <p>A leaf of {@code TreeEnsemble} holds one weight for one target, so a classifier with C classes is written as C
 * copies of each tree, copy c carrying class c's weights. A tree that is a single leaf becomes one split whose two
 * branches are equal leaves (the operator has no leaf-only tree).
 *
 * <p>Results are doubles throughout: leaf weights and thresholds are kept as Spark holds them. What can differ from
 * Spark is only the order in which ONNX Runtime adds the trees' values: with one intra-op thread it adds them in tree
 * order as Spark does; with more it may add partial sums per thread, a difference of a few ulps (measured: below
 * 1e-14), which can only change a label where Spark's own top two classes tie exactly.
 */
public final class TreeEnsembles {
    /** The simple names of the Spark ML model classes {@link #add} converts. */
    public static final List<String> SUPPORTED = List.of(
            "DecisionTreeClassificationModel", "DecisionTreeRegressionModel",
            "RandomForestClassificationModel", "RandomForestRegressionModel",
            "GBTClassificationModel", "GBTRegressionModel");

    // opset-5 TreeEnsemble enums
    private static final int BRANCH_LEQ = 0;
    private static final int BRANCH_MEMBER = 6;
    private static final long AGGREGATE_AVERAGE = 0;
    private static final long AGGREGATE_SUM = 1;

    private TreeEnsembles() {}

    /** Whether {@link #add} converts {@code model}. */
    public static boolean supports(Model<?> model) {
        return model instanceof DecisionTreeClassificationModel || model instanceof DecisionTreeRegressionModel
                || model instanceof RandomForestClassificationModel || model instanceof RandomForestRegressionModel
                || model instanceof GBTClassificationModel || model instanceof GBTRegressionModel;
    }

    /**
     * Adds {@code model}'s prediction to {@code g}: a classifier yields {@code label} and {@code probability}, a
     * regressor {@code prediction}.
     *
     * @param features the value name of a double tensor {@code [N, F]}: the model's feature vector, F at least its
     *                 {@code numFeatures}
     * @throws IllegalArgumentException when {@link #supports} is false for {@code model} (callers check first, to
     *                                  report every unsupported stage of a pipeline at once)
     */
    public static EstimatorOutputs add(OnnxGraph g, String features, Model<?> model) {
        if (model instanceof DecisionTreeClassificationModel m) {
            return forestClassifier(g, features, m, List.of(m), false);
        }
        if (model instanceof RandomForestClassificationModel m) {
            return forestClassifier(g, features, m, Arrays.asList(m.trees()), true);
        }
        if (model instanceof GBTClassificationModel m) {
            return gbtClassifier(g, features, m);
        }
        if (model instanceof DecisionTreeRegressionModel m) {
            return regressor(g, features, List.of(m.rootNode()), new double[] {1.0}, AGGREGATE_SUM);
        }
        if (model instanceof RandomForestRegressionModel m) {
            List<Node> roots = Arrays.stream(m.trees()).map(DecisionTreeRegressionModel::rootNode).toList();
            double[] ones = new double[roots.size()];
            Arrays.fill(ones, 1.0);
            // ONNX Runtime's AVERAGE divides the sum by the number of trees, as Spark's RandomForestRegressionModel does.
            return regressor(g, features, roots, ones, AGGREGATE_AVERAGE);
        }
        if (model instanceof GBTRegressionModel m) {
            List<Node> roots = Arrays.stream(m.trees()).map(DecisionTreeRegressionModel::rootNode).toList();
            return regressor(g, features, roots, m.treeWeights(), AGGREGATE_SUM);
        }
        throw new IllegalArgumentException(model.getClass().getName() + " is not a tree model TreeEnsembles converts; "
                + "supported: " + String.join(", ", SUPPORTED));
    }

    private static EstimatorOutputs forestClassifier(OnnxGraph g, String features,
                                                     ProbabilisticClassificationModel<?, ?> model,
                                                     List<DecisionTreeClassificationModel> trees, boolean normalizeTrees) {
        int classes = model.numClasses();
        Ensemble e = new Ensemble(trees.stream().map(DecisionTreeClassificationModel::rootNode).toList());
        for (DecisionTreeClassificationModel tree : trees) {
            for (int c = 0; c < classes; c++) {
                int target = c;
                e.addTree(tree.rootNode(), target, leaf -> classWeight(leaf, target, normalizeTrees));
            }
        }
        String raw = e.emit(g, features, classes, AGGREGATE_SUM);
        String sum = g.node("ReduceSum", List.of(raw, g.constant("axes", new long[] {1})), List.of(attr("keepdims", 1L)));
        String probability = g.node("Div", raw, sum);
        // Spark predicts argmax(raw) without thresholds: the same class as argmax(probability), computed as Spark does.
        String label = thresholds(model).map(t -> thresholdLabel(g, probability, t)).orElseGet(() -> argMax(g, raw));
        return new EstimatorOutputs(Optional.of(label), Optional.of(probability), Optional.empty());
    }

    /** One tree's weight for class {@code c} at {@code leaf}: its class count, or its share of the leaf's counts. */
    private static double classWeight(LeafNode leaf, int c, boolean normalize) {
        double[] stats = leaf.impurityStats().stats();
        double count = c < stats.length ? stats[c] : 0.0;
        if (!normalize) {
            return count;
        }
        double total = 0.0;
        for (double s : stats) { // summed in order, as Scala's Array.sum in RandomForestClassificationModel.predictRaw
            total += s;
        }
        return total == 0.0 ? 0.0 : count / total;
    }

    private static EstimatorOutputs gbtClassifier(OnnxGraph g, String features, GBTClassificationModel model) {
        if (model.numClasses() != 2) {
            throw new IllegalArgumentException("GBTClassificationModel with " + model.numClasses() + " classes: Spark's "
                    + "GBT classifier is binary");
        }
        DecisionTreeRegressionModel[] trees = model.trees();
        Ensemble e = new Ensemble(Arrays.stream(trees).map(DecisionTreeRegressionModel::rootNode).toList());
        double[] weights = model.treeWeights();
        for (int t = 0; t < trees.length; t++) {
            double w = weights[t];
            e.addTree(trees[t].rootNode(), 0, leaf -> w * leaf.prediction());
        }
        String margin = e.emit(g, features, 1, AGGREGATE_SUM);
        // Spark: p0 = LogLoss.computeProbability(-m) = 1 / (1 + exp(-2 * -m)); p1 = 1 - p0.
        String one = g.constant("one", new double[] {1.0});
        String exp = g.node("Exp", g.node("Mul", margin, g.constant("two", new double[] {2.0})));
        String p0 = g.node("Div", one, g.node("Add", one, exp));
        String p1 = g.node("Sub", one, p0);
        String probability = g.node("Concat", List.of(p0, p1), List.of(attr("axis", 1L)));
        // Spark without thresholds: argmax of the raw prediction [-m, m], i.e. 1 exactly when m > 0.
        String label = thresholds(model).map(t -> thresholdLabel(g, probability, t)).orElseGet(() -> flatten(g,
                g.node("Cast", List.of(g.node("Greater", margin, g.constant("zero", new double[] {0.0}))),
                        List.of(attr("to", (long) OnnxGraph.INT64)))));
        return new EstimatorOutputs(Optional.of(label), Optional.of(probability), Optional.empty());
    }

    private static EstimatorOutputs regressor(OnnxGraph g, String features, List<Node> roots, double[] treeWeights,
                                              long aggregate) {
        Ensemble e = new Ensemble(roots);
        for (int t = 0; t < roots.size(); t++) {
            double w = treeWeights[t];
            e.addTree(roots.get(t), 0, leaf -> w * leaf.prediction());
        }
        String prediction = flatten(g, e.emit(g, features, 1, aggregate));
        return new EstimatorOutputs(Optional.empty(), Optional.empty(), Optional.of(prediction));
    }

    private static Optional<double[]> thresholds(ProbabilisticClassificationModel<?, ?> model) {
        return model.isDefined(model.thresholds()) ? Optional.of(model.getThresholds()) : Optional.empty();
    }

    /**
     * Spark's {@code probability2prediction} with thresholds: the first class maximizing p / t, where a 0/0 (NaN) never
     * wins; NaN becomes -inf so that ONNX's ArgMax sees the same order.
     */
    private static String thresholdLabel(OnnxGraph g, String probability, double[] thresholds) {
        String scaled = g.node("Div", probability, g.constant("thresholds", thresholds));
        String noNan = g.node("Where", g.node("IsNaN", scaled),
                g.constant("minus_inf", new double[] {Double.NEGATIVE_INFINITY}), scaled);
        return argMax(g, noNan);
    }

    /** The first index of the maximum along axis 1, int64 [N] (Spark's DenseVector.argmax keeps the first too). */
    private static String argMax(OnnxGraph g, String values) {
        return g.node("ArgMax", List.of(values),
                List.of(attr("axis", 1L), attr("keepdims", 0L), attr("select_last_index", 0L)));
    }

    /** [N, 1] to [N]. */
    private static String flatten(OnnxGraph g, String column) {
        return g.node("Reshape", column, g.constant("shape", new long[] {-1}));
    }

    /** The attributes of one opset-5 TreeEnsemble, filled tree by tree. */
    private static final class Ensemble {
        /** Categorical feature index to its number of categories, in index order. */
        private final SortedMap<Integer, Integer> categorical = new TreeMap<>();
        private final List<Long> roots = new ArrayList<>();
        private final List<Integer> modes = new ArrayList<>();
        private final List<Long> featureIds = new ArrayList<>();
        private final List<Double> splits = new ArrayList<>();
        private final List<Long> trueIds = new ArrayList<>();
        private final List<Long> trueLeafs = new ArrayList<>();
        private final List<Long> falseIds = new ArrayList<>();
        private final List<Long> falseLeafs = new ArrayList<>();
        private final List<Double> membership = new ArrayList<>();
        private final List<Long> leafTargets = new ArrayList<>();
        private final List<Double> leafWeights = new ArrayList<>();

        Ensemble(List<Node> trees) {
            trees.forEach(this::findCategorical);
        }

        private void findCategorical(Node node) {
            if (node instanceof InternalNode n) {
                if (n.split() instanceof CategoricalSplit c) {
                    categorical.merge(c.featureIndex(), c.numCategories(), Math::max);
                }
                findCategorical(n.leftChild());
                findCategorical(n.rightChild());
            }
        }

        /**
         * The column the TreeEnsemble reads for a feature: with categorical features, the sanitized categorical
         * columns come first (see {@link #emit}), then the input's columns.
         */
        private int column(int feature) {
            if (categorical.isEmpty()) {
                return feature;
            }
            return categorical.containsKey(feature) ? categorical.headMap(feature).size() : categorical.size() + feature;
        }

        void addTree(Node root, int target, ToDoubleFunction<LeafNode> weight) {
            if (root instanceof LeafNode leaf) {
                // A leaf-only tree: one split with two equal leaves (separate ones: ONNX Runtime reads a root whose
                // branches are the same leaf as a leaf-only tree and then looks its weight up by the node's index).
                roots.add((long) equalLeaves(target, weight.applyAsDouble(leaf)));
            } else {
                roots.add((long) addInternal((InternalNode) root, target, weight, true));
            }
        }

        private int addInternal(InternalNode node, int target, ToDoubleFunction<LeafNode> weight, boolean root) {
            Split split = node.split();
            Node trueChild;
            Node falseChild;
            int n;
            if (split instanceof ContinuousSplit c) {
                n = newNode(BRANCH_LEQ, column(c.featureIndex()), c.threshold());
                trueChild = node.leftChild();
                falseChild = node.rightChild();
            } else if (split instanceof CategoricalSplit c) {
                // Spark's CategoricalSplit.isLeft: which side's categories it stores and tests membership in.
                boolean storesLeft = c.leftCategories().length <= c.numCategories() / 2;
                double[] set = storesLeft ? c.leftCategories() : c.rightCategories();
                if (set.length == 0) {
                    throw new IllegalArgumentException("categorical split on feature " + c.featureIndex()
                            + " with no category on one side: not a split Spark trains");
                }
                n = newNode(BRANCH_MEMBER, column(c.featureIndex()), 0.0);
                Arrays.stream(set).forEach(membership::add);
                membership.add(Double.NaN); // the separator between member nodes' sets
                trueChild = storesLeft ? node.leftChild() : node.rightChild();
                falseChild = storesLeft ? node.rightChild() : node.leftChild();
            } else {
                throw new IllegalArgumentException("unknown Spark split " + split.getClass().getName());
            }
            // A root with one leaf and one split child: ONNX Runtime before 1.24 (onnxruntime#24679; Java's 1.23.2 here)
            // takes a root whose true and false ids are equal for a leaf-only tree without checking that both are
            // leaves, so a leaf and a node of the same index (in a two-class tree's second copy, whenever the root's
            // left child is a leaf) made it score every row with that leaf. The leaf goes under a split of its own
            // with two equal leaves: the root then has two split children, and every row gets the same weight.
            boolean wrap = root && (trueChild instanceof LeafNode) != (falseChild instanceof LeafNode);
            child(n, true, trueChild, target, weight, wrap);
            child(n, false, falseChild, target, weight, wrap);
            return n;
        }

        private void child(int parent, boolean branch, Node child, int target, ToDoubleFunction<LeafNode> weight,
                           boolean wrapLeaf) {
            if (child instanceof LeafNode leaf && wrapLeaf) {
                setBranch(parent, branch, equalLeaves(target, weight.applyAsDouble(leaf)), false);
            } else if (child instanceof LeafNode leaf) {
                setBranch(parent, branch, newLeaf(target, weight.applyAsDouble(leaf)), true);
            } else {
                setBranch(parent, branch, addInternal((InternalNode) child, target, weight, false), false);
            }
        }

        /** A split whose two branches are separate leaves of weight {@code w}: every row gets {@code w}. */
        private int equalLeaves(int target, double w) {
            int n = newNode(BRANCH_LEQ, 0, 0.0);
            setBranch(n, true, newLeaf(target, w), true);
            setBranch(n, false, newLeaf(target, w), true);
            return n;
        }

        private int newNode(int mode, int feature, double split) {
            modes.add(mode);
            featureIds.add((long) feature);
            splits.add(split);
            trueIds.add(-1L);
            trueLeafs.add(0L);
            falseIds.add(-1L);
            falseLeafs.add(0L);
            return modes.size() - 1;
        }

        private int newLeaf(int target, double weight) {
            leafTargets.add((long) target);
            leafWeights.add(weight);
            return leafTargets.size() - 1;
        }

        private void setBranch(int node, boolean branch, int id, boolean isLeaf) {
            (branch ? trueIds : falseIds).set(node, (long) id);
            (branch ? trueLeafs : falseLeafs).set(node, isLeaf ? 1L : 0L);
        }

        /** Adds the TreeEnsemble node reading {@code features}; returns its output, double [N, targets]. */
        String emit(OnnxGraph g, String features, int targets, long aggregate) {
            String input = categorical.isEmpty() ? features : g.node("Concat",
                    List.of(sanitizedCategorical(g, features), features), List.of(attr("axis", 1L)));
            List<AttributeProto> a = new ArrayList<>(List.of(
                    attr("aggregate_function", aggregate),
                    attr("n_targets", (long) targets),
                    attr("post_transform", 0L), // NONE
                    ints("tree_roots", longs(roots)),
                    OnnxGraph.uint8Tensor("nodes_modes", modes.stream().mapToInt(Integer::intValue).toArray()),
                    ints("nodes_featureids", longs(featureIds)),
                    OnnxGraph.tensor("nodes_splits", doubles(splits)),
                    ints("nodes_truenodeids", longs(trueIds)),
                    ints("nodes_trueleafs", longs(trueLeafs)),
                    ints("nodes_falsenodeids", longs(falseIds)),
                    ints("nodes_falseleafs", longs(falseLeafs)),
                    // NaN takes the false branch everywhere, as in Spark (see the class comment).
                    ints("nodes_missing_value_tracks_true", new long[modes.size()]),
                    ints("leaf_targetids", longs(leafTargets)),
                    OnnxGraph.tensor("leaf_weights", doubles(leafWeights))));
            if (!membership.isEmpty()) {
                a.add(OnnxGraph.tensor("membership_values", doubles(membership)));
            }
            return g.node("TreeEnsemble", OnnxGraph.ML, List.of(input), 1, a).get(0);
        }

        /**
         * The categorical columns, [N, K], with every value that is not a category index (an integer in
         * {@code [0, numCategories)}) replaced by -1. Spark tests such a value against a split's category set like
         * any other non-member; ONNX Runtime casts set-membership inputs to integers (1.5 would test as 1), so the
         * graph hands it only category indices and -1, which is in no set.
         */
        private String sanitizedCategorical(OnnxGraph g, String features) {
            long[] indices = categorical.keySet().stream().mapToLong(Integer::longValue).toArray();
            double[] counts = categorical.values().stream().mapToDouble(Integer::doubleValue).toArray();
            String columns = g.node("Gather", List.of(features, g.constant("categorical", indices)),
                    List.of(attr("axis", 1L)));
            String integer = g.node("Equal", g.node("Floor", columns), columns);
            String inRange = g.node("And", g.node("GreaterOrEqual", columns, g.constant("zero", new double[] {0.0})),
                    g.node("Less", columns, g.constant("categories", counts)));
            return g.node("Where", g.node("And", integer, inRange), columns,
                    g.constant("not_a_category", new double[] {-1.0}));
        }

        private static long[] longs(List<Long> values) {
            return values.stream().mapToLong(Long::longValue).toArray();
        }

        private static double[] doubles(List<Double> values) {
            return values.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
