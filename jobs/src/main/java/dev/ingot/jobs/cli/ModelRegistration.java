package dev.ingot.jobs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.Lineage;
import dev.ingot.core.config.OnnxModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import dev.ingot.scoring.InputBinding;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.scoring.OutputBinding;
import dev.ingot.scoring.Scorer;
import dev.ingot.training.LogBatch;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.RunInfo;
import dev.ingot.training.RunStatus;
import dev.ingot.training.TrackingStore;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code models register}: a model made elsewhere (an ONNX file named by {@code models/<name>.yaml}) into the
 * registry, and the binding between its inputs and table columns that {@code score} reads back.
 */
final class ModelRegistration {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelRegistration() {}

    /** {@code models register}. */
    @Command(name = "register", mixinStandardHelpOptions = true,
            description = {"Register a model made elsewhere: the ONNX file named by models/M.yaml (onnx:) is checked "
                    + "(ONNX Runtime loads it; the spec's inputs and outputs fit it), uploaded as artifact "
                    + Registry.ONNX_ARTIFACT + " of a run in the project's experiment with its SHA-256, and "
                    + "registered as a new version with alias challenger.",
                    "Registering the same file again reports its version and changes nothing."})
    public static final class Register implements Callable<Integer> {
        @Mixin
        ProjectOptions options;

        @Mixin
        GpuOption gpu;

        @Option(names = "--model", required = true, paramLabel = "M", description = "The model (models/M.yaml with onnx:).")
        String model;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Project p = options.load(SecretUse.TRACKING, SecretUse.SIGNING);
            ModelsCommand.requireName(model);
            OnnxModelDef def = p.onnxModels().get(model);
            if (def == null) {
                if (p.models().containsKey(model)) {
                    throw Errors.badArgument("--model", model, "a model made elsewhere (a spec with 'onnx:'); "
                            + p.models().get(model).file() + " is trained by Ingot: run 'ingot train --model " + model + "'");
                }
                throw Errors.unknownName("model made elsewhere", model, p.onnxModels().keySet(), p.dir() + "/models",
                        "add models/" + model + ".yaml with 'onnx: <path of the .onnx file>'");
            }
            OnnxModel onnx = OnnxModel.read(p.dir().resolve(def.onnx()));
            Scorer scorer = scorer(onnx, def.inputs(), outputs(def));
            List<String> problems = scorer.modelProblems();
            if (!problems.isEmpty()) {
                throw Errors.invalidConfig(def.file(), "inputs", String.join("; ", problems),
                        "bind each input of the model (" + onnx.inputs() + ") to columns, and name outputs it has ("
                                + onnx.outputs() + ")");
            }
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put(Registry.ONNX_SHA256, onnx.sha256());
            Registry.sign(p, tags, onnx.sha256());
            tags.put(Registry.ONNX_INPUTS, json(scorer.binding().columns()));
            tags.put(Registry.ONNX_OUTPUTS, json(outputsMap(outputs(def))));
            if (!def.keys().isEmpty()) {
                tags.put(Registry.SCORE_KEYS, String.join(",", def.keys()));
            }
            PrintWriter out = spec.commandLine().getOut();
            try (TrackingStore store = Registry.open(p, "models register",
                    Registry.lazySession(p, "models register", gpu.policy()))) {
                String experiment = p.settings().tracking().experiment().orElse(p.settings().name());
                // The run key is the model and the file's digest: the same file registered again is the same run.
                RunInfo run = store.startRun(store.experiment(experiment).id(), model + "@onnx@" + onnx.sha256(),
                        model + "-register", Map.of());
                Optional<ModelVersion> earlier = store.modelVersions(model).stream()
                        .filter(v -> v.runId().equals(run.runId())).findFirst();
                ModelVersion v;
                if (earlier.isPresent()) {
                    v = earlier.get();
                } else {
                    try {
                        Map<String, String> runTags = new LinkedHashMap<>(tags);
                        runTags.put(Registry.ONNX_SOURCE, def.onnx());
                        runTags.put(Registry.CODE_VERSION, Lineage.codeVersion());
                        store.log(run.runId(), LogBatch.empty().withTags(runTags));
                        store.uploadArtifact(run.runId(), Registry.ONNX_ARTIFACT, onnx.bytes());
                        store.endRun(run.runId(), RunStatus.FINISHED);
                    } catch (RuntimeException e) {
                        store.endRun(run.runId(), RunStatus.FAILED);
                        throw e;
                    }
                    store.registeredModel(model, def.description());
                    v = store.createModelVersionOnce(model, run.runId(), Registry.ONNX_DIR, tags, def.description());
                }
                store.setAlias(model, Registry.CHALLENGER, v.version());
                out.printf("%s v%d (alias %s), run %s%s%n", model, v.version(), Registry.CHALLENGER, run.runId(),
                        earlier.isPresent() ? " (this file was registered before: its version, unchanged)" : "");
                out.printf("%s: %s, sha256 %s (%,d bytes)%n", def.onnx(), Registry.ONNX_ARTIFACT, onnx.sha256(),
                        onnx.bytes().length);
                scorer.binding().columns().forEach((in, cols) -> out.printf("  input %s <- %s%n", onnx.input(in)
                        .map(Object::toString).orElse(in), String.join(", ", cols)));
                scorer.outputs().label().ifPresent(o -> out.printf("  label <- output %s%n", o));
                scorer.outputs().probability().ifPresent(o -> out.printf("  probabilities <- output %s%n", o));
                scorer.outputs().prediction().ifPresent(o -> out.printf("  prediction <- output %s%n", o));
            }
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /** The spec's outputs, as a binding (empty names are found by name when scoring). */
    static OutputBinding outputs(OnnxModelDef def) {
        return new OutputBinding(def.label(), def.probability(), def.prediction());
    }

