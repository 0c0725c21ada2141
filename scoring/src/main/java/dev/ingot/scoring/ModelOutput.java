package dev.ingot.scoring;

import dev.ingot.core.Errors;
import java.util.List;

/**
 * One graph output of an ONNX model.
 *
 * @param name the output's name in the graph
 * @param tensor whether it is a tensor (a sequence of maps, such as skl2onnx's ZipMap output, is not)
 * @param typeName the element type (tensors) or value type as ONNX Runtime names it
 * @param shape a tensor's dimensions, {@code -1} for dynamic ones; empty for other values
 */
public record ModelOutput(String name, boolean tensor, String typeName, List<Long> shape) {
    public ModelOutput {
        Errors.required(name, "ModelOutput.name");
        Errors.required(typeName, "ModelOutput.typeName");
        shape = List.copyOf(Errors.required(shape, "ModelOutput.shape"));
    }

    @Override
    public String toString() {
        return name + ": " + (tensor ? typeName + " " + shape : typeName);
    }
}
