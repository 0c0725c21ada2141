package dev.ingot.training;

import dev.ingot.core.Errors;
import dev.ingot.training.internal.TrackingKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Params, metrics and tags to log to a run in one call ({@link TrackingStore#log}). Immutable: each {@code with*}
 * returns a copy. Keys and values are checked against MLflow's limits here, so both backends accept the same batches.
 *
 * <pre>{@code
 * LogBatch batch = LogBatch.empty()
 *         .withParams(Map.of("max_depth", "5", "seed", "42"))
 *         .withMetric("auc", 0.91, 0)
 *         .withTag("ingot.model", "fraud");
 * }</pre>
 *
 * @param params parameters in the order added; a key is logged once (re-adding it with another value is an error)
 * @param metrics metric values, each with its step and timestamp
 * @param tags tags in the order added; re-adding a key replaces its value
 */
public record LogBatch(Map<String, String> params, List<Metric> metrics, Map<String, String> tags) {
    private static final LogBatch EMPTY = new LogBatch(Map.of(), List.of(), Map.of());

    public LogBatch {
        Errors.required(params, "LogBatch.params").forEach((k, v) -> {
            TrackingKeys.requireKey("param", k);
            TrackingKeys.requireValue("param", k, v, TrackingKeys.MAX_PARAM_VALUE_LENGTH);
        });
        Errors.required(tags, "LogBatch.tags").forEach((k, v) -> {
            TrackingKeys.requireKey("tag", k);
            TrackingKeys.requireValue("tag", k, v, TrackingKeys.MAX_TAG_VALUE_LENGTH);
        });
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        Errors.required(metrics, "LogBatch.metrics").forEach(m -> Errors.required(m, "a metric of LogBatch.metrics"));
        metrics = List.copyOf(metrics);
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /** Nothing to log. */
    public static LogBatch empty() {
        return EMPTY;
    }

    /** A copy with one more parameter. */
    public LogBatch withParam(String key, String value) {
        // singletonMap takes a null key or value, so the constructor's check names it (Map.of would throw NPE)
        return withParams(Collections.singletonMap(key, value));
    }

    /** A copy with more parameters. */
    public LogBatch withParams(Map<String, String> more) {
        Map<String, String> p = new LinkedHashMap<>(params);
        Errors.required(more, "LogBatch.withParams").forEach((k, v) -> {
            String before = p.putIfAbsent(k, v);
            if (before != null && !before.equals(v)) {
                throw Errors.badArgument("param '" + k + "'", v,
                        "one value per run (already '" + before + "' in this batch): params cannot change once logged");
            }
        });
        return new LogBatch(p, metrics, tags);
    }

    /** A copy with one more metric value, measured now. */
    public LogBatch withMetric(String key, double value, long step) {
        return withMetrics(List.of(new Metric(key, value, step, Instant.now())));
    }

    /** A copy with more metric values. */
    public LogBatch withMetrics(Collection<Metric> more) {
        List<Metric> m = new ArrayList<>(metrics);
        m.addAll(Errors.required(more, "LogBatch.withMetrics"));
        return new LogBatch(params, m, tags);
    }

    /** A copy with one more tag (replacing a tag of the same key). */
    public LogBatch withTag(String key, String value) {
        return withTags(Collections.singletonMap(key, value));
    }

    /** A copy with more tags (replacing tags of the same keys). */
    public LogBatch withTags(Map<String, String> more) {
        Map<String, String> t = new LinkedHashMap<>(tags);
        t.putAll(Errors.required(more, "LogBatch.withTags"));
        return new LogBatch(params, metrics, t);
    }

    /** How many params, metric values and tags it holds. */
    public int size() {
        return params.size() + metrics.size() + tags.size();
    }

    /** Whether it holds nothing. */
    public boolean isEmpty() {
        return size() == 0;
    }
}
