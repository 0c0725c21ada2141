package dev.ingot.jobs.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.Tables;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.PromotionGate;
import dev.ingot.training.TrackingStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code models promote} and {@code models rollback}: moving aliases, each move (or refusal) recorded in tags. */
final class Promotions {
    /** MLflow keeps model version tag values up to 5000 characters. */
    private static final int MAX_EVENT = 5000;

    private Promotions() {}

    /** {@code models promote}. */
    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"Point an alias (default: champion) at a version when the spec's gate holds against the current "
                    + "champion and the version's training set passed its quality checks (quality.results at its "
                    + "recorded Delta version, when a suite ran on it). Otherwise exit code 1 with the reason.",
                    "Either way the decision, who made it, when, and the metrics compared are recorded in a tag "
                            + "ingot.event.<time> of the version."})
    public static final class Promote implements Callable<Integer> {
        @Mixin
        ProjectOptions options;

        @Mixin
        GpuOption gpu;

        @Option(names = "--model", required = true, paramLabel = "M", description = "The model (models/M.yaml).")
        String model;

        @Option(names = "--version", required = true, paramLabel = "N|@ALIAS",
                description = "The version to promote: its number, or @ALIAS for the version an alias points at "
                        + "(@challenger: the one train registered last, as the ingot_train DAG promotes it).")
        String version;

        @Option(names = "--alias", paramLabel = "A", defaultValue = Registry.CHAMPION,
                description = "The alias to move (default: ${DEFAULT-VALUE}).")
        String alias;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why, recorded with the promotion.")
        String reason;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Project p = options.load(SecretUse.TRACKING);
            ModelDef modelSpec = ModelsCommand.spec(p, model);
            String from = version.startsWith("@") ? version.substring(1) : null;
            if (from == null ? !version.matches("[0-9]{1,18}") || Long.parseLong(version) < 1 : !from.matches("[\\w\\-]+")) {
                throw Errors.badArgument("--version", version, "a version number, 1 or more, or @ALIAS (e.g. @challenger)");
            }
            if (!alias.matches("[\\w\\-]+") || alias.matches("[vV][0-9]+")) {
                throw Errors.badArgument("--alias", alias, "an alias of letters, digits, '_' and '-' that is not v<N> (e.g. champion)");
            }
            long t0 = System.nanoTime();
            Supplier<SparkSession> session = Registry.lazySession(p, "models promote", gpu.policy());
            PrintWriter out = spec.commandLine().getOut();
            try (TrackingStore store = Registry.open(p, "models promote", session)) {
                long number = from == null ? Long.parseLong(version) : store.versionByAlias(model, from)
                        .orElseThrow(() -> Errors.badArgument("--version", version, "an alias that " + model
                                + " has (train sets challenger; see ingot models list --model " + model + ")"))
                        .version();
                Decision d = promote(p, modelSpec, store, session, number, alias, Optional.ofNullable(reason));
                out.print(d.report());
                if (!d.promoted()) {
                    out.flush();
                    throw Errors.gateFailed("Promotion of " + model + "/v" + number + " to " + alias, d.why()
                            + " (recorded in tag " + d.eventKey() + " of v" + number + ")");
                }
                if (d.previous().isEmpty() || d.previous().getAsLong() != number) {
                    out.printf(Locale.ROOT, "%s@%s -> v%d%s by %s in %.1f s%n", model, alias, number,
                            d.previous().isPresent() ? " (was v" + d.previous().getAsLong() + ")" : "", Registry.user(),
                            (System.nanoTime() - t0) / 1e9);
                }
            }
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /**
     * What a promotion decided.
     *
     * @param promoted true when the alias points at the version now (moved, or it did already)
     * @param previous the version the alias pointed at before; the version itself when there was nothing to do
     * @param report the lines {@code models promote} prints: each gate rule and the quality check (or that there was
     *     nothing to do)
     * @param why the rules and the quality check that refused it; empty when promoted
     * @param eventKey the version tag the decision is recorded in; empty when there was nothing to do
     */
    record Decision(boolean promoted, OptionalLong previous, String report, String why, String eventKey) {}

    /**
     * Points {@code alias} of {@code spec}'s model at {@code version} when the spec's gate holds against the current
     * champion and the version's training set passed its quality checks, recording the decision (either way) in a tag
     * {@code ingot.event.<time>} of the version: {@code models promote}, which the demo runs too. A version that holds
     * the alias already is left as it is. A refusal is a decision, not an exception.
     *
     * @throws dev.ingot.core.IngotException (bad input) when the version does not exist
     */
    static Decision promote(Project p, ModelDef spec, TrackingStore store, Supplier<SparkSession> session, long version,
                            String alias, Optional<String> reason) {
        String model = spec.name();
        ModelVersion candidate = Registry.version(store, p, model, version);
        Optional<ModelVersion> current = store.versionByAlias(model, alias);
        if (current.isPresent() && current.get().version() == version) {
            return new Decision(true, OptionalLong.of(version), String.format(Locale.ROOT,
                    "%s@%s is already v%d: nothing to do%n", model, alias, version), "", "");
        }
        Optional<ModelVersion> champion = alias.equals(Registry.CHAMPION) ? current
                : store.versionByAlias(model, Registry.CHAMPION);
        Registry.View cv = Registry.view(store, candidate);
        Optional<Registry.View> chv = champion.map(c -> Registry.view(store, c));
        List<Outcome> gate = decide(spec, cv.metrics(), chv.map(Registry.View::metrics));
        Quality quality = quality(cv, session);
        boolean passed = gate.stream().allMatch(Outcome::passed) && quality.passed();

        Instant at = Instant.now();
        ObjectNode event = ModelsCommand.JSON.createObjectNode();
        event.put("action", passed ? "promoted" : "refused");
        event.put("summary", (passed ? "" : "promotion of ") + "v" + version + " to " + alias
                + current.map(c -> " (was v" + c.version() + ")").orElse(""));
        event.put("alias", alias);
        event.put("version", version);
        current.ifPresentOrElse(c -> event.put("previous_version", c.version()), () -> event.putNull("previous_version"));
        champion.ifPresentOrElse(c -> event.put("champion_version", c.version()), () -> event.putNull("champion_version"));
        event.put("by", Registry.user());
        event.put("at", at.toString());
        List<String> why = new ArrayList<>();
        gate.stream().filter(o -> !o.passed()).forEach(o -> why.add(o.reason()));
        if (!quality.passed()) {
            why.add(quality.summary());
        }
        event.put("reason", passed ? reason.orElse("gate held: " + String.join("; ",
                gate.stream().map(Outcome::reason).toList()) + "; " + quality.summary()) : String.join("; ", why));
        ArrayNode rules = event.putArray("gate");
        for (Outcome o : gate) {
            ObjectNode r = rules.addObject();
            r.put("rule", o.rule());
            r.put("passed", o.passed());
            r.put("value", o.value());
            if (o.bound().isPresent()) {
                r.put("bound", o.bound().getAsDouble());
            }
        }
        ObjectNode q = event.putObject("quality");
        q.put("passed", quality.passed());
        q.put("summary", quality.summary());
        String eventText = eventText(event);

        OptionalLong previous = current.map(c -> OptionalLong.of(c.version())).orElse(OptionalLong.empty());
        if (!passed) {
            store.setVersionTag(model, version, Registry.eventKey(at), eventText);
            return new Decision(false, previous, gateText(gate, quality), String.join("; ", why), Registry.eventKey(at));
        }
        if (alias.equals(Registry.CHAMPION)) {
            String history = current.map(c -> Registry.push(Long.toString(c.version()), Registry.history(c))).orElse("");
            if (!history.isEmpty() || !Registry.history(candidate).isEmpty()) {
                store.setVersionTag(model, version, Registry.CHAMPION_HISTORY, history);
            }
        }
        store.setAlias(model, alias, version);
        store.setVersionTag(model, version, Registry.eventKey(at), eventText);
        return new Decision(true, previous, gateText(gate, quality), "", Registry.eventKey(at));
    }

    /** {@code models rollback}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Move champion back to the version that held it before the current one (exactly: the history is "
                    + "kept in the champion's tag ingot.champion_history), record who, when and why, print how long it took.")
    public static final class Rollback implements Callable<Integer> {
        @Mixin
        ProjectOptions options;

        @Mixin
        GpuOption gpu;

        @Option(names = "--model", required = true, paramLabel = "M", description = "The model.")
        String model;

        @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "rollback",
                description = "Why, recorded with the rollback (default: ${DEFAULT-VALUE}).")
        String reason;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Project p = options.load(SecretUse.TRACKING);
            ModelsCommand.requireName(model);
            long t0 = System.nanoTime();
            PrintWriter out = spec.commandLine().getOut();
            try (TrackingStore store = Registry.open(p, "models rollback",
                    Registry.lazySession(p, "models rollback", gpu.policy()))) {
                ModelVersion current = Registry.byAlias(store, p, model, Registry.CHAMPION);
                List<String> history = Registry.history(current);
                if (history.isEmpty()) {
                    throw Errors.badArgument("--model", model, "a model whose champion replaced another: v" + current.version()
                            + " is the first champion of " + model + ", there is nothing to roll back to");
                }
                ModelVersion previous = Registry.version(store, p, model, Long.parseLong(history.get(0)));
                Instant at = Instant.now();
                ObjectNode event = ModelsCommand.JSON.createObjectNode();
                event.put("action", "rolled back");
                event.put("summary", "champion from v" + current.version() + " to v" + previous.version());
                event.put("alias", Registry.CHAMPION);
                event.put("version", previous.version());
                event.put("previous_version", current.version());
                event.put("by", Registry.user());
                event.put("at", at.toString());
                event.put("reason", reason);
                String eventText = eventText(event);
                store.setVersionTag(model, previous.version(), Registry.CHAMPION_HISTORY,
                        String.join(",", history.subList(1, history.size())));
                store.setAlias(model, Registry.CHAMPION, previous.version());
                store.setVersionTag(model, previous.version(), Registry.eventKey(at), eventText);
                store.setVersionTag(model, current.version(), Registry.eventKey(at), eventText);
                out.printf(Locale.ROOT, "%s@champion -> v%d (was v%d) by %s: %s; rolled back in %.1f s%n", model,
                        previous.version(), current.version(), Registry.user(), reason, (System.nanoTime() - t0) / 1e9);
            }
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /** One gate rule's outcome, with the values compared. */
    record Outcome(String rule, boolean passed, double value, OptionalDouble bound, String reason) {}

    /**
     * The spec's gate ({@link PromotionGate}: its rules, {@code champion.<metric>} ones against the champion's metrics,
     * and its fairness bounds) against the candidate's metrics as the tracking store holds them.
     */
    static List<Outcome> decide(ModelDef spec, Map<String, Double> candidate, Optional<Map<String, Double>> champion) {
        return PromotionGate.decide(spec, candidate, champion).outcomes().stream()
                .map(o -> new Outcome(o.rule(), o.passed(), o.value(), o.bound(), o.reason())).toList();
    }

    /** Whether the training set passed its quality checks. */
    record Quality(boolean passed, String summary) {}

    /**
     * The latest run of each suite that checked the training set at its recorded version ({@code quality.results}):
     * failed when an error-level check failed or could not be computed. No lineage or no suite run: passes, and says so.
     */
    static Quality quality(Registry.View v, Supplier<SparkSession> session) {
        if (v.trainingSet().isEmpty()) {
            return new Quality(true, "no training set recorded: no quality check applies");
        }
        return quality(v.trainingSet().get(), v.trainingSetVersion(), session);
    }

    /** As {@link #quality(Registry.View, Supplier)}, for a training set at a Delta version (any version when empty). */
    static Quality quality(String table, OptionalLong version, Supplier<SparkSession> session) {
        String at = version.isPresent() ? " at Delta version " + version.getAsLong() : "";
        SparkSession spark = session.get();
        if (!spark.catalog().tableExists(Tables.QUALITY_RESULTS.toString())) {
            return new Quality(true, "training set " + table + at + ": no quality suite ran on it");
        }
        String where = "`table` = '" + table.replace("'", "''") + "'" + (version.isPresent()
                ? " AND delta_version = " + version.getAsLong() : "");
        List<Row> rows = spark.sql("WITH checked AS (SELECT * FROM " + Tables.QUALITY_RESULTS + " WHERE " + where + "), "
                + "latest AS (SELECT suite, max_by(run_id, time) AS run_id FROM checked GROUP BY suite) "
                + "SELECT c.suite, c.check_index, c.severity, c.status, c.message FROM checked c JOIN latest l "
                + "ON c.suite = l.suite AND c.run_id = l.run_id ORDER BY c.suite, c.check_index").collectAsList();
        if (rows.isEmpty()) {
            return new Quality(true, "training set " + table + at + ": no quality suite ran on it");
        }
        List<String> failed = new ArrayList<>();
        for (Row r : rows) {
            if ("error".equals(r.getString(2)) && ("failed".equals(r.getString(3)) || "error".equals(r.getString(3)))) {
                failed.add(r.getString(0) + " checks[" + r.getInt(1) + "]: " + r.getString(4));
            }
        }
        Map<String, Long> suites = new LinkedHashMap<>();
        rows.forEach(r -> suites.merge(r.getString(0), 1L, Long::sum));
        return failed.isEmpty()
                ? new Quality(true, "training set " + table + at + " passed " + rows.size() + " checks of " + suites.keySet())
                : new Quality(false, "training set " + table + at + " failed its quality checks: " + String.join("; ", failed));
    }

    /** Compact JSON within MLflow's tag limit: the per-rule details go first when it is too long. */
    private static String eventText(ObjectNode event) {
        String text = event.toString();
        if (text.length() > MAX_EVENT) {
            event.remove("gate");
            text = event.toString();
        }
        if (text.length() > MAX_EVENT) {
            event.put("reason", event.path("reason").asText().substring(0, 1000) + "...");
            text = event.toString();
        }
        return text;
    }

    private static String gateText(List<Outcome> gate, Quality quality) {
        StringBuilder b = new StringBuilder();
        if (gate.isEmpty()) {
            b.append("  gate: the spec has no gate rules\n");
        }
        gate.forEach(o -> b.append(o.passed() ? "  PASS " : "  FAIL ").append(o.reason()).append('\n'));
        b.append(quality.passed() ? "  PASS " : "  FAIL ").append(quality.summary()).append('\n');
        return b.toString();
    }
}
