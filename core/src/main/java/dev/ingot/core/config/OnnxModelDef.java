package dev.ingot.core.config;

import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model made elsewhere ({@code models/<name>.yaml} with an {@code onnx:} key): an ONNX file, for instance exported
 * by scikit-learn's skl2onnx, that Ingot does not train but registers ({@code ingot models register}) and scores.
 * Ingot's own specs are {@link ModelDef}s; the two share the {@code models/} folder and its names.
 *
 * <pre>{@code
 * OnnxModelDef churn = OnnxModelDef.of("churn", "onnx/churn.onnx")
 *         .withInput("float_input", List.of("age", "income", "tenure"))
 *         .withOutputs(Optional.of("label"), Optional.of("probabilities"), Optional.empty())
 *         .withKeys(List.of("customer_id"));
 * }</pre>
 *
 * @param name the model's name in the registry (the file's base name)
 * @param description free text
 * @param onnx the ONNX file, relative to the project directory (or absolute)
 * @param inputs the table columns that fill each graph input, by input name: one column for an {@code [N]} or
 *     {@code [N,1]} input, F for an {@code [N,F]} input; empty to fill each input from the column of its name
 * @param label the output holding the predicted class; empty to find it by name ({@code label}, {@code output_label})
 * @param probability the output holding the class probabilities; empty to find it by name
 * @param prediction a regressor's output; empty to find it by name ({@code prediction}, {@code variable})
 * @param keys the entity-key columns copied from the input table onto each score row
 * @param file the definition's file, relative to the project directory: what messages name
 */
public record OnnxModelDef(String name, String description, String onnx, Map<String, List<String>> inputs,
                           Optional<String> label, Optional<String> probability, Optional<String> prediction,
                           List<String> keys, String file) {
    public OnnxModelDef {
        Identifiers.requireName("model", Errors.required(name, "OnnxModelDef.name"));
        description = description == null ? "" : description;
        if (Errors.required(onnx, "OnnxModelDef.onnx").isBlank()) {
            throw Errors.invalidDefinition("model " + name, "'onnx' is empty", "give the path of the .onnx file");
        }
        Map<String, List<String>> copy = new LinkedHashMap<>();
        Errors.required(inputs, "OnnxModelDef.inputs").forEach((k, v) -> {
            List<String> cols = List.copyOf(Errors.required(v, "OnnxModelDef.inputs of " + k));
            if (cols.isEmpty()) {
                throw Errors.invalidDefinition("model " + name, "input '" + k + "' has no columns",
                        "list the columns that fill it");
            }
            copy.put(k, cols);
        });
        inputs = Collections.unmodifiableMap(copy);
        Errors.required(label, "OnnxModelDef.label");
        Errors.required(probability, "OnnxModelDef.probability");
        Errors.required(prediction, "OnnxModelDef.prediction");
        keys = List.copyOf(Errors.required(keys, "OnnxModelDef.keys"));
        file = DefinitionFiles.orDefault(file, ProjectLoader.MODELS, name);
    }

    /** A model file with no binding yet (each input filled by the column of its name), defined in code. */
    public static OnnxModelDef of(String name, String onnx) {
        return new OnnxModelDef(name, "", onnx, Map.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(), null);
    }

    /** A copy with one input filled from these columns. */
    public OnnxModelDef withInput(String input, List<String> columns) {
        Map<String, List<String>> m = new LinkedHashMap<>(inputs);
        m.put(Errors.required(input, "OnnxModelDef.withInput(input)"), columns);
        return new OnnxModelDef(name, description, onnx, m, label, probability, prediction, keys, file);
    }

    /** A copy naming the model's outputs (empty ones are found by name). */
    public OnnxModelDef withOutputs(Optional<String> label, Optional<String> probability, Optional<String> prediction) {
        return new OnnxModelDef(name, description, onnx, inputs, label, probability, prediction, keys, file);
    }

    /** A copy with these entity keys. */
    public OnnxModelDef withKeys(List<String> keys) {
        return new OnnxModelDef(name, description, onnx, inputs, label, probability, prediction, keys, file);
    }

    /** A copy with this description. */
    public OnnxModelDef withDescription(String description) {
        return new OnnxModelDef(name, description, onnx, inputs, label, probability, prediction, keys, file);
    }
}
