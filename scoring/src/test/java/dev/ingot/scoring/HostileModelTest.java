package dev.ingot.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.onnx.proto.OnnxMl;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.scoring.internal.onnx.OnnxGraph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and malformed ONNX files (issue 17, item 4): empty, random and HTML bytes, an opset or IR version from the
 * future, an operator of an unknown domain, an initializer that declares 2^40 values, inputs that cannot take the
 * table's columns, a declared shape of 2^40 columns. Each is refused as bad input (exit code 2) with a one-line message
 * that names the file (or the input and column) and the fix, before any Spark job: {@link OnnxModel#read} loads the
 * model on the driver, {@link Scorer#problems} checks a schema. No Spark session is needed.
 */
class HostileModelTest {
    private static final StructType TABLE = new StructType().add("id", DataTypes.LongType)
            .add("c1", DataTypes.DoubleType).add("c2", DataTypes.DoubleType).add("c3", DataTypes.DoubleType)
            .add("name", DataTypes.StringType);

    @TempDir
    Path tmp;

    /** y = Identity(x), x float [-1, 3]; {@code edit} changes the model before it is written. */
    private static byte[] identity(int elemType, long[] dims, UnaryOperator<OnnxMl.ModelProto.Builder> edit) {
        OnnxGraph g = new OnnxGraph("hostile");
        String x = g.input("x", elemType, dims);
        g.output(g.node("Identity", x), "y", elemType, dims);
        try {
            OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.parseFrom(g.toModel(Map.of())).toBuilder();
            return edit.apply(m).build().toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] identity(UnaryOperator<OnnxMl.ModelProto.Builder> edit) {
        return identity(OnnxGraph.FLOAT, new long[] {-1, 3}, edit);
    }

    static Stream<Arguments> hostileFiles() {
        return Stream.of(
                file("an empty file", () -> new byte[0], "ONNX Runtime cannot read it"),
                file("random bytes", () -> {
                    byte[] b = new byte[4096];
                    new Random(17).nextBytes(b);
                    return b;
                }, "corrupted, truncated or not an ONNX model"),
                file("an HTML error page saved as .onnx", () -> "<!DOCTYPE html>\n<html><body><h1>404 Not Found</h1>"
                        .getBytes(StandardCharsets.UTF_8), "corrupted, truncated or not an ONNX model"),
                file("the first 100 bytes of a model", () -> java.util.Arrays.copyOf(identity(m -> m), 100),
                        "corrupted, truncated or not an ONNX model"),
                file("opset 99 of the default domain", () -> identity(m -> m.setOpsetImport(0,
                        m.getOpsetImport(0).toBuilder().setVersion(99))), "this ONNX Runtime cannot run it",
                        "Opset 99", "target_opset"),
                file("IR version 99", () -> identity(m -> m.setIrVersion(99)), "this ONNX Runtime cannot run it",
                        "Unsupported model IR version: 99", "IR version"),
                file("an operator of an unknown domain", () -> identity(m -> {
                    OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
                    g.setNode(0, g.getNode(0).toBuilder().setOpType("Exec").setDomain("com.attacker"));
                    return m.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("com.attacker").setVersion(1));
                }), "ONNX Runtime cannot read it"),
                file("an initializer that declares 2^40 floats without data", () -> identity(m -> {
                    OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
                    g.addInitializer(OnnxMl.TensorProto.newBuilder().setName("huge")
                            .setDataType(OnnxGraph.FLOAT).addDims(1L << 20).addDims(1L << 20));
                    g.setNode(0, g.getNode(0).toBuilder().setOpType("Add").addInput("huge"));
                    return m;
                }), "ONNX Runtime cannot read it"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileFiles")
    void aHostileFileIsBadInputNamingItBeforeAnyJob(String what, Supplier<byte[]> bytes, List<String> expected)
            throws IOException {
        Path file = tmp.resolve("model.onnx");
        Files.write(file, bytes.get());
        long start = System.nanoTime();
        IngotException e = catchThrowableOfType(IngotException.class, () -> OnnxModel.read(file));
        assertThat(e).as(what).isNotNull();
        assertThat((System.nanoTime() - start) / 1_000_000).as(what + ": ms to refuse").isLessThan(10_000);
        assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).as(what).contains(file.toString()).contains(expected).contains("Fix: ")
                .doesNotContain("\n").doesNotContain("\tat ").doesNotContain("onnxruntime::")
                .doesNotContain("/onnxruntime_src/");
    }

    @Test
    void aDeclaredShapeOf2To40ColumnsIsRefusedByTheBindingNotAllocated() {
        OnnxModel model = OnnxModel.load(identity(OnnxGraph.FLOAT, new long[] {-1, 1L << 40}, m -> m), "huge.onnx");
        Scorer s = Scorer.of(model).withBinding(InputBinding.empty().with("x", List.of("c1", "c2", "c3")));
        assertThat(s.problems(TABLE)).containsExactly("model input x: float [-1, 1099511627776] takes 1099511627776"
                + " column(s) per row, more than any table has; the binding gives 3: [c1, c2, c3]");
        // 2^32 + 3 wrapped around to 3 as an int, and a binding of three columns passed the check.
        OnnxModel wraps = OnnxModel.load(identity(OnnxGraph.FLOAT, new long[] {-1, (1L << 32) + 3}, m -> m), "wraps.onnx");
        assertThat(Scorer.of(wraps).withBinding(InputBinding.empty().with("x", List.of("c1", "c2", "c3")))
                .problems(TABLE)).singleElement().asString().contains("takes 4294967299 column(s) per row");
    }

    @Test
    void aStringInputCannotTakeNumericColumnsNorAFloatInputAStringColumn() {
        OnnxModel strings = OnnxModel.load(identity(OnnxGraph.STRING, new long[] {-1, 1}, m -> m), "strings.onnx");
        assertThat(Scorer.of(strings).withBinding(InputBinding.empty().with("x", List.of("c1"))).problems(TABLE))
                .contains("column 'c1' is double, and model input 'x' takes string (string columns)");
        OnnxModel floats = OnnxModel.load(identity(m -> m), "floats.onnx");
        assertThat(Scorer.of(floats).withBinding(InputBinding.empty().with("x", List.of("c1", "name", "c3")))
                .problems(TABLE)).containsExactly("column 'name' is string, and model input 'x' takes float (numeric or"
                + " boolean columns)");
    }

    private static Arguments file(String what, Supplier<byte[]> bytes, String... expected) {
        return Arguments.of(what, bytes, List.of(expected));
    }
}
