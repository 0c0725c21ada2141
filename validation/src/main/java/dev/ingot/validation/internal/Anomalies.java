package dev.ingot.validation.internal;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.anomalydetection.AnomalyDetectionStrategy;
import com.amazon.deequ.anomalydetection.AnomalyDetector;
import com.amazon.deequ.anomalydetection.DataPoint;
import com.amazon.deequ.anomalydetection.DetectionResult;
import com.amazon.deequ.anomalydetection.OnlineNormalStrategy;
import com.amazon.deequ.anomalydetection.RelativeRateOfChangeStrategy;
import com.amazon.deequ.metrics.Metric;
import com.amazon.deequ.repository.AnalysisResult;
import dev.ingot.core.config.CheckSuiteDef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import scala.Option;

/**
 * Anomaly checks measured: a metric's new value against its history in {@code quality.metrics}, read back through
 * {@link DeltaMetricsRepository} and judged by Deequ's {@link AnomalyDetector}. {@link Verdict} turns the judgement
 * into a result.
 */
final class Anomalies {
    /** Runs of history a std_dev rule needs before it judges: fewer give no meaningful deviation. */
    static final int MIN_STD_DEV_HISTORY = 3;

    private Anomalies() {}

    /**
     * What the history says of a new value.
     *
     * @param history earlier values, oldest first, at most the rule's window of them
     * @param anomalous whether the strategy flags the new value; empty when there is too little history, or no value
     */
    record Judgement(List<Double> history, Optional<Boolean> anomalous) {}

    /** Judges the metric's new value against its history with the rule's Deequ strategy. */
    static Judgement judge(CheckSuiteDef.AnomalyDef rule, Analyzer<?, Metric<?>> analyzer, Optional<Metric<?>> metric,
                           RunContext cx) {
        List<Double> history = history(cx, analyzer, rule.window());
        int needed = rule.strategy() == CheckSuiteDef.Strategy.STD_DEV ? MIN_STD_DEV_HISTORY : 1;
        if (metric.isEmpty() || metric.get().value().isFailure() || history.size() < needed) {
            return new Judgement(history, Optional.empty());
        }
        double value = ((Number) metric.get().value().get()).doubleValue();
        AnomalyDetectionStrategy strategy = switch (rule.strategy()) {
            case RELATIVE_CHANGE -> new RelativeRateOfChangeStrategy(some(1 - rule.maxChange().orElseThrow()),
                    some(1 + rule.maxChange().orElseThrow()), 1);
            case STD_DEV -> new OnlineNormalStrategy(some(rule.sigmas().orElseThrow()), some(rule.sigmas().orElseThrow()),
                    0.0, true);
        };
        List<DataPoint<Object>> points = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            points.add(new DataPoint<>(i, some(history.get(i))));
        }
        DetectionResult r = new AnomalyDetector(strategy)
                .isNewPointAnomalous(Scala.list(points), new DataPoint<>(history.size(), some(value)));
        return new Judgement(history, Optional.of(r.anomalies().nonEmpty()));
    }

    private static Option<Object> some(double d) {
        return Option.apply((Object) d);
    }

    /** The metric's values of earlier runs on the same table, oldest first, the last {@code window} of them. */
    static List<Double> history(RunContext cx, Analyzer<?, Metric<?>> analyzer, int window) {
        if (cx.table().isEmpty()) {
            return List.of();
        }
        DeltaMetricsRepository repo = new DeltaMetricsRepository(cx.spark(), cx.metricsTable());
        List<AnalysisResult> results = Scala.java(repo.load()
                .withTagValues(DeltaMetricsRepository.immutable(Map.of(DeltaMetricsRepository.TAG_TABLE, cx.table().get().toString())))
                .before(cx.timeMillis() - 1)
                .forAnalyzers(Scala.list(List.of(analyzer)))
                .get());
        List<Double> values = new ArrayList<>();
        results.stream().sorted(java.util.Comparator.comparingLong(a -> a.resultKey().dataSetDate())).forEach(a -> {
            Option<Metric<?>> m = a.analyzerContext().metricMap().get(analyzer);
            if (m.isDefined() && m.get().value().isSuccess() && m.get().value().get() instanceof Number n) {
                values.add(n.doubleValue());
            }
        });
        return values.size() <= window ? values : values.subList(values.size() - window, values.size());
    }
}
