package dev.ingot.jobs.cli;

import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.SourceDef;
import dev.ingot.core.config.TrackingSettings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;

/**
 * What a project would run, in order, and which tables each stage reads and writes. Computed from the definitions
 * alone: no Spark.
 *
 * @param project the project
 * @param stages the stages, in the order a full run takes them
 */
public record ProjectPlan(Project project, List<Stage> stages) {

    /**
     * One stage.
     *
     * @param command the Ingot command that runs it
     * @param what what it does, in a few words
     * @param reads tables or sources it reads
     * @param writes tables every run of it writes ({@value Tables#ANY_VERSION} stands for a view's definition
     *     version, decided when it is materialized)
     * @param mayWrite tables it writes only in some runs, each with when
     */
    public record Stage(String command, String what, List<String> reads, List<String> writes, Map<String, String> mayWrite) {
        public Stage {
            reads = List.copyOf(reads);
            writes = List.copyOf(new LinkedHashSet<>(writes));
            mayWrite = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(mayWrite));
        }
    }

    /** The plan of a loaded project. */
    public static ProjectPlan of(Project p) {
        List<Stage> stages = new ArrayList<>();
        for (String name : p.featureViewsInOrder()) {
            stages.add(materialize(p, p.featureViews().get(name)));
        }
        for (CheckSuiteDef s : p.suites().values()) {
            if (s.table().isPresent()) {
                String t = s.table().get().toString();
                // validate records metrics and outcomes; it never moves rows, so it writes no quarantine table.
                stages.add(new Stage("validate --table " + t + " --suite " + s.name(),
                        s.checks().size() + " checks, policy " + s.policy().name().toLowerCase(Locale.ROOT),
                        List.of(t), List.of(Tables.QUALITY_METRICS.toString(), Tables.QUALITY_RESULTS.toString()), Map.of()));
            }
        }
        for (ModelDef m : p.models().values()) {
            List<String> reads = new ArrayList<>();
            reads.add(m.spine().toString());
            m.features().forEach(f -> reads.add(Tables.Patterns.featureTable(f.view())));
            String trainingSet = Tables.trainingSet(m.name()).toString();
            stages.add(new Stage("training-set (model " + m.name() + ")", "point-in-time join of " + m.features().size()
                    + " feature view(s) onto " + m.spine(), reads,
                    List.of(trainingSet, Tables.TRAINING_SETS.toString(), Tables.LINEAGE.toString()), Map.of()));
            List<String> writes = p.settings().tracking().kind() == TrackingSettings.Kind.LOCAL
                    ? List.of(Tables.RUNS.toString(), Tables.MODEL_VERSIONS.toString())
                    : List.of("MLflow " + p.settings().tracking().uri().orElse("") + " (runs, registered model " + m.name() + ")");
            stages.add(new Stage("train --model " + m.name(), m.algorithm().key()
                    + ", evaluated on the last " + m.testWindow() + (m.gate().isEmpty() ? ""
                    : ", gate " + String.join(" and ", m.gate().stream().map(Object::toString).toList())), List.of(trainingSet), writes, Map.of()));
        }
        // Every command that starts Spark records its run (JobRuns).
        return new ProjectPlan(p, stages.stream().map(s -> new Stage(s.command(), s.what(), s.reads(),
                java.util.stream.Stream.concat(s.writes().stream(), java.util.stream.Stream.of(Tables.JOB_RUNS.toString()))
                        .toList(), s.mayWrite())).toList());
    }

    /** What {@code features materialize} writes for one view (Materializer, its gate and the registry). */
    private static Stage materialize(Project p, FeatureViewDef v) {
        List<String> writes = new ArrayList<>();
        Map<String, String> mayWrite = new LinkedHashMap<>();
        writes.add(Tables.Patterns.featureTable(v.name()));
        if (!v.isRowLevel()) {
            writes.add(Tables.Patterns.tiles(v.name()));
        }
        if (!v.checks().isEmpty()) {
            writes.add(Tables.QUALITY_METRICS.toString());
            writes.add(Tables.QUALITY_RESULTS.toString());
            mayWrite.put(Tables.Patterns.staging(v.name()), "candidate rows, kept when the gate says no");
            boolean quarantines = v.checks().stream().map(p.suites()::get)
                    .anyMatch(s -> s != null && s.policy() == CheckSuiteDef.Policy.QUARANTINE);
            if (quarantines) {
                mayWrite.put(Tables.Patterns.quarantine(v.name()), "rows that fail row-level checks");
            }
        }
        writes.add(Tables.LINEAGE.toString());
        mayWrite.put(Tables.FEATURE_VIEWS.toString(), "when the definition is new or changed");
        String kind = v.isRowLevel() ? "row-level features" : v.featureNames().size() + " features every " + v.cadence()
                + " over windows " + windows(v);
        String gate = v.checks().isEmpty() ? "" : ", gated by " + String.join(", ", v.checks());
        return new Stage("features materialize --view " + v.name(), kind + gate, List.of(describeInput(p, v.source())),
                writes, mayWrite);
    }

    private static String windows(FeatureViewDef v) {
        Set<String> ws = new LinkedHashSet<>();
        v.aggregations().stream().flatMap(a -> a.windows().stream())
                .sorted().forEach(w -> ws.add(w.text()));
        return String.join("/", ws);
    }

    private static String describeInput(Project p, String name) {
        SourceDef s = p.sources().get(name);
        if (s == null) {
            return "feature view " + name;
        }
        return s.table().map(TableName::toString)
                .orElseGet(() -> s.path().orElseThrow() + " (" + s.format().name().toLowerCase(Locale.ROOT) + ")");
    }

    /** The plan as text for a terminal. */
    public String render() {
        StringBuilder b = new StringBuilder();
        var s = project.settings();
        b.append("Project ").append(s.name()).append(" (").append(project.dir()).append(")\n");
        b.append("  warehouse: ").append(s.warehouse()).append('\n');
        b.append("  catalog:   ").append(catalog(s.catalog(), s.warehouse())).append('\n');
        b.append("  tracking:  ").append(s.tracking().kind() == TrackingSettings.Kind.LOCAL
                ? "local (" + Tables.RUNS + ", " + Tables.MODEL_VERSIONS + ")"
                : "MLflow " + s.tracking().uri().orElse("")).append('\n');
        b.append("  gpu:       ").append(s.gpu().name().toLowerCase(Locale.ROOT)).append('\n');
        b.append("\nSources (").append(project.sources().size()).append(")\n");
        for (SourceDef src : project.sources().values()) {
            b.append(String.format(Locale.ROOT, "  %-22s %s, event time %s%n", src.name(),
                    describeInput(project, src.name()), src.eventTime()));
        }
        b.append("\nStages (").append(stages.size()).append(")\n");
        int i = 1;
        for (Stage st : stages) {
            b.append(String.format(Locale.ROOT, "  %d. %s%n", i++, st.command()));
            b.append("       ").append(st.what()).append('\n');
            b.append("       reads:  ").append(String.join(", ", st.reads())).append('\n');
            b.append("       writes: ").append(String.join(", ", st.writes())).append('\n');
            if (!st.mayWrite().isEmpty()) {
                b.append("       may write: ").append(String.join(", ", st.mayWrite().entrySet().stream()
                        .map(e -> e.getKey() + " (" + e.getValue() + ")").toList())).append('\n');
            }
        }
        if (stages.isEmpty()) {
            b.append("  (none: add feature_views/, checks/ or models/)\n");
        }
        b.append("\nNo Spark job was started. " + Tables.ANY_VERSION + " is the view's definition version, decided when it is materialized.\n");
        return b.toString();
    }

    private static String catalog(CatalogSettings c, Location warehouse) {
        return switch (c.metastore()) {
            case EMBEDDED -> "embedded Hive metastore (" + warehouse.resolve("metastore_db") + ")";
            case JDBC -> "Hive metastore over JDBC (" + dev.ingot.core.Secrets.redact(c.jdbcUrl().orElse("")) + ")";
            case CLUSTER -> "the cluster's metastore";
        };
    }
}
