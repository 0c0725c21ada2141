package dev.ingot.core.config;

import dev.ingot.core.Secrets;
import dev.ingot.core.TableName;
import java.util.List;
import java.util.Map;
import dev.ingot.core.Errors;
import java.util.Optional;

/**
 * A training spec ({@code models/<name>.yaml}).
 *
 * @param name the model's name in the registry (the file's base name)
 * @param description free text
 * @param spine the table of labelled events (entity keys, event time, label)
 * @param timestamp the spine's event-time column
 * @param label the label column
 * @param features the features joined point-in-time onto the spine
 * @param algorithm the learning algorithm
 * @param params the algorithm's hyper-parameters
 * @param testWindow the latest span of the spine held out for evaluation (a time split, never random)
 * @param gate what a version must reach to be promoted
 * @param file the definition's file, relative to the project directory (e.g. {@code models/fraud.yml}): what
 *     messages name
 */
public record ModelDef(
        String name,
        String description,
        TableName spine,
        String timestamp,
        String label,
        List<FeatureRef> features,
        Algorithm algorithm,
        Map<String, String> params,
        TimeSpan testWindow,
        Optional<Gate> gate,
        String file) {

    public ModelDef {
        Errors.required(name, "ModelDef.name");
        description = description == null ? "" : description;
        features = List.copyOf(Errors.required(features, "ModelDef.features"));
        params = Map.copyOf(Errors.required(params, "ModelDef.params"));
        file = DefinitionFiles.orDefault(file, ProjectLoader.MODELS, name);
    }

    /** A model built in code: its file is the conventional {@code models/<name>.yaml}. */
    public ModelDef(String name, String description, TableName spine, String timestamp, String label,
                    List<FeatureRef> features, Algorithm algorithm, Map<String, String> params, TimeSpan testWindow,
                    Optional<Gate> gate) {
        this(name, description, spine, timestamp, label, features, algorithm, params, testWindow, gate, null);
    }

    /** Redacted: parameters may come from {@code ${env:NAME}}. */
    @Override
    public String toString() {
        return Secrets.redact("ModelDef[name=" + name + ", description=" + description + ", spine=" + spine
                + ", timestamp=" + timestamp + ", label=" + label + ", features=" + features + ", algorithm=" + algorithm
                + ", params=" + params + ", testWindow=" + testWindow + ", gate=" + gate + ", file=" + file + "]");
    }

    /** Learning algorithms. */
    public enum Algorithm { LOGISTIC_REGRESSION, GBT, RANDOM_FOREST }

    /** Evaluation metrics a gate can use. */
    public enum Metric { AUC, PR_AUC, ACCURACY, F1, LOG_LOSS }

    /**
     * A promotion gate.
     *
     * @param metric the metric on the test window
     * @param min the least value that passes (for log loss: the most)
     */
    public record Gate(Metric metric, double min) {}
}
