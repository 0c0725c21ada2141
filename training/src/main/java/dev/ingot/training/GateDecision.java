package dev.ingot.training;

import dev.ingot.core.Errors;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The outcome of a promotion gate: every rule with the values compared. A gate without rules passes.
 *
 * @param passed true when every rule holds
 * @param outcomes one per rule, in the spec's order (gate rules, then fairness bounds)
 */
public record GateDecision(boolean passed, List<RuleOutcome> outcomes) {
    public GateDecision {
        outcomes = List.copyOf(Errors.required(outcomes, "GateDecision.outcomes"));
    }

    /**
     * One rule's outcome.
     *
     * @param rule the rule as written, e.g. {@code auc >= champion.auc - 0.005}
     * @param passed whether it holds
     * @param value the candidate's value; NaN when it was not measured
     * @param bound the value it was compared with; empty when there was nothing to compare with (no champion)
     * @param reason one line with the values, e.g. {@code auc 0.7312 >= 0.7}
     */
    public record RuleOutcome(String rule, boolean passed, double value, OptionalDouble bound, String reason) {
        public RuleOutcome {
            Errors.required(rule, "GateDecision.RuleOutcome.rule");
            Errors.required(bound, "GateDecision.RuleOutcome.bound");
            Errors.required(reason, "GateDecision.RuleOutcome.reason");
        }
    }

    /** The reasons of the rules that failed. */
    public List<String> failures() {
        return outcomes.stream().filter(o -> !o.passed()).map(RuleOutcome::reason).toList();
    }

    /** One line per rule: {@code PASS auc 0.7312 >= 0.7}. */
    public String summary() {
        if (outcomes.isEmpty()) {
            return "no gate rules: passes";
        }
        return outcomes.stream().map(o -> (o.passed() ? "PASS " : "FAIL ") + o.reason())
                .collect(Collectors.joining("\n"));
    }
}
