package dev.ingot.scoring;

import dev.ingot.core.Errors;
import java.util.List;
import java.util.Optional;

/**
 * One graph input of an ONNX model, as the model itself declares it.
 *
 * @param name the input's name in the graph
 * @param type its element type; empty when it is one Ingot cannot fill (e.g. a sequence or {@code uint8})
 * @param typeName the type as ONNX Runtime names it (what messages show)
 * @param shape its dimensions, {@code -1} for a dynamic one (the batch)
 */
public record ModelInput(String name, Optional<ElementType> type, String typeName, List<Long> shape) {
    public ModelInput {
        Errors.required(name, "ModelInput.name");
        Errors.required(type, "ModelInput.type (Optional.empty() for an unsupported type)");
        Errors.required(typeName, "ModelInput.typeName");
        shape = List.copyOf(Errors.required(shape, "ModelInput.shape"));
    }

    /**
     * How many columns fill one row of it: 1 for {@code [N]} and {@code [N,1]}, F for {@code [N,F]}; empty when the
     * second dimension is dynamic (any number of columns), larger than an int (a hostile file: it would wrap around),
     * or the rank is not 1 or 2.
     */
    public Optional<Integer> width() {
        if (shape.size() == 1) {
            return Optional.of(1);
        }
        if (shape.size() == 2 && shape.get(1) > 0 && shape.get(1) <= Integer.MAX_VALUE) {
            return Optional.of(shape.get(1).intValue());
        }
        return Optional.empty();
    }

    /** {@code float_input: float [-1, 3]}. */
    @Override
    public String toString() {
        return name + ": " + typeName + " " + shape;
    }
}
