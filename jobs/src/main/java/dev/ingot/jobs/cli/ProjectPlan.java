package dev.ingot.jobs.cli;

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
import java.util.List;
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
     * @param writes tables it writes
     */
    public record Stage(String command, String what, List<String> reads, List<String> writes) {}

    /** The plan of a loaded project. */
    public static ProjectPlan of(Project p) {
        List<Stage> stages = new ArrayList<>();
        for (String name : p.featureViewsInOrder()) {
            FeatureViewDef v = p.featureViews().get(name);
            List<String> writes = new ArrayList<>();
            writes.add(Tables.FEATURES + "." + v.name() + "_v<N>");
            if (!v.checks().isEmpty()) {
                writes.add(Tables.FEATURES + "." + v.name() + "_v<N>__staging (candidate rows, kept when the gate says no)");
            }
            for (String suite : v.checks()) {
                writes.addAll(qualityTables(p.suites().get(suite), Tables.FEATURES + "." + v.name() + "_v<N>"));
            }
            writes.add(Tables.FEATURE_VIEWS.toString());
            writes.add(Tables.LINEAGE.toString());
            String kind = v.isRowLevel() ? "row-level features" : v.featureNames().size() + " features every " + v.cadence()
                    + " over windows " + windows(v);
            String gate = v.checks().isEmpty() ? "" : ", gated by " + String.join(", ", v.checks());
            stages.add(new Stage("features materialize --view " + v.name(), kind + gate,
                    List.of(describeInput(p, v.source())), dedupe(writes)));
        }
        for (CheckSuiteDef s : p.suites().values()) {
            if (s.table().isPresent()) {
                String t = s.table().get().toString();
                stages.add(new Stage("validate --table " + t + " --suite " + s.name(),
                        s.checks().size() + " checks, policy " + s.policy().name().toLowerCase(Locale.ROOT),
                        List.of(t), qualityTables(s, t)));
            }
        }
        for (ModelDef m : p.models().values()) {
            List<String> reads = new ArrayList<>();
            reads.add(m.spine().toString());
            m.features().forEach(f -> reads.add(Tables.FEATURES + "." + f.view() + "_v<N>"));
            stages.add(new Stage("training-set (model " + m.name() + ")", "point-in-time join of " + m.features().size()
                    + " feature view(s) onto " + m.spine(), reads,
                    List.of(Tables.ML + "." + m.name() + "_training_set", Tables.TRAINING_SETS.toString(), Tables.LINEAGE.toString())));
            List<String> writes = p.settings().tracking().kind() == TrackingSettings.Kind.LOCAL
                    ? List.of(Tables.RUNS.toString(), Tables.MODEL_VERSIONS.toString())
                    : List.of("MLflow " + p.settings().tracking().uri().orElse("") + " (runs, registered model " + m.name() + ")");
            stages.add(new Stage("train --model " + m.name(), m.algorithm().name().toLowerCase(Locale.ROOT)
                    + ", evaluated on the last " + m.testWindow() + m.gate().map(g -> ", gate " + g.metric().name().toLowerCase(Locale.ROOT)
                    + " >= " + g.min()).orElse(""), List.of(Tables.ML + "." + m.name() + "_training_set"), writes));
        }
        return new ProjectPlan(p, stages);
    }

    private static List<String> qualityTables(CheckSuiteDef s, String table) {
        List<String> out = new ArrayList<>(List.of(Tables.QUALITY_METRICS.toString(), Tables.QUALITY_RESULTS.toString()));
        if (s != null && s.policy() == CheckSuiteDef.Policy.QUARANTINE) {
            String t = table.substring(table.indexOf('.') + 1);
            out.add(Tables.QUALITY + "." + t + "__quarantine");
        }
        return out;
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

    private static List<String> dedupe(List<String> l) {
        return List.copyOf(new LinkedHashSet<>(l));
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
        }
        if (stages.isEmpty()) {
            b.append("  (none: add feature_views/, checks/ or models/)\n");
        }
        b.append("\nNo Spark job was started. <N> is the view's definition version, decided when it is materialized.\n");
        return b.toString();
    }

    private static String catalog(CatalogSettings c, String warehouse) {
        return switch (c.metastore()) {
            case EMBEDDED -> "embedded Hive metastore (" + warehouse + "/metastore_db)";
            case JDBC -> "Hive metastore over JDBC (" + dev.ingot.core.Secrets.redact(c.jdbcUrl().orElse("")) + ")";
            case CLUSTER -> "the cluster's metastore";
        };
    }
}
