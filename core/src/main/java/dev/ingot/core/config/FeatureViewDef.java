package dev.ingot.core.config;

import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.internal.SqlCheck;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
 * @param file the definition's file, relative to the project directory (e.g. {@code feature_views/spend.yml}): what
 *     messages name
 * @throws IngotException (exit code 2) when the values are not a valid view, as the loader would report them: names
 *     that are not identifiers, no entities, no features, a feature name used twice, a cadence other than 1h or 1d, a
 *     window that is not a whole number of cadences, a ttl shorter than the cadence, a filter that is not SQL
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
        List<String> checks,
        String file) {

    public FeatureViewDef {
        String view = name;
        check(view, Identifiers.checkName(name), "name it with " + Identifiers.nameRule());
        description = description == null ? "" : description;
        check(view, Identifiers.checkName(source).map(p -> "source: " + p), "name a source or feature view");
        if (entities == null || entities.isEmpty()) {
            throw invalid(view, "it has no entities", "list the entity key column(s), e.g. customer_id");
        }
        entities = List.copyOf(entities);
        eventTime = eventTime == null ? Optional.empty() : eventTime;
        filter = filter == null ? Optional.empty() : filter;
        transformations = List.copyOf(transformations);
        aggregations = List.copyOf(aggregations);
        checks = List.copyOf(checks);
        if (cadence == null || (cadence.seconds() != 3600 && cadence.seconds() != 86400)) {
            throw invalid(view, "cadence " + cadence + " is not supported", "use TimeSpan.hour() or TimeSpan.day()");
        }
        if (ttl == null || ttl.compareTo(cadence) < 0) {
            throw invalid(view, "ttl " + ttl + " is shorter than the cadence " + cadence
                    + ", so every value would expire before the next tick", "give a ttl of at least " + cadence);
        }
        Set<String> columns = new LinkedHashSet<>();
        for (String e : entities) {
            check(view, Identifiers.checkColumn(e).map(p -> "entities: " + p), "use " + Identifiers.columnRule());
            if (!columns.add(e)) {
                throw invalid(view, "entity '" + e + "' is listed twice", "list each entity once");
            }
        }
        eventTime.ifPresent(e -> check(view, Identifiers.checkColumn(e).map(p -> "event_time: " + p),
                "use " + Identifiers.columnRule()));
        filter.ifPresent(f -> check(view, SqlCheck.expression(f).map(p -> "filter '" + f + "' is not valid Spark SQL: " + p),
                "write a SQL predicate such as amount > 0"));
        if (transformations.isEmpty() && aggregations.isEmpty()) {
            throw invalid(view, "it defines no features", "give aggregations (windowed features) or transformations");
        }
        for (Transformation t : transformations) {
            if (!columns.add(t.name())) {
                throw invalid(view, "transformation '" + t.name() + "' is already a column of this view",
                        "give it another name");
            }
        }
        for (Aggregation a : aggregations) {
            for (TimeSpan w : a.windows()) {
                if (!w.isMultipleOf(cadence)) {
                    throw invalid(view, "window " + w + " of aggregation '" + a.name() + "' is not a multiple of the"
                            + " cadence " + cadence, "use a window that is a whole number of " + cadence + " ticks");
                }
            }
            for (String f : a.featureNames()) {
                if (!columns.add(f)) {
                    throw invalid(view, "aggregation '" + a.name() + "' makes the feature '" + f
                            + "', which this view already has", "give the aggregation another name");
                }
            }
        }
        for (String c : checks) {
            check(view, Identifiers.checkName(c).map(p -> "checks: " + p), "name a suite of checks/");
        }
        file = DefinitionFiles.orDefault(file, ProjectLoader.FEATURE_VIEWS, name);
    }

    /** A feature view built in code: its file is the conventional {@code feature_views/<name>.yaml}. */
    public FeatureViewDef(String name, String description, String source, List<String> entities,
                          Optional<String> eventTime, Optional<String> filter, List<Transformation> transformations,
                          List<Aggregation> aggregations, TimeSpan cadence, TimeSpan ttl, List<String> checks) {
        this(name, description, source, entities, eventTime, filter, transformations, aggregations, cadence, ttl, checks,
                null);
    }

    private static void check(String view, Optional<String> problem, String fix) {
        problem.ifPresent(p -> {
            throw invalid(view, p, fix);
        });
    }

    private static IngotException invalid(String view, String problem, String fix) {
        return Errors.invalidDefinition("feature view '" + view + "'", problem, fix);
    }

    /**
     * A row-level column: {@code name = expr}.
     *
     * @param name the column's name
     * @param expr a Spark SQL expression over the source's columns and the transformations before it
     * @param description what it means
     */
    public record Transformation(String name, String expr, String description) {
        public Transformation {
            String t = name;
            Identifiers.checkColumn(name).ifPresent(p -> {
                throw Errors.invalidDefinition("transformation '" + t + "'", p, "use " + Identifiers.columnRule());
            });
            if (expr == null || expr.isBlank()) {
                throw Errors.invalidDefinition("transformation '" + name + "'", "its expression is empty",
                        "write a SQL expression such as amount * 100");
            }
            String e = expr;
            SqlCheck.expression(expr).ifPresent(p -> {
                throw Errors.invalidDefinition("transformation '" + t + "'", "'" + e + "' is not valid Spark SQL: " + p,
                        "write a SQL expression such as amount * 100");
            });
            description = description == null ? "" : description;
        }
    }

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
            String a = name;
            Identifiers.checkName(name).ifPresent(p -> {
                throw Errors.invalidDefinition("aggregation '" + a + "'", p, "name it with " + Identifiers.nameRule());
            });
            if (function == null) {
                throw Errors.invalidDefinition("aggregation '" + name + "'", "it has no function",
                        "give one of " + java.util.Arrays.toString(Function.values()).toLowerCase(java.util.Locale.ROOT));
            }
            column = column == null ? Optional.empty() : column;
            if (function.needsColumn() && column.isEmpty()) {
                throw Errors.invalidDefinition("aggregation '" + name + "'", function.name().toLowerCase(java.util.Locale.ROOT)
                        + " needs a column, and none is given", "name the column it aggregates");
            }
            column.ifPresent(c -> Identifiers.checkColumn(c).ifPresent(p -> {
                throw Errors.invalidDefinition("aggregation '" + a + "'", "column: " + p, "use " + Identifiers.columnRule());
            }));
            if (windows == null || windows.isEmpty() || windows.stream().anyMatch(java.util.Objects::isNull)) {
                throw Errors.invalidDefinition("aggregation '" + name + "'", "it has no windows",
                        "give at least one window, e.g. TimeSpan.parse(\"7d\")");
            }
            Set<Long> seen = new HashSet<>();
            for (TimeSpan w : windows) {
                if (!seen.add(w.seconds())) {
                    throw Errors.invalidDefinition("aggregation '" + name + "'", "window " + w + " is listed twice",
                            "list each window once");
                }
            }
            windows = List.copyOf(windows);
            description = description == null ? "" : description;
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
