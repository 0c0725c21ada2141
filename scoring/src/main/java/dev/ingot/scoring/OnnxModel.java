package dev.ingot.scoring;

import dev.ingot.core.Errors;
import dev.ingot.scoring.internal.OrtSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ONNX model's bytes with what the model declares about itself (inputs, outputs, metadata), read once on the
 * driver by ONNX Runtime. A file that ONNX Runtime cannot load (corrupted, truncated, not ONNX) is bad input naming
 * it, so a scoring job fails before any task starts.
 *
 * <pre>{@code
 * OnnxModel model = OnnxModel.read(Path.of("models/churn.onnx"));
 * model.inputs();            // [float_input: float [-1, 3]]
 * model.sha256();            // what the registry records
 * }</pre>
 *
 * @param bytes the model file's bytes (not copied: treat as read-only)
 * @param source where the bytes came from (a path, {@code runs:/<id>/onnx/model.onnx}): what messages name
 * @param sha256 the lower-case hex SHA-256 of the bytes
 * @param inputs the graph's inputs, in the model's order
 * @param outputs the graph's outputs, in the model's order
 * @param metadata the model's {@code metadata_props} (e.g. {@code ingot.features}, {@code ingot.run_id})
 */
public record OnnxModel(byte[] bytes, String source, String sha256, List<ModelInput> inputs, List<ModelOutput> outputs,
                        Map<String, String> metadata) {
    public OnnxModel {
        Errors.required(bytes, "OnnxModel.bytes");
        Errors.required(source, "OnnxModel.source");
        Errors.required(sha256, "OnnxModel.sha256");
        inputs = List.copyOf(Errors.required(inputs, "OnnxModel.inputs"));
        outputs = List.copyOf(Errors.required(outputs, "OnnxModel.outputs"));
        metadata = Map.copyOf(Errors.required(metadata, "OnnxModel.metadata"));
    }

    /**
     * Reads a model from bytes.
     *
     * @param source what messages call the bytes (a file, an artifact)
     * @throws dev.ingot.core.IngotException (bad input) when ONNX Runtime cannot load them
     */
    public static OnnxModel load(byte[] bytes, String source) {
        Errors.required(bytes, "OnnxModel.load(bytes)");
        Errors.required(source, "OnnxModel.load(source)");
        return OrtSessions.inspect(bytes, source, sha256(bytes));
    }

    /**
     * Reads a model file.
     *
     * @throws dev.ingot.core.IngotException (bad input) when the file cannot be read or is not a model ONNX Runtime
     *     loads
     */
    public static OnnxModel read(Path file) {
        Errors.required(file, "OnnxModel.read(file)");
        try {
            return load(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw Errors.badArgument("ONNX model file", file, "a readable .onnx file (" + e.getMessage() + ")");
        }
    }

    /** The lower-case hex SHA-256 of some bytes. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * A copy with one more metadata entry (or a new value for {@code key}), its bytes and digest those of the model
     * with that entry: the graph, inputs and outputs are unchanged, so ONNX Runtime does not load it again. How
     * {@code train} stamps the run id on the model it converted before the run started.
     */
    public OnnxModel withMetadata(String key, String value) {
        Errors.required(key, "OnnxModel.withMetadata key");
        Errors.required(value, "OnnxModel.withMetadata value");
        byte[] stamped = dev.ingot.scoring.internal.onnx.OnnxGraph.withMetadata(bytes, key, value);
        Map<String, String> meta = new java.util.HashMap<>(metadata);
        meta.put(key, value);
        return new OnnxModel(stamped, source, sha256(stamped), inputs, outputs, meta);
    }

    /** The input of this name. */
    public Optional<ModelInput> input(String name) {
        return inputs.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /** The output of this name. */
    public Optional<ModelOutput> output(String name) {
        return outputs.stream().filter(o -> o.name().equals(name)).findFirst();
    }

    /** Without the bytes. */
    @Override
    public String toString() {
        return "OnnxModel[source=" + source + ", sha256=" + sha256 + ", inputs=" + inputs + ", outputs=" + outputs + "]";
    }
}
