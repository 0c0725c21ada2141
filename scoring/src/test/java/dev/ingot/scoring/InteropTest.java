package dev.ingot.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.scoring.internal.OrtSessions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Models made by scikit-learn + skl2onnx score the same in the executors as in Python's onnxruntime. */
class InteropTest {
    private static final List<String> COLUMNS = List.of("c1", "c2", "c3");
    private final SparkSession spark = TestSpark.session();

    @Test
    void scikitLearnClassifiersScoreAsInPythonOnnxRuntime() {
        for (String name : List.of("logreg", "gbt")) {
            OnnxModel model = OnnxModel.read(SklearnModels.model(name));
            Scorer scorer = Scorer.of(model).withBinding(InputBinding.empty().with("float_input", COLUMNS))
                    .withBatchSize(64);
            assertThat(scorer.classifier()).as(name + " has a label output").isTrue();
            Map<Long, Row> got = byId(scorer.score(SklearnModels.data(spark).repartition(3)));
            Map<Long, Row> want = byId(SklearnModels.expected(spark, name));
            assertThat(got).as(name + ": one scored row per input row").hasSize(SklearnModels.ROWS);
            double maxDiff = 0;
            int positives = 0;
            for (Map.Entry<Long, Row> e : want.entrySet()) {
                Row g = got.get(e.getKey());
                Row w = e.getValue();
                assertThat(g.<Long>getAs(Scorer.LABEL)).as(name + " label of row " + e.getKey()).isEqualTo(w.getLong(1));
                List<Double> probs = g.getList(g.fieldIndex(Scorer.PROBABILITIES));
                maxDiff = Math.max(maxDiff, Math.abs(probs.get(0) - w.getDouble(2)));
                maxDiff = Math.max(maxDiff, Math.abs(probs.get(1) - w.getDouble(3)));
                maxDiff = Math.max(maxDiff, Math.abs(g.<Double>getAs(Scorer.PROBABILITY) - w.getDouble(3)));
                positives += w.getLong(1) == 1 ? 1 : 0;
            }
            assertThat(maxDiff).as(name + ": max |Java - Python| of the probabilities").isLessThanOrEqualTo(1e-6);
            assertThat(positives).as(name + ": both classes predicted, so labels are compared on both").isBetween(50, 450);
        }
    }

    @Test
    void scikitLearnDoubleRegressorScoresAsInPythonOnnxRuntime() {
        OnnxModel model = OnnxModel.read(SklearnModels.model("ridge"));
        assertThat(model.inputs()).extracting(ModelInput::toString).containsExactly("double_input: double [-1, 3]");
        Scorer scorer = Scorer.of(model).withBinding(InputBinding.empty().with("double_input", COLUMNS));
        assertThat(scorer.classifier()).isFalse();
        Map<Long, Row> got = byId(scorer.score(SklearnModels.data(spark)));
        Map<Long, Row> want = byId(SklearnModels.expected(spark, "ridge"));
        double maxDiff = 0;
        for (Map.Entry<Long, Row> e : want.entrySet()) {
            maxDiff = Math.max(maxDiff, Math.abs(got.get(e.getKey()).<Double>getAs(Scorer.PREDICTION) - e.getValue().getDouble(1)));
        }
        assertThat(got).hasSize(SklearnModels.ROWS);
        assertThat(maxDiff).as("double model: max |Java - Python| of the predictions").isLessThanOrEqualTo(1e-9);
    }

    @Test
    void batchSizeDoesNotChangeScoresAndTasksShareOneSessionPerModel() {
        OnnxModel model = OnnxModel.read(SklearnModels.model("gbt"));
        Scorer scorer = Scorer.of(model).withBinding(InputBinding.empty().with("float_input", COLUMNS));
        Map<Long, Row> big = byId(scorer.score(SklearnModels.data(spark)));
        int before = OrtSessions.count();
        // 8 partitions, batches of 7 rows (the last one of each partition short): 8 tasks on one executor JVM.
        Map<Long, Row> small = byId(scorer.withBatchSize(7).score(SklearnModels.data(spark).repartition(8)));
        assertThat(OrtSessions.count()).as("the tasks reused the session the first run created").isEqualTo(before);
        assertThat(small).hasSize(SklearnModels.ROWS);
        small.forEach((id, r) -> assertThat(r.<Double>getAs(Scorer.PROBABILITY))
                .as("row " + id).isEqualTo(big.get(id).<Double>getAs(Scorer.PROBABILITY)));
    }

    private static Map<Long, Row> byId(Dataset<Row> rows) {
        Map<Long, Row> m = new HashMap<>();
        for (Row r : rows.collectAsList()) {
            m.put(r.getLong(r.fieldIndex("id")), r);
        }
        return m;
    }
}
