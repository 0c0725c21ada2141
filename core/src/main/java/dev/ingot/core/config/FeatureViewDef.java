package dev.ingot.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A feature view ({@code feature_views/<name>.yaml}): how rows of a source become features of an entity over time.
 *
 * <p>With aggregations, the view has one row per entity and tick of its cadence, each feature an aggregate over a
 * window ending at the tick. Without, it is a row-level view whose features are its transformations, keyed by entity
 * and event time.
 *
 * @param name the view's name (the file's base name); its tables are {@code features.<name>_v<N>}
 * @param description free text
 * @param source the source or feature view it reads
 * @param entities the entity key columns
 * @param eventTime the event-time column, when it differs from the source's
 * @param filter a Spark SQL predicate rows must pass
 * @param transformations row-level columns computed before aggregation, in order (each may use the ones before)
 * @param aggregations windowed aggregations
 * @param cadence how often features are evaluated: {@code 1h} or {@code 1d}
 * @param ttl how long a feature value stays valid for point-in-time joins
 * @param checks quality suites the new rows must pass before they are published
 */
public record FeatureViewDef(
        String name,
        String description,
        String source,
        List<String> entities,
        Optional<String> eventTime,
        Optional<String> filter,
        List<Transformation> transformations,
        List<Aggregation> aggregations,
        TimeSpan cadence,
        TimeSpan ttl,
        List<String> checks) {

    public FeatureViewDef {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        Objects.requireNonNull(source, "source");
        entities = List.copyOf(entities);
        transformations = List.copyOf(transformations);
        aggregations = List.copyOf(aggregations);
        Objects.requireNonNull(cadence, "cadence");
        Objects.requireNonNull(ttl, "ttl");
        checks = List.copyOf(checks);
    }

    /** A row-level column: {@code name = expr}. */
    public record Transformation(String name, String expr, String description) {}

    /** Aggregate functions a feature may use. */
    public enum Function {
        COUNT, SUM, AVG, MIN, MAX, STDDEV, APPROX_COUNT_DISTINCT, LAST;

        /** Whether the function needs a column ({@code count} counts rows without one). */
        public boolean needsColumn() {
            return this != COUNT;
        }
    }

    /**
     * A windowed aggregation; it makes one feature per window, named {@code <name>_<window>} (e.g. {@code spend_7d}).
     *
     * @param name the features' name prefix
     * @param function the aggregate
     * @param column the column aggregated (empty for a row count)
     * @param windows the windows, each a multiple of the view's cadence
     * @param description what the features mean
     */
    public record Aggregation(String name, Function function, Optional<String> column, List<TimeSpan> windows,
                              String description) {
        public Aggregation {
            windows = List.copyOf(windows);
        }

        /** The feature names this aggregation makes, one per window. */
        public List<String> featureNames() {
            return windows.stream().map(w -> name + "_" + w.text()).toList();
        }
    }

    /** Whether this is a row-level view (no aggregations). */
    public boolean isRowLevel() {
        return aggregations.isEmpty();
    }

    /** The names of every feature the view publishes, in table order. */
    public List<String> featureNames() {
        List<String> out = new ArrayList<>();
        if (isRowLevel()) {
            transformations.forEach(t -> out.add(t.name()));
        } else {
            aggregations.forEach(a -> out.addAll(a.featureNames()));
        }
        return out;
    }

    /** The longest window, which bounds how much history a run must read. */
    public Optional<TimeSpan> longestWindow() {
        return aggregations.stream().flatMap(a -> a.windows().stream()).max(TimeSpan::compareTo);
    }
}
