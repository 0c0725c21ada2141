package dev.ingot.scoring;

import dev.ingot.core.Errors;
import java.util.List;
import java.util.Optional;

/**
 * Which graph outputs of a model are its label, its class probabilities and its regression prediction. A classifier
 * has a label (and usually probabilities), a regressor a prediction.
 *
 * <pre>{@code
 * OutputBinding o = OutputBinding.detect(model);                    // label/probability/prediction, skl2onnx's names
 * OutputBinding named = OutputBinding.none().withLabel("y").withProbability("p");
 * }</pre>
 *
 * @param label the output holding the predicted class ({@code int64} or {@code string}, shape {@code [N]} or {@code [N,1]})
 * @param probability the output holding one probability per class ({@code float} or {@code double}, {@code [N,C]})
 * @param prediction the output holding a regressor's prediction ({@code float} or {@code double}, {@code [N]} or {@code [N,1]})
 */
public record OutputBinding(Optional<String> label, Optional<String> probability, Optional<String> prediction) {
    /** The names Ingot's converter and skl2onnx give each output, first found wins. */
    static final List<String> LABEL_NAMES = List.of("label", "output_label");
    static final List<String> PROBABILITY_NAMES = List.of("probability", "probabilities", "output_probability");
    static final List<String> PREDICTION_NAMES = List.of("prediction", "variable", "output");

    public OutputBinding {
        Errors.required(label, "OutputBinding.label");
        Errors.required(probability, "OutputBinding.probability");
        Errors.required(prediction, "OutputBinding.prediction");
    }

    /** Nothing named yet. */
    public static OutputBinding none() {
        return new OutputBinding(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * The outputs found by their usual names: {@code label}/{@code output_label}, {@code probability}/
     * {@code output_probability}, and (when there is no label) {@code prediction}/{@code variable}; a model with one
     * output and none of these names is a regressor predicting it.
     */
    public static OutputBinding detect(OnnxModel model) {
        Optional<String> label = first(model, LABEL_NAMES);
        Optional<String> prob = first(model, PROBABILITY_NAMES);
        Optional<String> pred = label.isPresent() ? Optional.empty() : first(model, PREDICTION_NAMES);
        if (label.isEmpty() && pred.isEmpty() && model.outputs().size() == 1) {
            pred = Optional.of(model.outputs().get(0).name());
        }
        return new OutputBinding(label, prob, pred);
    }

    /**
     * The given names where set, the detected ones elsewhere; a named prediction (a regressor) takes no detected label
     * or probability, and a named label or probability (a classifier) no detected prediction.
     */
    public OutputBinding orElse(OutputBinding detected) {
        if (prediction.isPresent()) {
            return new OutputBinding(label, probability, prediction);
        }
        if (label.isPresent() || probability.isPresent()) {
            return new OutputBinding(label.or(detected::label), probability.or(detected::probability), Optional.empty());
        }
        return detected;
    }

    /** A copy with the label output named. */
    public OutputBinding withLabel(String output) {
        return new OutputBinding(Optional.of(output), probability, prediction);
    }

    /** A copy with the probability output named. */
    public OutputBinding withProbability(String output) {
        return new OutputBinding(label, Optional.of(output), prediction);
    }

    /** A copy with the prediction output named. */
    public OutputBinding withPrediction(String output) {
        return new OutputBinding(label, probability, Optional.of(output));
    }

    private static Optional<String> first(OnnxModel model, List<String> names) {
        return names.stream().filter(n -> model.output(n).isPresent()).findFirst();
    }
}
