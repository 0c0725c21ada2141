package dev.ingot.training;

import dev.ingot.core.Errors;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ModelDef.FairnessMetric;
import dev.ingot.core.config.ModelDef.Metric;
import dev.ingot.training.internal.Svg;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A training's human-readable artifacts: ROC and precision-recall curves and a feature-importance chart as standalone
 * SVG, and a model card in Markdown. Pure functions of their arguments: the same result renders the same bytes.
 */
public final class Reports {
    /**
     * Lineage entries a model card always lists, "(not recorded)" until the caller fills them: the tracking run, Ingot's
     * version and git commit, Spark's version, the spine's table version, the feature tables with their versions, and
     * the data-quality status of those inputs.
     */
    public static final List<String> LINEAGE_KEYS = List.of("run_id", "ingot_version", "git_commit", "spark_version",
            "spine_version", "feature_tables", "quality_status");
    /** Bars in the importance chart by default. */
    public static final int TOP_FEATURES_DEFAULT = 20;

    private Reports() {}

    /** The test window's ROC curve, with the chance line and the AUC; empty string for a regressor. */
    public static String rocCurveSvg(TrainingResult r) {
        Errors.required(r, "Reports.rocCurveSvg result");
        if (r.roc().isEmpty()) {
            return "";
        }
        return Svg.curve(r.model() + ": ROC curve (test window)", "False positive rate", "True positive rate",
                r.roc(), true, note(r, Metric.AUC, "AUC"));
    }

    /** The test window's precision-recall curve, with the PR-AUC; empty string for a regressor. */
    public static String prCurveSvg(TrainingResult r) {
        Errors.required(r, "Reports.prCurveSvg result");
        if (r.pr().isEmpty()) {
            return "";
        }
        return Svg.curve(r.model() + ": precision-recall curve (test window)", "Recall", "Precision", r.pr(), false,
                note(r, Metric.PR_AUC, "PR-AUC"));
    }

    /** The {@code top} most important inputs as horizontal bars. */
    public static String importanceSvg(TrainingResult r, int top) {
        Errors.required(r, "Reports.importanceSvg result");
        String what = r.algorithm().linear() ? "|coefficient| on standardized inputs" : "importance (sums to 1)";
        return Svg.bars(r.model() + ": feature importance", what,
                r.importances().subList(0, Math.min(Math.max(0, top), r.importances().size())));
    }

    private static String note(TrainingResult r, Metric m, String label) {
        Double v = r.metrics().get(m);
        return v == null ? "" : label + " = " + PromotionGate.num(v);
    }

