package dev.ingot.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ModelDef.Comparison;
import dev.ingot.core.config.ModelDef.FairnessMetric;
import dev.ingot.core.config.ModelDef.GateRule;
import dev.ingot.core.config.ModelDef.Metric;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class PromotionGateTest {
    private static final List<GateRule> RULES = List.of(
            GateRule.parse("auc >= 0.70"),
            GateRule.parse("auc >= champion.auc - 0.005"),
            GateRule.parse("log_loss <= champion.log_loss + 0.02"));
    private static final ModelDef SPEC = TrainingData.spec(ModelDef.Algorithm.GBT_CLASSIFIER, Map.of(),
            Optional.empty(), Optional.of(new ModelDef.Fairness("segment", Map.of(FairnessMetric.TPR, 0.05))), RULES);

    @Test
    void rulesParseIntoMetricComparisonAndChampionOffset() {
        assertThat(GateRule.parse("auc >= 0.70"))
                .isEqualTo(new GateRule(Metric.AUC, Comparison.GE, Optional.empty(), 0.70));
        assertThat(GateRule.parse(" pr_auc>champion.pr_auc-0.01 "))
                .isEqualTo(new GateRule(Metric.PR_AUC, Comparison.GT, Optional.of(Metric.PR_AUC), -0.01));
        assertThat(GateRule.parse("rmse < champion.rmse"))
                .isEqualTo(new GateRule(Metric.RMSE, Comparison.LT, Optional.of(Metric.RMSE), 0));
        assertThat(GateRule.parse("r2 >= -0.5").number()).isEqualTo(-0.5);
        assertThat(GateRule.parse("log_loss <= champion.log_loss + 0.02")).hasToString("log_loss <= champion.log_loss + 0.02");
        for (String bad : List.of("auc", "auc >= ", "auc = 0.7", "auc >= 0.7 and f1 >= 0.5", "auc >= champion",
                "auc >= champion.auc * 2", "AUC >= 0.7", "recall >= 0.5", "auc >= champion.auc - x")) {
            assertThatThrownBy(() -> GateRule.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(GateRule.parse("auc >= champion.auc - 0.005").bound(Map.of("auc", 0.8)))
                .hasValueCloseTo(0.795, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(GateRule.parse("auc >= champion.auc").bound(Map.of())).isEmpty();
    }

    @Test
    void aCandidateThatBeatsTheBarAndTheChampionPasses() {
        GateDecision d = PromotionGate.decide(SPEC, Map.of("auc", 0.78, "log_loss", 0.41, "gap/tpr", 0.03),
                Optional.of(Map.of("auc", 0.783, "log_loss", 0.40)));

        assertThat(d.passed()).as(d.summary()).isTrue();
        assertThat(d.outcomes()).extracting(GateDecision.RuleOutcome::rule).containsExactly("auc >= 0.7",
                "auc >= champion.auc - 0.005", "log_loss <= champion.log_loss + 0.02", "tpr gap across segment <= 0.05");
        assertThat(d.outcomes().get(1).reason()).isEqualTo("auc 0.78 >= champion.auc 0.783 - 0.005 = 0.778");
        assertThat(d.outcomes().get(1).bound().getAsDouble()).isEqualTo(0.783 - 0.005);
        assertThat(d.outcomes().get(3).reason()).isEqualTo("tpr gap across segment 0.03 <= 0.05");
        assertThat(d.failures()).isEmpty();
    }

    @Test
    void eachFailingRuleSaysWhichValuesWereCompared() {
        GateDecision d = PromotionGate.decide(SPEC, Map.of("auc", 0.69, "log_loss", 0.45, "gap/tpr", 0.08),
                Optional.of(Map.of("auc", 0.75, "log_loss", 0.40)));

        assertThat(d.passed()).isFalse();
        assertThat(d.failures()).containsExactly(
                "auc 0.69 < 0.7 (required >=)",
                "auc 0.69 < champion.auc 0.75 - 0.005 = 0.745 (required >=)",
                "log_loss 0.45 > champion.log_loss 0.4 + 0.02 = 0.42 (required <=)",
                "tpr gap across segment 0.08 > 0.05 (required <=)");
        assertThat(d.summary()).startsWith("FAIL auc 0.69 < 0.7 (required >=)\n");
    }

    @Test
    void withoutAChampionTheChampionRulesHoldAndSaySo() {
        GateDecision d = PromotionGate.decide(SPEC, Map.of("auc", 0.71, "log_loss", 0.5, "gap/tpr", 0.0),
                Optional.empty());

        assertThat(d.passed()).isTrue();
        assertThat(d.outcomes().get(1).reason()).isEqualTo("auc >= champion.auc - 0.005: no champion yet, holds (auc 0.71)");
        assertThat(d.outcomes().get(1).bound()).isEqualTo(OptionalDouble.empty());
    }

    @Test
    void aMetricThatWasNotMeasuredFailsItsRule() {
        GateDecision d = PromotionGate.decide(SPEC, Map.of("auc", Double.NaN, "log_loss", 0.3), Optional.empty());

        assertThat(d.passed()).isFalse();
        assertThat(d.failures()).containsExactly("auc >= 0.7: auc was not measured",
                "auc >= champion.auc - 0.005: auc was not measured",
                "tpr gap across segment <= 0.05: the gap was not measured");
    }

    @Test
    void aSpecWithoutRulesPasses() {
        ModelDef none = TrainingData.spec(ModelDef.Algorithm.LINEAR_REGRESSION, Map.of());
        GateDecision d = PromotionGate.decide(none, Map.of("rmse", 1.0), Optional.empty());
        assertThat(d.passed()).isTrue();
        assertThat(d.summary()).isEqualTo("no gate rules: passes");
    }
}
