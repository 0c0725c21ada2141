package dev.ingot.features;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A brute-force reference for windowed features: every tick joined to every event of its longest window, each
 * feature a plain SQL aggregate over the events of its own window. Slow, obviously right, and independent of tiles.
 */
final class Reference {
    /** A feature: function as in the YAML, the column (null for a row count) and the window in seconds. */
    record Feature(String name, String function, String column, long window) {}

    private Reference() {}

    /**
     * The rows a view with these features must have for ticks (from, to]: one per entity and tick whose longest
     * window holds an event of {@code events} (a table or view already filtered, transformed, without null keys).
     */
    static String sql(String events, String eventTime, List<String> keys, Instant from, Instant to, long step,
                      List<Feature> features) {
        long longest = features.stream().mapToLong(Feature::window).max().orElseThrow();
        List<String> cols = new ArrayList<>();
        keys.forEach(k -> cols.add("e." + k));
        cols.add("t.feature_time");
        for (Feature f : features) {
            String in = "unix_seconds(e." + eventTime + ") >= unix_seconds(t.feature_time) - " + f.window();
            String c = f.column() == null ? null : "e." + f.column();
            String when = "CASE WHEN " + in + " THEN " + c + " END";
            String agg = switch (f.function()) {
                case "count" -> c == null ? "count_if(" + in + ")" : "count(" + when + ")";
                case "sum", "avg", "min", "max" -> f.function() + "(" + when + ")";
                case "stddev" -> "stddev_samp(" + when + ")";
                case "approx_count_distinct" -> "count(DISTINCT " + when + ")";
                case "last" -> "max_by(" + when + ", CASE WHEN " + in + " AND " + c + " IS NOT NULL THEN struct(e."
                        + eventTime + ", " + c + ") END)";
                default -> throw new IllegalArgumentException(f.function());
            };
            cols.add(agg + " AS " + f.name());
        }
        return "WITH t AS (SELECT explode(sequence(timestamp_seconds(" + (from.getEpochSecond() + step)
                + "L), timestamp_seconds(" + to.getEpochSecond() + "L), make_dt_interval(0, 0, 0, " + step
                + "))) AS feature_time)\n"
                + "SELECT " + String.join(", ", cols) + "\n"
                + "FROM t JOIN " + events + " e ON unix_seconds(e." + eventTime + ") >= unix_seconds(t.feature_time) - "
                + longest + " AND e." + eventTime + " < t.feature_time\n"
                + "GROUP BY " + String.join(", ", keys.stream().map(k -> "e." + k).toList()) + ", t.feature_time";
    }
}