    /** A scorer of the model with a binding (empty: each input from the column of its name) and named outputs. */
    static Scorer scorer(OnnxModel onnx, Map<String, List<String>> inputs, OutputBinding outputs) {
        Scorer s = Scorer.of(onnx).withOutputs(outputs);
        return inputs.isEmpty() ? s : s.withBinding(new InputBinding(inputs));
    }

    static Map<String, String> outputsMap(OutputBinding o) {
        Map<String, String> m = new LinkedHashMap<>();
        o.label().ifPresent(x -> m.put("label", x));
        o.probability().ifPresent(x -> m.put("probability", x));
        o.prediction().ifPresent(x -> m.put("prediction", x));
        return m;
    }

    /** The binding recorded in a version's {@link Registry#ONNX_INPUTS} tag; empty when there is none. */
    static Map<String, List<String>> inputs(String json) {
        try {
            return json == null ? Map.of() : JSON.readValue(json, new TypeReference<LinkedHashMap<String, List<String>>>() {});
        } catch (JsonProcessingException e) {
            throw Errors.badData("read the input binding of a registered model", "its tag " + Registry.ONNX_INPUTS
                    + " is not JSON (" + json + ")", "register the model again with 'ingot models register'");
        }
    }

    /** The outputs recorded in a version's {@link Registry#ONNX_OUTPUTS} tag; none named when there is none. */
    static OutputBinding outputs(String json) {
        if (json == null) {
            return OutputBinding.none();
        }
        try {
            Map<String, String> m = JSON.readValue(json, new TypeReference<Map<String, String>>() {});
            return new OutputBinding(Optional.ofNullable(m.get("label")), Optional.ofNullable(m.get("probability")),
                    Optional.ofNullable(m.get("prediction")));
        } catch (JsonProcessingException e) {
            throw Errors.badData("read the outputs of a registered model", "its tag " + Registry.ONNX_OUTPUTS
                    + " is not JSON (" + json + ")", "register the model again with 'ingot models register'");
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
