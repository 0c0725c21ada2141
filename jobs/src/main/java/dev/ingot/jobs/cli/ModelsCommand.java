package dev.ingot.jobs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.Tables;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ingot models ...}: the registry's versions, metrics, aliases and lineage; promotion and rollback. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Registered models: list and show versions (metrics, aliases, lineage), promote a version through "
                + "its spec's gate, roll the champion back, compare the champion with its shadow on scored rows. Reads "
                + "the project's tracking backend (local or MLflow).",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Show.class, Promotions.Promote.class,
                Promotions.Rollback.class, ModelRegistration.Register.class, ModelsCommand.Compare.class})
public final class ModelsCommand {
    private static final Pattern REF = Pattern.compile("([A-Za-z0-9_][A-Za-z0-9_.\\-]*)(?:/([0-9]+)|@([\\w\\-]+))?");

    private ModelsCommand() {}

    /** Output formats. */
    enum Format { TABLE, JSON }

    /** {@code --format table|json}. */
    public static final class FormatOption {
        @Option(names = "--format", paramLabel = "table|json", defaultValue = "table",
                description = "Output format (default: ${DEFAULT-VALUE}).")
        Format format;
    }

    /** {@code models list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every version of the project's models (or one model): aliases, creation, run, training set, metrics.")
    public static final class ListVersions implements Callable<Integer> {
        @Mixin
        ProjectOptions options;

        @Mixin
        GpuOption gpu;

        @Option(names = "--model", paramLabel = "M", description = "Only this model (default: every model of models/).")
        String model;

        @Mixin
        FormatOption output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Project p = options.load(SecretUse.TRACKING);
            if (model != null) {
                requireName(model);
            } else if (p.models().isEmpty() && p.onnxModels().isEmpty()) {
                throw Errors.badArgument("--project", p.dir(), "a project with models/*.yaml (or name one with --model)");
            }
            List<String> names = model != null ? List.of(model)
                    : new TreeSet<>(concat(p.models().keySet(), p.onnxModels().keySet())).stream().toList();
            Supplier<SparkSession> session = Registry.lazySession(p, "models list", gpu.policy());
            PrintWriter out = spec.commandLine().getOut();
            try (TrackingStore store = Registry.open(p, "models list", session)) {
                List<Registry.View> views = new ArrayList<>();
                List<String> untrained = new ArrayList<>();
                for (String m : names) {
                    List<ModelVersion> vs = model != null ? Registry.versions(store, p, m) : store.modelVersions(m);
                    if (vs.isEmpty()) {
                        untrained.add(m);
                    }
                    vs.forEach(v -> views.add(Registry.view(store, v)));
                }
                if (output.format == Format.JSON) {
                    ObjectNode root = JSON.createObjectNode();
                    ArrayNode arr = root.putArray("versions");
                    views.forEach(v -> arr.add(json(v)));
                    ArrayNode none = root.putArray("untrained");
                    untrained.forEach(none::add);
                    out.println(write(root));
                } else {
                    out.print(listTable(views));
                    untrained.forEach(m -> out.println(m + ": no versions yet (run 'ingot " + (p.onnxModels().containsKey(m)
                            ? "models register" : "train") + " --model " + m + "')"));
                }
            }
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /** {@code models show}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One version: M (the champion, else the latest), M/N, or M@alias. Metrics, aliases, lineage, "
                    + "the champion's history and the promotions, refusals and rollbacks recorded on it.")
    public static final class Show implements Callable<Integer> {
        @Mixin
        ProjectOptions options;

        @Mixin
        GpuOption gpu;

        @Parameters(index = "0", paramLabel = "M[/N|@ALIAS]", description = "The model, a version of it, or an alias.")
        String ref;

        @Mixin
        FormatOption output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Project p = options.load(SecretUse.TRACKING);
            Matcher m = REF.matcher(ref);
            if (!m.matches()) {
                throw Errors.badArgument("M[/N|@ALIAS]", ref, "a model name, NAME/VERSION (fraud/3) or NAME@ALIAS (fraud@champion)");
            }
            String name = m.group(1);
            PrintWriter out = spec.commandLine().getOut();
            try (TrackingStore store = Registry.open(p, "models show",
                    Registry.lazySession(p, "models show", gpu.policy()))) {
                ModelVersion v;
                if (m.group(2) != null) {
                    v = Registry.version(store, p, name, Long.parseLong(m.group(2)));
                } else if (m.group(3) != null) {
                    v = Registry.byAlias(store, p, name, m.group(3));
                } else {
                    List<ModelVersion> vs = Registry.versions(store, p, name);
                    v = store.versionByAlias(name, Registry.CHAMPION).orElse(vs.get(vs.size() - 1));
                }
                Registry.View view = Registry.view(store, v);
                out.print(output.format == Format.JSON ? write(json(view)) + "\n" : showText(view));
            }
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /** {@code models compare}. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = {"The main model against its shadow on one date of scores.<NAME> (written by 'ingot score "
                    + "--shadow ALIAS'): label agreement and the confusion table of main against shadow labels, and "
                    + "the positive-class probability (or prediction) of each: mean, p50, p90, p99, mean and max "
                    + "absolute difference, Kolmogorov-Smirnov statistic, and PSI over 10 equal-width bins.",
                    "Reads the scores table only; writes nothing."})
    public static final class Compare implements Callable<Integer> {
        @Mixin
        ProjectOptions options;

        @Mixin
        GpuOption gpu;

        @Option(names = "--scores", required = true, paramLabel = "NAME",
                description = "The scores table: scores.NAME (the --out of 'ingot score').")
        String scores;

        @Option(names = "--date", paramLabel = "YYYY-MM-DD",
                description = "The scoring date (default: the latest date with shadow scores).")
        String date;

        @Mixin
        FormatOption output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Project p = options.load();
            Tables.scores(scores);
            Optional<java.time.LocalDate> day = Optional.ofNullable(date).map(d -> TimeArgs.date("--date", d));
            SparkSession spark = Sessions.open(p, "models compare", gpu.policy());
            PrintWriter out = spec.commandLine().getOut();
            ScoreComparison c = ScoreComparison.of(spark, scores, day);
            out.print(output.format == Format.JSON ? write(c.toJson()) + "\n" : c.summary());
            out.flush();
            return ExitCode.OK.code();
        }
    }

    private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static void requireName(String model) {
        if (!REF.matcher(model).matches() || model.contains("/") || model.contains("@")) {
            throw Errors.badArgument("--model", model, "a model name (letters, digits, '_', '-', '.')");
        }
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static String write(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode json(Registry.View view) {
        ModelVersion v = view.version();
        ObjectNode o = JSON.createObjectNode();
        o.put("model", v.model());
        o.put("version", v.version());
        ArrayNode aliases = o.putArray("aliases");
        v.aliases().forEach(aliases::add);
        o.put("created", v.created().toString());
        o.put("run_id", v.runId());
        o.put("source", v.source());
        o.put("description", v.description());
        ObjectNode metrics = o.putObject("metrics");
        view.metrics().forEach(metrics::put);
        ObjectNode lineage = o.putObject("lineage");
        lineage.put("run_id", v.runId());
        view.trainingSet().ifPresentOrElse(t -> lineage.put("training_set", t), () -> lineage.putNull("training_set"));
        if (view.trainingSetVersion().isPresent()) {
            lineage.put("training_set_version", view.trainingSetVersion().getAsLong());
        } else {
            lineage.putNull("training_set_version");
        }
        ArrayNode history = o.putArray("champion_history");
        view.championHistory().forEach(h -> history.add(Long.parseLong(h)));
        ObjectNode events = o.putObject("events");
        view.events().forEach((k, e) -> {
            try {
                events.set(k, JSON.readTree(e));
            } catch (JsonProcessingException ex) {
                events.put(k, e);
            }
        });
        ObjectNode tags = o.putObject("tags");
        v.tags().forEach((k, t) -> {
            if (!k.startsWith(Registry.EVENT_PREFIX)) {
                tags.put(k, t);
            }
        });
        return o;
    }

    /** Metrics without a {@code /} (not per group, not of the validation window) get a column in {@code list}. */
    static String listTable(List<Registry.View> views) {
        TreeSet<String> keys = new TreeSet<>();
        views.forEach(v -> v.metrics().keySet().stream().filter(k -> !k.contains("/")).forEach(keys::add));
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("model", "version", "aliases", "created", "run", "training set"));
        header.addAll(keys);
        rows.add(header);
        for (Registry.View v : views) {
            List<String> r = new ArrayList<>(List.of(v.version().model(), "v" + v.version().version(),
                    v.version().aliases().isEmpty() ? "-" : String.join(",", v.version().aliases()),
                    time(v.version().created()), v.version().runId(), trainingSet(v)));
            keys.forEach(k -> r.add(Optional.ofNullable(v.metrics().get(k)).map(ModelsCommand::num).orElse("-")));
            rows.add(r);
        }
        return align(rows);
    }

    static String showText(Registry.View view) {
        ModelVersion v = view.version();
        StringBuilder b = new StringBuilder();
        List<List<String>> head = new ArrayList<>();
        head.add(List.of("model", v.model()));
        head.add(List.of("version", "v" + v.version()));
        head.add(List.of("aliases", v.aliases().isEmpty() ? "-" : String.join(", ", v.aliases())));
        head.add(List.of("created", time(v.created())));
        head.add(List.of("run", v.runId()));
        head.add(List.of("training set", trainingSet(view)));
        head.add(List.of("source", v.source()));
        if (!v.description().isEmpty()) {
            head.add(List.of("description", v.description()));
        }
        if (!view.championHistory().isEmpty()) {
            head.add(List.of("champion before", view.championHistory().stream().map(h -> "v" + h).toList().toString()));
        }
        b.append(align(head));
        b.append("metrics:\n");
        if (view.metrics().isEmpty()) {
            b.append("  (none recorded)\n");
        } else {
            List<List<String>> rows = new ArrayList<>();
            view.metrics().forEach((k, x) -> rows.add(List.of("  " + k, num(x))));
            b.append(align(rows));
        }
        List<List<String>> tags = new ArrayList<>();
        v.tags().forEach((k, t) -> {
            if (!k.startsWith(Registry.EVENT_PREFIX) && !k.startsWith(Registry.METRIC_PREFIX)) {
                tags.add(List.of("  " + k, t));
            }
        });
        if (!tags.isEmpty()) {
            b.append("tags:\n").append(align(tags));
        }
        if (!view.events().isEmpty()) {
            b.append("promotions and rollbacks:\n");
            view.events().forEach((k, e) -> b.append("  ").append(eventLine(e)).append('\n'));
        }
        return b.toString();
    }

    /** One line of an event tag: {@code 2026-... promoted to champion by alice: ...}. */
    static String eventLine(String event) {
        try {
            JsonNode e = JSON.readTree(event);
            return e.path("at").asText() + " " + e.path("action").asText() + " " + e.path("summary").asText()
                    + " by " + e.path("by").asText() + (e.hasNonNull("reason") ? ": " + e.path("reason").asText() : "");
        } catch (JsonProcessingException ex) {
            return event;
        }
    }

    private static String trainingSet(Registry.View v) {
        return v.trainingSet().map(t -> t + (v.trainingSetVersion().isPresent() ? " @ Delta v" + v.trainingSetVersion().getAsLong() : ""))
                .orElse("-");
    }

    private static String time(Instant t) {
        String s = t.toString();
        return s.length() >= 19 ? s.substring(0, 19).replace('T', ' ') : s;
    }

    static String num(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d);
        }
        return d == Math.rint(d) && Math.abs(d) < 1e12 ? String.format(Locale.ROOT, "%,d", (long) d)
                : String.format(Locale.ROOT, "%.4f", d);
    }

    /** Columns padded to their widest cell, two spaces apart; trailing spaces trimmed. */
    static String align(List<List<String>> rows) {
        int cols = rows.stream().mapToInt(List::size).max().orElse(0);
        int[] w = new int[cols];
        rows.forEach(r -> {
            for (int i = 0; i < r.size(); i++) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        });
        StringBuilder b = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(String.format(Locale.ROOT, "%-" + w[i] + "s", r.get(i)));
                if (i < r.size() - 1) {
                    line.append("  ");
                }
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /** The spec of a model named on the command line; bad input listing the project's models when there is none. */
    static ModelDef spec(Project p, String model) {
        ModelDef spec = p.models().get(model);
        if (spec == null) {
            throw Errors.unknownName("model", model, p.models().keySet(), p.dir() + "/models");
        }
        return spec;
    }
}
