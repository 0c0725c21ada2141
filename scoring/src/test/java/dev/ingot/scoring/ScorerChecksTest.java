package dev.ingot.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the scorer refuses before any task starts: bad model files and inputs that do not fit the table. */
class ScorerChecksTest {
    @TempDir
    Path tmp;

    @Test
    void aTruncatedModelFileIsBadInputNamingIt() throws IOException {
        byte[] bytes = Files.readAllBytes(SklearnModels.model("gbt"));
        Path cut = tmp.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> OnnxModel.read(cut)).isInstanceOf(IngotException.class)
                .hasMessageContaining(cut.toString()).hasMessageContaining("corrupted, truncated or not an ONNX model")
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        Path text = tmp.resolve("text.onnx");
        Files.writeString(text, "not a model");
        assertThatThrownBy(() -> OnnxModel.read(text)).isInstanceOf(IngotException.class).hasMessageContaining(text.toString());
    }

    @Test
    void everyMismatchOfTheInputTableIsNamedBeforeAnyTask() {
        OnnxModel model = OnnxModel.read(SklearnModels.model("logreg"));
        Dataset<Row> data = SklearnModels.data(TestSpark.session()).selectExpr("id", "c1", "cast(c2 as string) AS c2");
        Scorer scorer = Scorer.of(model).withBinding(InputBinding.empty().with("float_input", List.of("c1", "c2", "c9")));
        assertThat(scorer.problems(data.schema())).containsExactly(
                "column 'c2' is string, and model input 'float_input' takes float (numeric or boolean columns)",
                "column 'c9' (model input 'float_input') is not in the input table (columns: id, c1, c2)");
        assertThatThrownBy(() -> scorer.score(data)).isInstanceOf(IngotException.class)
                .hasMessageContaining("'c2' is string").hasMessageContaining("'c9'")
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    }

    @Test
    void bindingsMustMatchTheModelsInputsAndShapes() {
        OnnxModel model = OnnxModel.read(SklearnModels.model("logreg"));
        Dataset<Row> data = SklearnModels.data(TestSpark.session());
        assertThat(Scorer.of(model).withBinding(InputBinding.empty().with("float_input", List.of("c1", "c2")))
                .problems(data.schema())).containsExactly(
                "model input float_input: float [-1, 3] takes 3 column(s) per row; the binding gives 2: [c1, c2]");
        assertThat(Scorer.of(model).problems(data.schema())).as("by name: there is no column float_input").containsExactly(
                "model input float_input: float [-1, 3] takes 3 column(s) per row; the binding gives 1: [float_input]",
                "column 'float_input' (model input 'float_input') is not in the input table (columns: id, c1, c2, c3)");
        assertThat(Scorer.of(model).withBinding(InputBinding.empty().with("x", List.of("c1"))).problems(data.schema()))
                .containsExactly("the binding names input 'x', which the model does not have (inputs: [float_input: float [-1, 3]])",
                        "model input float_input: float [-1, 3] is bound to no column (bind it, e.g. inputs: {float_input: [col]})");
        assertThat(Scorer.of(model).withOutputs(OutputBinding.none().withLabel("nope"))
                .withBinding(InputBinding.empty().with("float_input", List.of("c1", "c2", "c3"))).problems(data.schema()))
                .containsExactly("the label output 'nope' is not an output of the model (outputs: [label: int64 [-1],"
                        + " probabilities: float [-1, 2]])");
    }

    @Test
    void nullNumbersReachTheModelAsNaN() {
        OnnxModel model = OnnxModel.read(SklearnModels.model("ridge"));
        Dataset<Row> data = SklearnModels.data(TestSpark.session()).limit(3)
                .selectExpr("id", "CASE WHEN id = 2 THEN NULL ELSE c1 END AS c1", "c2", "c3");
        List<Row> rows = Scorer.of(model).withBinding(InputBinding.empty().with("double_input", List.of("c1", "c2", "c3")))
                .score(data).orderBy("id").collectAsList();
        assertThat(rows).extracting(r -> Double.isNaN(r.<Double>getAs(Scorer.PREDICTION))).containsExactly(false, true, false);
    }

    @Test
    void batchSizeIsRangeChecked() {
        Scorer s = Scorer.of(OnnxModel.read(SklearnModels.model("ridge")));
        assertThatThrownBy(() -> s.withBatchSize(0)).isInstanceOf(IngotException.class)
                .hasMessageContaining("batch size").hasMessageContaining("from 1 to");
        assertThat(s.withBatchSize(10).batchSize()).isEqualTo(10);
        assertThat(s.batchSize()).as("with* returns a copy").isEqualTo(Scorer.BATCH_SIZE_DEFAULT);
    }
}
