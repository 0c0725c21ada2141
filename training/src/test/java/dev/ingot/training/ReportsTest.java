package dev.ingot.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ModelDef.FairnessMetric;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class ReportsTest {
    private static ModelDef spec;
    private static TrainingResult result;

    @BeforeAll
    static void train() {
        spec = TrainingData.spec(ModelDef.Algorithm.LOGISTIC_REGRESSION, Map.of(), Optional.of(TrainingData.days(7)),
                Optional.of(new ModelDef.Fairness("segment", Map.of(FairnessMetric.TPR, 0.9))),
                List.of(ModelDef.GateRule.parse("auc >= 0.5")));
        result = Trainer.of(TestSpark.session(), TrainingData.project()).train(spec, TrainingData.frame(7));
    }

    @Test
    void curvesAreStandaloneSvgWithAxesAndTheArea() throws Exception {
        String roc = Reports.rocCurveSvg(result);
        String pr = Reports.prCurveSvg(result);

        for (String svg : List.of(roc, pr)) {
            Document doc = parse(svg);
            assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
            assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(1);
            assertThat(svg).contains(">0.0<", ">0.4<", ">1.0<").doesNotContain("NaN");
        }
        assertThat(roc).contains(">False positive rate<", ">True positive rate<",
                ">AUC = " + PromotionGate.num(result.metrics().get(ModelDef.Metric.AUC)) + "<");
        assertThat(pr).contains(">Recall<", ">Precision<", ">PR-AUC = ");
        String points = parse(roc).getElementsByTagName("polyline").item(0).getAttributes().getNamedItem("points")
                .getNodeValue();
        assertThat(points.split(" ")).as("one point per curve point").hasSize(result.roc().size());
        assertThat(points).startsWith("70.00,410.00").endsWith("470.00,50.00");
    }

    @Test
    void theImportanceChartHasOneLabelledBarPerInputLargestFirst() throws Exception {
        String svg = Reports.importanceSvg(result, 3);

        Document doc = parse(svg);
        assertThat(doc.getElementsByTagName("rect").getLength()).as("background + 3 bars").isEqualTo(4);
        for (FeatureImportance f : result.importances().subList(0, 3)) {
            assertThat(svg).contains(">" + f.name() + "<");
        }
        assertThat(svg).contains("|coefficient| on standardized inputs");
        assertThat(Reports.charts(result)).containsOnlyKeys("roc.svg", "pr.svg", "importance.svg");
    }

    @Test
    void theModelCardHasDataWindowsMetricsGroupsGateAndLineage() {
        GateDecision d = PromotionGate.decide(spec, result, Optional.empty());
        String card = Reports.modelCard(spec, result, Optional.of(new TrainingSetRef("ml.m_training_set",
                OptionalLong.of(3))), Optional.of(d), Map.of("run_id", "r-123", "git_commit", "abc1234"));

        Split s = result.split();
        assertThat(card).startsWith("# Model card: m\n\ntest model\n")
                .contains("| algorithm | `logistic_regression` (classification) |")
                .contains("- training set: `ml.m_training_set` (Delta version 3)")
                .contains("| training | (first row: 2026-01-01T00:00:00Z) | " + s.trainEnd() + " | " + s.trainRows() + " |")
                .contains("| validation | " + s.validationStart().orElseThrow() + " | " + s.testStart() + " | 70 |")
                .contains("| test | " + s.testStart() + " | " + s.end() + " | 140 |")
                .contains("| metric | test | validation |")
                .contains("| auc | " + PromotionGate.num(result.metrics().get(ModelDef.Metric.AUC)) + " | ")
                .contains("| precision_at_25 | ")
                .contains("## Groups of `segment` (test window)", "| retail | " + result.groups().orElseThrow().rows().get("retail"))
                .contains("**" + (d.passed() ? "PASSED" : "FAILED") + "**", d.outcomes().get(0).reason())
                .contains("| run_id | r-123 |", "| git_commit | abc1234 |", "| spine_version | (not recorded) |");
    }

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
