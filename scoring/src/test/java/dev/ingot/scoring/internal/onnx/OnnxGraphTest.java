package dev.ingot.scoring.internal.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxGraphTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @Test
    void aGraphOfDefaultOpsRunsInOnnxRuntimeWithItsMetadata() throws Exception {
        OnnxGraph g = new OnnxGraph("t");
        String x = g.input("amount", OnnxGraph.DOUBLE, -1, 1);
        String y = g.node("Mul", x, g.constant("two", new double[] {2.0}));
        g.output(y, "doubled", OnnxGraph.DOUBLE, -1, 1);
        byte[] model = g.toModel(Map.of("ingot.features", "[\"amount\"]"));
        try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(ENV, new double[][] {{1.5}, {-3.25}});
             OrtSession.Result r = s.run(Map.of("amount", in))) {
            assertThat((double[][]) r.get("doubled").get().getValue()).isEqualTo(new double[][] {{3.0}, {-6.5}});
            assertThat(s.getMetadata().getCustomMetadata()).containsEntry("ingot.features", "[\"amount\"]");
        }
    }

    @Test
    void onnxRuntimeRunsTheOpset5TreeEnsembleOnDoublesComparingInDouble() throws Exception {
        // One tree: x0 <= t ? 10 : 20, with a threshold that float rounding would move across the input.
        double t = 0.1;
        double justAbove = Math.nextUp(t);
        OnnxGraph g = new OnnxGraph("tree");
        String x = g.input("x", OnnxGraph.DOUBLE, -1, 1);
        String y = g.node("TreeEnsemble", OnnxGraph.ML, List.of(x), 1, List.of(
                OnnxGraph.attr("aggregate_function", 1L), // SUM
                OnnxGraph.ints("tree_roots", 0),
                OnnxGraph.uint8Tensor("nodes_modes", 0), // BRANCH_LEQ
                OnnxGraph.ints("nodes_featureids", 0),
                OnnxGraph.tensor("nodes_splits", t),
                OnnxGraph.ints("nodes_truenodeids", 0),
                OnnxGraph.ints("nodes_trueleafs", 1),
                OnnxGraph.ints("nodes_falsenodeids", 1),
                OnnxGraph.ints("nodes_falseleafs", 1),
                OnnxGraph.ints("leaf_targetids", 0, 0),
                OnnxGraph.tensor("leaf_weights", 10.0, 20.0),
                OnnxGraph.attr("n_targets", 1L),
                OnnxGraph.attr("post_transform", 0L))).get(0);
        g.output(y, "y", OnnxGraph.DOUBLE, -1, 1);
        try (OrtSession s = ENV.createSession(g.toModel(Map.of()), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(ENV, new double[][] {{t}, {justAbove}});
             OrtSession.Result r = s.run(Map.of("x", in))) {
            assertThat((double[][]) r.get("y").get().getValue()).isEqualTo(new double[][] {{10.0}, {20.0}});
        }
    }
}
