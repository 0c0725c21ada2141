package dev.ingot.training;

import dev.ingot.core.Errors;
import dev.ingot.core.config.ModelDef.FairnessMetric;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The test window's classification metrics per group of a column, and their gaps.
 *
 * @param column the column the groups are the values of ({@code fairness.column})
 * @param byGroup per group value ({@code (null)} for null), each {@link FairnessMetric}; NaN where undefined (TPR of
 *     a group without positives, AUC of a group with one class)
 * @param rows rows of the test window per group
 * @param gaps per metric, the largest minus the smallest defined group value (0 with fewer than two)
 */
public record GroupMetrics(String column, Map<String, Map<FairnessMetric, Double>> byGroup, Map<String, Long> rows,
                           Map<FairnessMetric, Double> gaps) {
    public GroupMetrics {
        Errors.required(column, "GroupMetrics.column");
        Map<String, Map<FairnessMetric, Double>> g = new LinkedHashMap<>();
        Errors.required(byGroup, "GroupMetrics.byGroup")
                .forEach((k, v) -> g.put(k, Collections.unmodifiableMap(new EnumMap<>(v))));
        byGroup = Collections.unmodifiableMap(g);
        rows = Collections.unmodifiableMap(new LinkedHashMap<>(Errors.required(rows, "GroupMetrics.rows")));
        Errors.required(gaps, "GroupMetrics.gaps");
        gaps = Collections.unmodifiableMap(gaps.isEmpty() ? new EnumMap<>(FairnessMetric.class) : new EnumMap<>(gaps));
    }
}
