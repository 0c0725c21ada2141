package dev.ingot.scoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.scoring.internal.onnx.EstimatorOutputs;
import dev.ingot.scoring.internal.onnx.LinearModels;
import dev.ingot.scoring.internal.onnx.OnnxGraph;
import dev.ingot.scoring.internal.onnx.PipelineGraph;
import dev.ingot.scoring.internal.onnx.TreeEnsembles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.sql.types.StructType;

/**
 * Converts a fitted Spark ML {@link PipelineModel} to ONNX (opset {@value OnnxGraph#OPSET}, {@code ai.onnx.ml}
 * {@value OnnxGraph#ML_OPSET}), computing in doubles as Spark does. Immutable: each {@code with*} returns a copy.
 *
 * <pre>{@code
 * OnnxModel onnx = OnnxConverter.create()
 *         .withRunId(runId)
 *         .withTrainingSet("ml.fraud_training_set", 7)
 *         .convert(pipelineModel, trainingSet.schema());
 * Files.write(Path.of("model.onnx"), onnx.bytes());
 * }</pre>
 *
 * <p>Stages it converts: {@link #supportedStages()}. Any other stage is refused with a bad-input error naming it.
 */
public final class OnnxConverter {
    /** Output: the predicted class index of a classifier, int64 [N]. */
    public static final String LABEL = "label";
    /** Output: a classifier's probability of each class, double [N,C]. */
    public static final String PROBABILITY = "probability";
    /** Output: a regressor's prediction, double [N]. */
    public static final String PREDICTION = "prediction";
    /** Metadata: the input columns, a JSON list in input order. */
    public static final String FEATURES = "ingot.features";
    /** Metadata: the tracking run that trained the model. */
    public static final String RUN_ID = "ingot.run_id";
    /** Metadata: the training set's table. */
    public static final String TRAINING_SET = "ingot.training_set";
    /** Metadata: the training set's Delta version. */
    public static final String TRAINING_SET_VERSION = "ingot.training_set_version";
    /** Metadata: what a null in a string input is fed as ({@link #NULL_STRING}). */
    public static final String NULL_STRING_KEY = "ingot.null_string";
    /**
     * What a scorer feeds for a null in a string input: a value no indexer was fitted with, so it gets the index of
     * unseen values, as null does in Spark under {@code handleInvalid=keep} (the empty string could be a category).
     */
    public static final String NULL_STRING = "__ingot_null__";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MODELS = List.of("LogisticRegression", "LinearRegression",
            "DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
            "GBTClassifier", "GBTRegressor");

    private final Optional<String> runId;
    private final Optional<String> trainingSet;
    private final OptionalLong trainingSetVersion;

    private OnnxConverter(Optional<String> runId, Optional<String> trainingSet, OptionalLong trainingSetVersion) {
        this.runId = runId;
        this.trainingSet = trainingSet;
        this.trainingSetVersion = trainingSetVersion;
    }

    /** A converter that records no run or training set in the model's metadata. */
    public static OnnxConverter create() {
        return new OnnxConverter(Optional.empty(), Optional.empty(), OptionalLong.empty());
    }

    /** A copy that records {@code runId} as metadata {@value #RUN_ID}. */
    public OnnxConverter withRunId(String runId) {
        return new OnnxConverter(Optional.of(Errors.required(runId, "OnnxConverter.runId")), trainingSet,
                trainingSetVersion);
    }

    /** A copy that records the training set's table and Delta version ({@value #TRAINING_SET}, ...). */
    public OnnxConverter withTrainingSet(String table, long version) {
        if (version < 0) {
            throw Errors.invalidDefinition("training set version of the ONNX converter", version + " is negative",
                    "pass the table's Delta version (0 or more)");
        }
        return new OnnxConverter(runId, Optional.of(Errors.required(table, "OnnxConverter.trainingSet")),
                OptionalLong.of(version));
    }

    /** The pipeline stages and models it converts, by their Spark names (Ingot's own stages by class name). */
    public static List<String> supportedStages() {
        List<String> all = new ArrayList<>(PipelineGraph.STAGES);
        all.addAll(MODELS);
        return List.copyOf(all);
    }

    /**
     * Converts {@code pipeline}, fitted on data of {@code trainingSchema}, whose columns the model's inputs take.
     *
     * @throws IngotException (bad input, exit 2) for a stage it cannot convert, or columns the schema lacks
     */
    public OnnxModel convert(PipelineModel pipeline, StructType trainingSchema) {
        Errors.required(pipeline, "OnnxConverter.convert pipeline");
        Errors.required(trainingSchema, "OnnxConverter.convert trainingSchema");
        OnnxGraph g = new OnnxGraph("ingot_" + pipeline.uid());
        PipelineGraph stages = new PipelineGraph(g, trainingSchema);
        Model<?> model = stages.addStages(pipeline, MODELS);
        String what = PipelineGraph.describe(model, pipeline.stages().length - 1);
        boolean linear = LinearModels.supports(model);
        if (!linear && !TreeEnsembles.supports(model)) {
            throw Errors.badData("convert the Spark ML pipeline to ONNX", "its model, " + what + ", is not supported",
                    "end the pipeline with one of: " + String.join(", ", MODELS) + " (stages: "
                            + String.join(", ", supportedStages()) + ")");
        }
        PredictionModel<?, ?> predictor = (PredictionModel<?, ?>) model;
        PipelineGraph.Column features = stages.vector(predictor.getFeaturesCol(), what);
        if (features.width() != predictor.numFeatures()) {
            throw Errors.badData("convert the Spark ML pipeline to ONNX", what + " takes " + predictor.numFeatures()
                    + " features but '" + predictor.getFeaturesCol() + "' has " + features.width(),
                    "fit the pipeline again");
        }
        EstimatorOutputs out;
        try {
            out = linear ? LinearModels.add(g, features.value(), model) : TreeEnsembles.add(g, features.value(), model);
        } catch (IllegalArgumentException e) {
            throw Errors.badData("convert the Spark ML pipeline to ONNX", what + " cannot be converted: "
                    + e.getMessage(), linear ? "clear its thresholds (argmax of the probabilities is the label)"
                    : "use a model of the supported kinds: " + String.join(", ", MODELS));
        }
        out.label().ifPresent(v -> g.output(v, LABEL, OnnxGraph.INT64, -1));
        out.probability().ifPresent(v -> g.output(v, PROBABILITY, OnnxGraph.DOUBLE, -1,
                ((ClassificationModel<?, ?>) model).numClasses()));
        out.prediction().ifPresent(v -> g.output(v, PREDICTION, OnnxGraph.DOUBLE, -1));

        List<String> inputs = new ArrayList<>(stages.inputs().keySet());
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            metadata.put(FEATURES, JSON.writeValueAsString(inputs));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        runId.ifPresent(r -> metadata.put(RUN_ID, r));
        trainingSet.ifPresent(t -> metadata.put(TRAINING_SET, t));
        trainingSetVersion.ifPresent(v -> metadata.put(TRAINING_SET_VERSION, Long.toString(v)));
        metadata.put(NULL_STRING_KEY, NULL_STRING);
        byte[] bytes = g.toModel(metadata);
        return OnnxModel.load(bytes, "the ONNX conversion of Spark ML pipeline " + pipeline.uid());
    }
}
