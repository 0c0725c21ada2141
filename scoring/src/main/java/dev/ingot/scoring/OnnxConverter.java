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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
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
 * {@value OnnxGraph#ML_OPSET}), computing in doubles as Spark does. The result follows the conventions of
 * {@link OnnxModel}. Immutable: each {@code with*} returns a copy.
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

    /** A copy that records {@code runId} as metadata {@value OnnxModel#RUN_ID}. */
    public OnnxConverter withRunId(String runId) {
        return new OnnxConverter(Optional.of(Errors.required(runId, "OnnxConverter.runId")), trainingSet,
                trainingSetVersion);
    }

    /** A copy that records the training set's table and Delta version ({@value OnnxModel#TRAINING_SET}, ...). */
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
        List<String> outputs = new ArrayList<>();
        out.label().ifPresent(v -> {
            g.output(v, OnnxModel.LABEL, OnnxGraph.INT64, -1);
            outputs.add(OnnxModel.LABEL);
        });
        out.probability().ifPresent(v -> {
            g.output(v, OnnxModel.PROBABILITY, OnnxGraph.DOUBLE, -1, ((ClassificationModel<?, ?>) model).numClasses());
            outputs.add(OnnxModel.PROBABILITY);
        });
        out.prediction().ifPresent(v -> {
            g.output(v, OnnxModel.PREDICTION, OnnxGraph.DOUBLE, -1);
            outputs.add(OnnxModel.PREDICTION);
        });

        List<OnnxModel.Input> inputs = new ArrayList<>();
        stages.inputs().forEach((name, c) -> inputs.add(new OnnxModel.Input(name,
                c.kind() == PipelineGraph.Kind.STRING ? OnnxModel.ElementType.STRING : OnnxModel.ElementType.DOUBLE)));
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            metadata.put(OnnxModel.FEATURES,
                    JSON.writeValueAsString(inputs.stream().map(OnnxModel.Input::name).toList()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        runId.ifPresent(r -> metadata.put(OnnxModel.RUN_ID, r));
        trainingSet.ifPresent(t -> metadata.put(OnnxModel.TRAINING_SET, t));
        trainingSetVersion.ifPresent(v -> metadata.put(OnnxModel.TRAINING_SET_VERSION, Long.toString(v)));
        metadata.put(OnnxModel.NULL_STRING_KEY, OnnxModel.NULL_STRING);
        byte[] bytes = g.toModel(metadata);
        return new OnnxModel(bytes, sha256(bytes), inputs, outputs, metadata);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