    /**
     * A model card in Markdown: what was trained on which data and windows, the metrics (test and validation), the
     * groups, the most important features, the gate's outcome and the lineage.
     *
     * @param trainingSet the table the training set was read from, when it was one
     * @param gate the gate's decision, when it was decided
     * @param lineage values for {@link #LINEAGE_KEYS} and any other entries, in the caller's order
     */
    public static String modelCard(ModelDef spec, TrainingResult r, Optional<TrainingSetRef> trainingSet,
                                   Optional<GateDecision> gate, Map<String, String> lineage) {
        Errors.required(spec, "Reports.modelCard spec");
        Errors.required(r, "Reports.modelCard result");
        Errors.required(trainingSet, "Reports.modelCard trainingSet");
        Errors.required(gate, "Reports.modelCard gate");
        Errors.required(lineage, "Reports.modelCard lineage");
        StringBuilder b = new StringBuilder();
        b.append("# Model card: ").append(r.model()).append("\n\n");
        if (!spec.description().isBlank()) {
            b.append(spec.description().strip()).append("\n\n");
        }
        b.append("| | |\n|---|---|\n");
        row(b, "algorithm", "`" + r.algorithm().key() + "` (" + r.task().name().toLowerCase(Locale.ROOT) + ")");
        row(b, "params", r.params().isEmpty() ? "Spark's defaults" : r.params().entrySet().stream()
                .map(e -> "`" + e.getKey() + "=" + e.getValue() + "`").collect(Collectors.joining(", ")));
        row(b, "seed", Long.toString(r.seed()));
        row(b, "features (" + r.features().size() + ")", r.features().stream().map(f -> "`" + f + "`")
                .collect(Collectors.joining(", ")));
        row(b, "nulls", "imputed with the " + spec.nulls().strategy().name().toLowerCase(Locale.ROOT)
                + (spec.nulls().indicators() ? ", with a `__is_null` indicator per feature that had nulls" : ""));

        b.append("\n## Data\n\n");
        b.append("- training set: ").append(trainingSet.map(t -> "`" + t.table() + "`" + (t.deltaVersion().isPresent()
                ? " (Delta version " + t.deltaVersion().getAsLong() + ")" : "")).orElse("a DataFrame (no table)"))
                .append("\n");
        b.append("- spine: `").append(spec.spine()).append("`, event time `").append(spec.timestamp())
                .append("`, label `").append(spec.label()).append("`\n");
        b.append("- split by event time (never random); rows left out for a null label or event time: ")
                .append(r.split().droppedRows()).append("\n\n");
        Split s = r.split();
        b.append("| window | event time after | event time up to | rows |\n|---|---|---|---|\n");
        b.append("| training | (first row: ").append(s.trainStart()).append(") | ").append(s.trainEnd()).append(" | ")
                .append(s.trainRows()).append(" |\n");
        s.validationStart().ifPresent(v -> b.append("| validation | ").append(v).append(" | ").append(s.testStart())
                .append(" | ").append(s.validationRows()).append(" |\n"));
        b.append("| test | ").append(s.testStart()).append(" | ").append(s.end()).append(" | ").append(s.testRows())
                .append(" |\n");

        b.append("\n## Metrics\n\n");
        boolean validation = !r.validationMetrics().isEmpty();
        b.append(validation ? "| metric | test | validation |\n|---|---|---|\n" : "| metric | test |\n|---|---|\n");
        r.metrics().forEach((m, v) -> {
            String name = m == Metric.PRECISION_AT_K ? "precision_at_" + r.precisionAtK() : m.key();
            b.append("| ").append(name).append(" | ").append(PromotionGate.num(v));
            if (validation) {
                Double vv = r.validationMetrics().get(m);
                b.append(" | ").append(vv == null ? "" : PromotionGate.num(vv));
            }
            b.append(" |\n");
        });

        r.groups().ifPresent(g -> {
            b.append("\n## Groups of `").append(g.column()).append("` (test window)\n\n");
            b.append("| group | rows | tpr | positive_rate | auc |\n|---|---|---|---|---|\n");
            g.byGroup().forEach((group, values) -> {
                b.append("| ").append(group.replace("|", "\\|")).append(" | ").append(g.rows().get(group));
                for (FairnessMetric m : FairnessMetric.values()) {
                    Double v = values.get(m);
                    b.append(" | ").append(v == null || v.isNaN() ? "n/a" : PromotionGate.num(v));
                }
                b.append(" |\n");
            });
            b.append("| **gap** | |");
            for (FairnessMetric m : FairnessMetric.values()) {
                b.append(" ").append(PromotionGate.num(g.gaps().get(m))).append(" |");
            }
            b.append("\n");
        });

        b.append("\n## Feature importance\n\n| input | importance |\n|---|---|\n");
        r.importances().stream().limit(TOP_FEATURES_DEFAULT).forEach(f -> b.append("| `").append(f.name())
                .append("` | ").append(PromotionGate.num(f.importance())).append(" |\n"));

        b.append("\n## Gate\n\n");
        if (gate.isEmpty()) {
            b.append("Not evaluated.\n");
        } else {
            GateDecision d = gate.get();
            b.append("**").append(d.passed() ? "PASSED" : "FAILED").append("**\n\n");
            if (d.outcomes().isEmpty()) {
                b.append("The spec has no gate rules.\n");
            }
            d.outcomes().forEach(o -> b.append("- ").append(o.passed() ? "pass: " : "FAIL: ").append(o.reason())
                    .append("\n"));
        }

        b.append("\n## Lineage\n\n| | |\n|---|---|\n");
        Map<String, String> all = new LinkedHashMap<>();
        LINEAGE_KEYS.forEach(k -> all.put(k, "(not recorded)"));
        all.putAll(lineage);
        all.forEach((k, v) -> row(b, k, v));
        return b.toString();
    }

    private static void row(StringBuilder b, String key, String value) {
        b.append("| ").append(key).append(" | ").append(value.replace("|", "\\|").replace("\n", " ")).append(" |\n");
    }

    /** Every report of a result, by file name: {@code roc.svg}, {@code pr.svg} (classifiers), {@code importance.svg}. */
    public static Map<String, String> charts(TrainingResult r) {
        Errors.required(r, "Reports.charts result");
        Map<String, String> out = new LinkedHashMap<>();
        if (!r.roc().isEmpty()) {
            out.put("roc.svg", rocCurveSvg(r));
            out.put("pr.svg", prCurveSvg(r));
        }
        out.put("importance.svg", importanceSvg(r, TOP_FEATURES_DEFAULT));
        return out;
    }
}
