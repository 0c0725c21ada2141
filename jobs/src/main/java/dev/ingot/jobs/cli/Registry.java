package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.ModelSignature;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.Metric;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.Run;
import dev.ingot.training.TrackingStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * What the {@code models} commands read from and write to the registry, and the one place that names every run tag,
 * version tag, alias and artifact path Ingot writes ({@code train}, {@code models}, the ONNX export): lineage, cost,
 * the champion's history, and the log of promotions, refusals and rollbacks.
 */
final class Registry {
    /** Version (or run) tag: the training set's {@code database.table}. */
    static final String TRAINING_SET = "ingot.training_set";
    /** Version (or run) tag: the training set's Delta version. */
    static final String TRAINING_SET_VERSION = "ingot.training_set_version";
    /** Version tags {@code metric.<key>}: a metric recorded on the version itself; it wins over the run's. */
    static final String METRIC_PREFIX = "metric.";
    /**
     * Version tag of the version holding {@code champion}: the versions that held it before, latest first, comma
     * separated. Promoting V over champion C sets V's to {@code C,<C's>}; rolling back from C to its first entry P sets
     * P's to the rest. So a rollback is exact however often promotions and rollbacks alternate: it is a stack.
     */
    static final String CHAMPION_HISTORY = "ingot.champion_history";
    /** Version tags {@code ingot.event.<UTC time>}: one per promotion, refusal or rollback touching the version. */
    static final String EVENT_PREFIX = "ingot.event.";
    /** The alias {@code models rollback} moves. */
    static final String CHAMPION = "champion";

    /** Run tag: the spine's table. */
    static final String SPINE = "ingot.spine";
    /** Run tag: the spine's Delta version when the training set was built from it. */
    static final String SPINE_VERSION = "ingot.spine_version";
    /** Run tag: the feature views of the spec, comma separated. */
    static final String FEATURE_VIEWS = "ingot.feature_views";
    /** Run tag: the feature tables joined, each {@code table@version}, when the training set was built. */
    static final String FEATURE_TABLES = "ingot.feature_tables";
    /** Run tag: Ingot's version. */
    static final String CODE_VERSION = "ingot.code_version";
    /** Run tag: the git commit Ingot was built from ({@code -dirty} when its checkout had changes; else {@code unknown}). */
    static final String CODE_COMMIT = "ingot.code_commit";
    /** Run tag: the git commit of the project directory, when it is in a git checkout. */
    static final String PROJECT_COMMIT = "ingot.project_commit";
    /** Run tag: {@code true} when files of the project directory differed from {@link #PROJECT_COMMIT}. */
    static final String PROJECT_DIRTY = "ingot.project_dirty";
    /** Run tag: what the executor CPU time cost, when {@code ingot.yaml} sets {@code cost.price_per_core_hour}. */
    static final String COST_AMOUNT = "ingot.cost.amount";
    /** Run tag: the currency of {@link #COST_AMOUNT}. */
    static final String COST_CURRENCY = "ingot.cost.currency";
    /** Run tag: the price per core-hour {@link #COST_AMOUNT} was computed with. */
    static final String COST_PRICE = "ingot.cost.price_per_core_hour";
    /** Run tag: Spark's version. */
    static final String SPARK_VERSION = "ingot.spark_version";
    /** Run tag: the seed. */
    static final String SEED = "ingot.seed";
    /** Run tag: executor CPU seconds of every task the command ran. */
    static final String CPU_SECONDS = "ingot.cost.executor_cpu_seconds";
    /** Run tag: {@code passed}, {@code failed} or {@code unchecked}: the training set's quality checks. */
    static final String QUALITY = "ingot.quality_status";
    /** The alias a new version gets. */
    static final String CHALLENGER = "challenger";
    /** The artifact folder of the Spark ML model, as versions are registered from it. */
    static final String MODEL_DIR = "model";
    /** The model card's artifact path. */
    static final String MODEL_CARD = "model_card.md";
    /**
     * Artifact path of the ONNX model logged with each run (the Spark ML model converted), relative to the run's
     * artifact root.
     */
    static final String ONNX_ARTIFACT = "onnx/model.onnx";
    /** The artifact folder holding {@link #ONNX_ARTIFACT}: the source a model made elsewhere is registered from. */
    static final String ONNX_DIR = "onnx";
    /** Run tag and version tag: the SHA-256 (hex) of the ONNX model at {@link #ONNX_ARTIFACT}. */
    static final String ONNX_SHA256 = "ingot.onnx_sha256";
    /**
     * Run tag and version tag, when {@code ingot.yaml} sets {@code signing.private_key}: the base64 Ed25519 signature of
     * {@link #ONNX_SHA256}'s hex text, which {@code score} verifies when a public key is set.
     */
    static final String ONNX_SIGNATURE = "ingot.onnx_signature";
    /**
     * Version (and run) tag of a registered ONNX model: which table columns fill each graph input, as JSON
     * ({@code {"float_input": ["age", "income"]}}). Absent: each input is filled by the column of its name.
     */
    static final String ONNX_INPUTS = "ingot.onnx_inputs";
    /** Version (and run) tag: the outputs named in the spec, as JSON ({@code {"label": "output_label"}}). */
    static final String ONNX_OUTPUTS = "ingot.onnx_outputs";
    /** Version (and run) tag: the entity-key columns {@code score} copies onto each score row, comma separated. */
    static final String SCORE_KEYS = "ingot.score_keys";
    /** Run tag: the ONNX file a model made elsewhere was registered from (relative to the project directory). */
    static final String ONNX_SOURCE = "ingot.onnx_source";
    /**
     * Artifact path of the run's score reference: the model's scores on its test window, binned
     * ({@link dev.ingot.training.ScoreReference} as JSON), which {@code score} measures drift (PSI) against.
     */
    static final String SCORE_REFERENCE_ARTIFACT = "drift/score_reference.json";
    /**
     * Run tag and version tag: {@link #SCORE_REFERENCE_ARTIFACT} when the run logged one. Absent (a model registered
     * from an ONNX file, or trained before Ingot wrote references): {@code score} measures no drift.
     */
    static final String SCORE_REFERENCE = "ingot.score_reference";

