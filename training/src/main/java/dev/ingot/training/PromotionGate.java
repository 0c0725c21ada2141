package dev.ingot.training;

import dev.ingot.core.Errors;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ModelDef.Comparison;
import dev.ingot.core.config.ModelDef.FairnessMetric;
import dev.ingot.core.config.ModelDef.GateRule;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Decides a spec's promotion gate: its {@code gate} rules and its {@code fairness.max_gap} bounds, against a
 * candidate's metrics and, for {@code champion.<metric>} rules, the current champion's. Pure: no Spark, no I/O, so
 * {@code models promote} can decide from metrics read back from the tracking store.
 */
public final class PromotionGate {
    private PromotionGate() {}

    /** Decides the gate for a training's result. */
    public static GateDecision decide(ModelDef spec, TrainingResult candidate, Optional<Map<String, Double>> champion) {
        return decide(spec, Errors.required(candidate, "PromotionGate.decide candidate").flatMetrics(), champion);
    }

    /**
     * Decides the gate from metrics in {@link TrainingResult#flatMetrics()} form ({@code auc}, {@code gap/tpr}).
     * A champion rule holds when there is no champion, or the champion has no such metric (the reason says so); a
     * candidate metric that is absent or NaN fails its rule.
     *
     * @param champion the champion's metrics, empty when no version holds the alias
     */
    public static GateDecision decide(ModelDef spec, Map<String, Double> candidate,
                                      Optional<Map<String, Double>> champion) {
        Errors.required(spec, "PromotionGate.decide spec");
        Errors.required(candidate, "PromotionGate.decide candidate");
        Errors.required(champion, "PromotionGate.decide champion");
        List<GateDecision.RuleOutcome> out = new ArrayList<>();
        for (GateRule rule : spec.gate()) {
            out.add(rule(rule, candidate, champion));
        }
        spec.fairness().ifPresent(f -> f.maxGap().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.add(gap(f.column(), e.getKey(), e.getValue(), candidate))));
        return new GateDecision(out.stream().allMatch(GateDecision.RuleOutcome::passed), out);
    }

    private static GateDecision.RuleOutcome rule(GateRule rule, Map<String, Double> candidate,
                                                 Optional<Map<String, Double>> champion) {
        String text = rule.toString();
        String metric = rule.metric().key();
        Double value = candidate.get(metric);
        if (value == null || value.isNaN()) {
            return new GateDecision.RuleOutcome(text, false, Double.NaN, OptionalDouble.empty(),
                    text + ": " + metric + " was not measured");
        }
        if (rule.champion().isPresent()) {
            String c = rule.champion().get().key();
            if (champion.isEmpty()) {
                return new GateDecision.RuleOutcome(text, true, value, OptionalDouble.empty(),
                        text + ": no champion yet, holds (" + metric + " " + num(value) + ")");
            }
            OptionalDouble bound = rule.bound(champion.get());
            if (bound.isEmpty() || Double.isNaN(bound.getAsDouble())) {
                return new GateDecision.RuleOutcome(text, true, value, OptionalDouble.empty(),
                        text + ": the champion has no " + c + " recorded, holds (" + metric + " " + num(value) + ")");
            }
            boolean ok = rule.comparison().test(value, bound.getAsDouble());
            String right = "champion." + c + " " + num(champion.get().get(c))
                    + (rule.number() == 0 ? "" : (rule.number() < 0 ? " - " : " + ") + num(Math.abs(rule.number()))
                    + " = " + num(bound.getAsDouble()));
            return new GateDecision.RuleOutcome(text, ok, value, bound,
                    compared(metric, value, rule.comparison(), ok, right));
        }
        boolean ok = rule.comparison().test(value, rule.number());
        return new GateDecision.RuleOutcome(text, ok, value, OptionalDouble.of(rule.number()),
                compared(metric, value, rule.comparison(), ok, num(rule.number())));
    }

    private static GateDecision.RuleOutcome gap(String column, FairnessMetric m, double max,
                                                Map<String, Double> candidate) {
        String text = m.key() + " gap across " + column + " <= " + num(max);
        Double value = candidate.get(TrainingResult.GAP_PREFIX + m.key());
        if (value == null || value.isNaN()) {
            return new GateDecision.RuleOutcome(text, false, Double.NaN, OptionalDouble.of(max),
                    text + ": the gap was not measured");
        }
        boolean ok = value <= max;
        return new GateDecision.RuleOutcome(text, ok, value, OptionalDouble.of(max), compared(m.key() + " gap across " + column, value, Comparison.LE, ok, num(max)));
    }

    /** {@code auc 0.73 >= 0.7} when it holds; {@code auc 0.65 < 0.7 (required >=)} when not. */
    private static String compared(String left, double value, Comparison c, boolean ok, String right) {
        if (ok) {
            return left + " " + num(value) + " " + c.symbol() + " " + right;
        }
        String negated = switch (c) {
            case GE -> "<";
            case GT -> "<=";
            case LE -> ">";
            case LT -> ">=";
        };
        return left + " " + num(value) + " " + negated + " " + right + " (required " + c.symbol() + ")";
    }

    /** Eight significant digits: enough to see a difference that decided a rule. */
    static String num(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d);
        }
        return new BigDecimal(d).round(new MathContext(8)).stripTrailingZeros().toPlainString();
    }
}
