package dev.ingot.scoring;

import dev.ingot.core.Errors;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which table columns fill each graph input of a model: one column for an {@code [N]} or {@code [N,1]} input, F
 * columns (in order) for an {@code [N,F]} input such as skl2onnx's {@code float_input}.
 *
 * <pre>{@code
 * InputBinding b = InputBinding.empty().with("float_input", List.of("age", "income", "tenure"));
 * InputBinding same = InputBinding.byName(model);   // each input filled by the column of its name
 * }</pre>
 *
 * @param columns the columns of each input, by input name, in the order given
 */
public record InputBinding(Map<String, List<String>> columns) {
    public InputBinding {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        Errors.required(columns, "InputBinding.columns").forEach((input, cols) -> {
            Errors.required(input, "InputBinding input name");
            List<String> c = List.copyOf(Errors.required(cols, "InputBinding columns of " + input));
            if (c.isEmpty()) {
                throw Errors.invalidDefinition("input binding", "input '" + input + "' has no columns",
                        "name at least one column for it");
            }
            copy.put(input, c);
        });
        columns = Collections.unmodifiableMap(copy);
    }

    /** No inputs bound yet. */
    public static InputBinding empty() {
        return new InputBinding(Map.of());
    }

    /** Each of the model's inputs filled by the column of the same name (how Ingot's converted models are made). */
    public static InputBinding byName(OnnxModel model) {
        InputBinding b = empty();
        for (ModelInput i : model.inputs()) {
            b = b.with(i.name(), List.of(i.name()));
        }
        return b;
    }

    /** A copy with one input bound to these columns (replacing its earlier binding). */
    public InputBinding with(String input, List<String> cols) {
        Map<String, List<String>> m = new LinkedHashMap<>(columns);
        m.put(input, cols);
        return new InputBinding(m);
    }

    /** Every bound column, in binding order, without repeats. */
    public List<String> allColumns() {
        return columns.values().stream().flatMap(List::stream).distinct().toList();
    }
}