    private static final java.time.format.DateTimeFormatter EVENT_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private Registry() {}

    /**
     * Opens the project's tracking store. The local store lives in Delta tables and needs a session; the MLflow one
     * does not, so none is started for it.
     */
    static TrackingStore open(Project p, String command, Supplier<SparkSession> session) {
        DryRun.stopBefore("opening the tracking store");
        TrackingSettings t = p.settings().tracking();
        SparkSession spark = t.kind() == TrackingSettings.Kind.LOCAL ? session.get() : null;
        return TrackingStore.open(t, spark, p.settings().warehouse());
    }

    /**
     * A lazily opened session, started at most once.
     *
     * @param gpu {@code --gpu}, overriding the project's GPU policy when present
     */
    static Supplier<SparkSession> lazySession(Project p, String command, Optional<GpuPolicy> gpu) {
        SparkSession[] s = new SparkSession[1];
        return () -> {
            if (s[0] == null) {
                s[0] = Sessions.open(p, command, gpu);
            }
            return s[0];
        };
    }

    /** A model name must be a spec of the project or a model with versions; bad input otherwise. */
    static List<ModelVersion> versions(TrackingStore store, Project p, String model) {
        List<ModelVersion> vs = store.modelVersions(model);
        if (vs.isEmpty()) {
            throw Errors.badArgument("model", model, "a registered model with versions"
                    + (p.models().containsKey(model) ? " (" + model + " has a spec but was never trained: run 'ingot train --model "
                    + model + "')" : ": one of the project's models " + p.models().keySet()));
        }
        return vs;
    }

