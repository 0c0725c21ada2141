package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.Lineage;
import dev.ingot.core.Tables;
import dev.ingot.core.TimeRange;
import dev.ingot.validation.Gate;
import dev.ingot.core.config.Project;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.HistoryEntry;
import dev.ingot.features.MaterializeResult;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ingot features ...}: materialize feature views and show their history. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Feature views: materialize them into versioned Delta tables, show their history.",
        subcommands = {FeaturesCommand.Materialize.class, FeaturesCommand.History.class})
public final class FeaturesCommand {

    /** {@code features materialize}. */
    @Command(name = "materialize", mixinStandardHelpOptions = true,
            description = {"Compute feature rows for an event-time range, incrementally and idempotently: re-running a "
                    + "range replaces exactly that range, in one Delta commit per chunk.",
                    "Aggregated views get a row per entity and tick in (FROM, TO]; row-level views the events in [FROM, TO)."})
    public static final class Materialize implements Callable<Integer> {
        @Mixin
        ProjectOptions options;

        @Mixin
        Reports reports;

        @Option(names = "--view", paramLabel = "V", description = "Only this view (default: every view, upstream first).")
        String view;

        @Option(names = "--from", required = true, paramLabel = "D", description = "Start: a UTC date (2026-01-01) or instant.")
        String from;

        @Option(names = "--to", required = true, paramLabel = "D", description = "End (exclusive for events): a UTC date or instant.")
        String to;

        @Option(names = "--chunk", paramLabel = "TICKS", description = "Ticks per Delta commit (default: 92 daily, 168 hourly).")
        Integer chunk;

        @Mixin
        GpuOption gpu;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Project p = options.load();
            TimeRange range = new TimeRange(TimeArgs.parse("--from", from), TimeArgs.parse("--to", to));
            if (chunk != null) {
                FeatureStore.checkChunkSteps(chunk);
            }
            List<String> views = view == null ? null : List.of(view);
            if (view != null && !p.featureViews().containsKey(view)) {
                throw Errors.unknownName("feature view", view, p.featureViews().keySet(), p.dir() + "/feature_views");
            }
            if (p.featureViews().isEmpty()) {
                throw Errors.badArgument("--project", p.dir(), "a project with feature_views/*.yaml");
            }
            for (String v : views == null ? p.featureViewsInOrder() : views) {
                FeatureStore.checkBeforeRun(p, v, range.from(), range.to());
            }
            SparkSession spark = Sessions.open(p, "features materialize", gpu.policy());
            FeatureStore gated = FeatureStore.of(spark, p).withGate(Gate.of(spark).withReports(reports.resolve(p)));
            FeatureStore store = chunk == null ? gated : gated.withChunkSteps(chunk);
            PrintWriter out = spec.commandLine().getOut();
            String runId = Lineage.newRunId();
            for (String v : views == null ? store.viewsInOrder() : views) {
                MaterializeResult r = store.materialize(v, range.from(), range.to(), runId);
                out.println(render(r));
                out.flush();
            }
            return ExitCode.OK.code();
        }
    }

    static String render(MaterializeResult r) {
        String line = String.format(Locale.ROOT, "%s: %,d feature rows for [%s, %s) in %d chunk(s), version %d (%s), Delta version %d, %.1f s",
                r.table(), r.rowsWritten(), r.from(), r.to(), r.chunks(), r.version(), r.change(), r.deltaVersion(), r.seconds());
        if (r.gate().isEmpty()) {
            return line;
        }
        MaterializeResult.GateSummary g = r.gate().get();
        StringBuilder b = new StringBuilder(line).append(String.format(Locale.ROOT,
                "%n  quality gate %s: published, %,d rows quarantined%s, %d warnings", g.suites(), g.quarantinedRows(),
                g.quarantinedRows() > 0 ? " (in " + Tables.quarantine(r.table()) + ")" : "", g.warnings().size()));
        g.warnings().forEach(w -> b.append("\n    warning ").append(w));
        g.reports().forEach(x -> b.append("\n  Report: ").append(x));
        return b.toString();
    }

    /** {@code features history}. */
    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "Versions of a feature table: definition version, Delta version, time, rows, definition hash, source versions.")
    public static final class History implements Callable<Integer> {
        @Mixin
        ProjectOptions options;

        @Mixin
        GpuOption gpu;

        @Option(names = "--view", required = true, paramLabel = "V", description = "The feature view.")
        String view;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Project p = options.load();
            if (!p.featureViews().containsKey(view)) {
                throw Errors.unknownName("feature view", view, p.featureViews().keySet(), p.dir() + "/feature_views");
            }
            SparkSession spark = Sessions.open(p, "features history", gpu.policy());
            List<HistoryEntry> h = FeatureStore.of(spark, p).history(view);
            PrintWriter out = spec.commandLine().getOut();
            if (h.isEmpty()) {
                out.println(view + ": never materialized (run 'features materialize --view " + view + "')");
                return ExitCode.OK.code();
            }
            out.print(table(h));
            out.flush();
            return ExitCode.OK.code();
        }

        /** The history as a table whose columns are as wide as their longest cell (operations can be long). */
        static String table(List<HistoryEntry> h) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"version", "delta", "time", "operation", "rows", "definition", "range", "sources"});
            for (HistoryEntry e : h) {
                rows.add(new String[] {"v" + e.version(), Long.toString(e.deltaVersion()), e.time().toString().substring(0, 19),
                    e.operation(), String.format(Locale.ROOT, "%,d", e.rowsWritten()),
                    e.definitionHash().map(x -> x.substring(0, 12)).orElse("-"), e.range().replace("T00:00:00Z", ""),
                    e.sources()});
            }
            return TextTable.render(rows, Set.of(4)); // rows, right-aligned
        }
    }
}