    /** One version; bad input naming the versions there are when it does not exist. */
    static ModelVersion version(TrackingStore store, Project p, String model, long version) {
        List<ModelVersion> vs = versions(store, p, model);
        return vs.stream().filter(v -> v.version() == version).findFirst().orElseThrow(() -> Errors.badArgument(
                "version", model + "/" + version, "an existing version of " + model + ": "
                        + vs.stream().map(v -> "v" + v.version()).toList()));
    }

    /** The version an alias points at; bad input when no version holds it. */
    static ModelVersion byAlias(TrackingStore store, Project p, String model, String alias) {
        versions(store, p, model);
        return store.versionByAlias(model, alias).orElseThrow(() -> Errors.badArgument("alias", model + "@" + alias,
                "an alias that points at a version of " + model + " (promote one with 'ingot models promote')"));
    }

    /** What {@code models list/show} print for a version. */
    record View(ModelVersion version, Map<String, Double> metrics, Optional<String> trainingSet,
                OptionalLong trainingSetVersion, List<String> championHistory, Map<String, String> events) {}

    /** Reads a version's metrics (its run's latest values, overridden by {@code metric.*} tags) and lineage. */
    static View view(TrackingStore store, ModelVersion v) {
        Map<String, Double> metrics = new TreeMap<>();
        Map<String, String> tags = new LinkedHashMap<>();
        try {
            // Tags and metrics only: the artifact listing is many requests on MLflow, and nothing here needs it.
            Run run = store.runData(v.runId());
            run.latestMetrics().values().forEach((Metric m) -> metrics.put(m.key(), m.value()));
            tags.putAll(run.tags());
        } catch (IngotException e) {
            // A run deleted on the server leaves the version's own tags: show those, not an error.
        }
        tags.putAll(v.tags());
        v.tags().forEach((k, val) -> {
            if (k.startsWith(METRIC_PREFIX)) {
                try {
                    metrics.put(k.substring(METRIC_PREFIX.length()), Double.parseDouble(val));
                } catch (NumberFormatException e) {
                    // not a number: it stays a plain tag
                }
            }
        });
        OptionalLong tsVersion = OptionalLong.empty();
        String tsv = tags.get(TRAINING_SET_VERSION);
        if (tsv != null && tsv.matches("[0-9]+")) {
            tsVersion = OptionalLong.of(Long.parseLong(tsv));
        }
        Map<String, String> events = new TreeMap<>();
        v.tags().forEach((k, val) -> {
            if (k.startsWith(EVENT_PREFIX)) {
                events.put(k.substring(EVENT_PREFIX.length()), val);
            }
        });
        return new View(v, metrics, Optional.ofNullable(tags.get(TRAINING_SET)), tsVersion, history(v), events);
    }

    /** The versions that held {@code champion} before this one, latest first. */
    static List<String> history(ModelVersion v) {
        String h = v.tags().getOrDefault(CHAMPION_HISTORY, "");
        return h.isBlank() ? List.of() : Arrays.stream(h.split(",")).map(String::trim).toList();
    }

    /** The tag key of an event now: {@code ingot.event.20261130T120501123Z} (sortable, unique per millisecond). */
    static String eventKey(Instant at) {
        return EVENT_PREFIX + EVENT_TIME.format(at);
    }

    /** The OS user, as who moved an alias. */
    static String user() {
        return System.getProperty("user.name", "unknown");
    }

    /** {@code a,b,c} from a head and a list. */
    static String push(String head, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(head);
        all.addAll(rest);
        return String.join(",", all);
    }

    /** Adds {@link #ONNX_SIGNATURE} of {@code sha256} to {@code tags} when the project has a private signing key. */
    static void sign(Project p, Map<String, String> tags, String sha256) {
        p.settings().signing().flatMap(s -> s.resolve().privateKey())
                .ifPresent(k -> tags.put(ONNX_SIGNATURE, ModelSignature.sign(k, sha256)));
    }
}
