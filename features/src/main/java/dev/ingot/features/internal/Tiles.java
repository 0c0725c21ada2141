package dev.ingot.features.internal;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_trunc;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_union;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.var_pop;
import static org.apache.spark.sql.functions.when;

import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.FeatureViewDef.Aggregation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Windowed aggregations built from tiles: partial aggregates per entity and cadence step (a day or an hour), which
 * merge into any window that is a whole number of steps. A daily run computes one new day of tiles from raw events
 * and reads the stored tiles of the days its longest window needs, instead of every raw event of those days.
 *
 * <p>Partial state per aggregate: count → n; sum → sum; avg → sum, n; min/max → min/max; stddev → n, sum, M2
 * (merged with Chan's formula); approx_count_distinct → the set of distinct values (merged by union: the count is
 * exact); last → the latest (time, value) pair, ties broken by the larger value. The state columns of an aggregation are named
 * by its tile state ({@link ViewFingerprint#tileStates()}), not by its position: aggregations that share a function and
 * a column share their state, and tiles stored before a view evolved keep their meaning.
 *
 * <p>Every expression here is one Spark RAPIDS runs on a GPU (gpu-report, docs/gpu.md): a tile's start in seconds is
 * {@code CAST(ts AS BIGINT)}, not {@code unix_seconds} (the same floor of the microseconds, which RAPIDS 25.04 does not
 * run), and distinct values merge as sets ({@code collect_set}, {@code flatten}, {@code array_union}) rather than as
 * DataSketches HyperLogLog sketches, which it does not run either.
 */
public final class Tiles {
    /** Column holding a tile's start. */
    public static final String TILE_START = "tile_start";
    /** Partition column of the tiles table. */
    public static final String TILE_DATE = "tile_date";
    /** Feature tables' time column: the tick a row's features are valid from. */
    public static final String FEATURE_TIME = "feature_time";
    /** Feature tables' partition column: the UTC date of {@link #FEATURE_TIME}. */
    public static final String FEATURE_DATE = "feature_date";

    /** Suffix of an approx_count_distinct state column: the tile's set of distinct values. */
    static final String SET = "set";

    private Tiles() {}

    /**
     * Partial aggregates per entity and tile of {@code rows} (already filtered, transformed and limited in time).
     *
     * @param states the tile state of each aggregation ({@link ViewFingerprint#tileStates()})
     */
    public static Dataset<Row> compute(Dataset<Row> rows, FeatureViewDef view, String eventTime, List<String> states) {
        List<Column> groups = new ArrayList<>();
        view.entities().forEach(e -> groups.add(col(e)));
        String unit = view.cadence().seconds() == 3600 ? "HOUR" : "DAY";
        groups.add(date_trunc(unit, col(eventTime)).as(TILE_START));
        List<Column> aggs = new ArrayList<>();
        aggs.add(count(lit(1)).as("__rows"));
        Set<String> done = new HashSet<>();
        for (int i = 0; i < view.aggregations().size(); i++) {
            Aggregation a = view.aggregations().get(i);
            if (!done.add(states.get(i))) {
                continue;
            }
            String p = prefix(states, i);
            Column c = a.column().map(x -> col(x)).orElse(null);
            switch (a.function()) {
                case COUNT -> aggs.add((c == null ? count(lit(1)) : count(c)).as(p + "n"));
                case SUM -> aggs.add(sum(c).as(p + "sum"));
                case AVG -> {
                    aggs.add(sum(c.cast(DataTypes.DoubleType)).as(p + "sum"));
                    aggs.add(count(c).as(p + "n"));
                }
                case MIN -> aggs.add(min(c).as(p + "min"));
                case MAX -> aggs.add(max(c).as(p + "max"));
                case STDDEV -> {
                    aggs.add(count(c).as(p + "n"));
                    aggs.add(sum(c.cast(DataTypes.DoubleType)).as(p + "sum"));
                    aggs.add(var_pop(c.cast(DataTypes.DoubleType)).multiply(count(c)).as(p + "m2"));
                }
                case APPROX_COUNT_DISTINCT -> aggs.add(collect_set(c).as(p + SET));
                case LAST -> aggs.add(max(when(c.isNotNull(), struct(col(eventTime).as("t"), c.as("v")))).as(p + "last"));
                default -> throw new IllegalStateException(a.function().toString());
            }
        }
        Dataset<Row> tiles = rows.groupBy(groups.toArray(Column[]::new))
                .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
        return tiles.withColumn(TILE_DATE, to_date(col(TILE_START)));
    }

    /**
     * Feature rows for every entity and tick T in (from, to] whose longest window holds an event: each window of k
     * steps ending at T aggregates the tiles starting in [T - k steps, T). {@code tiles} must hold every tile from
     * {@code from - (longest window - 1 step)} to {@code to}, with the columns of {@code states} (one per aggregation,
     * as given to {@link #compute}).
     *
     * <p>One tick (a daily or hourly run) aggregates the tiles of its windows directly. A range of ticks, on CPUs
     * ({@link Strategy}), uses sliding window frames: each tile is a row at the first tick it serves (its start + 1
     * step), each tick its longest window covers but no tile starts right before gets a row of its own (no state), and
     * a window of k steps at tick T is the frame of rows at ticks [T - (k - 1) steps, T] of its entity: at most k rows,
     * one per tick. Every tile is shuffled once, instead of once for each of the up-to-k ticks it serves (a backfill
     * of 30-day windows sent 30 copies of every tile through the aggregation's shuffle).
     */
    public static Dataset<Row> assemble(Dataset<Row> tiles, FeatureViewDef view, Instant from, Instant to,
                                        List<String> states) {
        long c = view.cadence().seconds();
        long fromS = from.getEpochSecond();
        long toS = to.getEpochSecond();
        if (toS - fromS == c) {
            return oneTick(tiles, view, toS, states);
        }
        return Strategy.forSession(tiles.sparkSession()) == Strategy.SLIDING
                ? slidingTicks(tiles, view, fromS, toS, states) : expandedTicks(tiles, view, fromS, toS, states);
    }

    /** How a range of several ticks is assembled: both give the same rows (MaterializeReferenceTest runs both). */
    public enum Strategy {
        /**
         * Sliding window frames over each entity's tiles, one row per tick: every tile is shuffled once. The fastest
         * on CPUs (a 90-day backfill of 30-day windows in 0.5x the time of {@link #EXPAND}), but RAPIDS 25.04 runs
         * neither {@code collect_list} (the distinct counts' sets) nor {@code max} of a struct (last) over a frame.
         */
        SLIDING,
        /**
         * Each tile expanded to a row for every tick it serves (up to the longest window's steps), then grouped by
         * entity and tick: every operator of it runs on GPUs. Used when the session runs on GPUs.
         */
        EXPAND;

        /** The session's Spark setting naming the strategy ({@code sliding} or {@code expand}), for tools and tests. */
        public static final String CONF = "spark.ingot.windows.strategy";

        /** {@link #CONF} when set, else {@link #EXPAND} on GPUs and {@link #SLIDING} on CPUs. */
        public static Strategy forSession(org.apache.spark.sql.SparkSession spark) {
            return SessionStrategy.of(spark, CONF, Strategy.class, EXPAND, SLIDING);
        }
    }

    /** Ticks (fromS, toS] with each tile expanded to the ticks it serves, then grouped (see {@link Strategy#EXPAND}). */
    private static Dataset<Row> expandedTicks(Dataset<Row> tiles, FeatureViewDef view, long fromS, long toS,
                                              List<String> states) {
        long c = view.cadence().seconds();
        long kmax = view.longestWindow().orElseThrow().seconds() / c;
        // Tile i contributes to ticks T = start + (j + 1) steps, j in [0, kmax): keep the ticks in (from, to].
        Column start = col(TILE_START).cast(DataTypes.LongType);
        Column jlo = greatest(lit(0L), lit(fromS).minus(start).divide(c).cast(DataTypes.LongType));
        Column jhi = functionsLeast(lit(kmax - 1), lit(toS).minus(start).divide(c).cast(DataTypes.LongType).minus(1));
        Dataset<Row> exploded = tiles
                .withColumn("__jlo", jlo).withColumn("__jhi", jhi)
                .where(col("__jlo").leq(col("__jhi")))
                .withColumn("__j", expr("explode(sequence(__jlo, __jhi))"))
                .withColumn(FEATURE_TIME, timestamp_seconds(start.plus(col("__j").plus(1).multiply(c))));
        List<Column> groups = new ArrayList<>();
        view.entities().forEach(e -> groups.add(col(e)));
        groups.add(col(FEATURE_TIME));
        List<Column> aggs = windows(tiles, view, states, k -> col("__j").lt(k), null);
        Dataset<Row> out = exploded.groupBy(groups.toArray(Column[]::new))
                .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
        return out.withColumn(FEATURE_DATE, to_date(col(FEATURE_TIME)));
    }

    /** The tick {@code toS} alone: each tile serves it once, at age j = (T - 1 step - start) / step. */
    private static Dataset<Row> oneTick(Dataset<Row> tiles, FeatureViewDef view, long toS, List<String> states) {
        long c = view.cadence().seconds();
        long kmax = view.longestWindow().orElseThrow().seconds() / c;
        Column start = col(TILE_START).cast(DataTypes.LongType);
        Dataset<Row> aged = tiles
                .withColumn("__j", lit(toS - c).minus(start).divide(c).cast(DataTypes.LongType))
                .where(col("__j").geq(0).and(col("__j").leq(kmax - 1)));
        List<Column> groups = new ArrayList<>();
        view.entities().forEach(e -> groups.add(col(e)));
        List<Column> aggs = windows(tiles, view, states, k -> col("__j").lt(k), null);
        Dataset<Row> out = aged.groupBy(groups.toArray(Column[]::new))
                .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
                .withColumn(FEATURE_TIME, timestamp_seconds(lit(toS)));
        return out.withColumn(FEATURE_DATE, to_date(col(FEATURE_TIME)));
    }

    /** Ticks (fromS, toS] by sliding window frames over the tiles (see {@link #assemble}). */
    private static Dataset<Row> slidingTicks(Dataset<Row> tiles, FeatureViewDef view, long fromS, long toS,
                                             List<String> states) {
        long c = view.cadence().seconds();
        long kmax = view.longestWindow().orElseThrow().seconds() / c;
        Column[] keys = view.entities().stream().map(e -> col(e)).toArray(Column[]::new);
        // A tile starting at s serves the ticks s + 1 step .. s + kmax steps; keep those serving a tick in (from, to].
        Dataset<Row> served = tiles.withColumn(TICK, col(TILE_START).cast(DataTypes.LongType).plus(c))
                .where(col(TICK).gt(fromS - (kmax - 1) * c).and(col(TICK).leq(toS)));
        // The ticks between a tile's first tick and the next tile's that its longest window still covers.
        Column next = lead(col(TICK), 1).over(Window.partitionBy(keys).orderBy(col(TICK)));
        List<Column> gapCols = new ArrayList<>(List.of(keys));
        gapCols.add(expr("explode(sequence(__lo, __hi, CAST(" + c + " AS BIGINT)))").as(TICK));
        Dataset<Row> gaps = served.select(concat(keys, col(TICK), next.as("__next")))
                .withColumn("__lo", greatest(col(TICK).plus(c), lit(fromS + c)))
                .withColumn("__hi", functionsLeast(col(TICK).plus((kmax - 1) * c),
                        coalesce(col("__next").minus(c), lit(Long.MAX_VALUE)), lit(toS)))
                .where(col("__lo").leq(col("__hi")))
                .select(gapCols.toArray(Column[]::new));
        Dataset<Row> rows = served.unionByName(gaps, true);

        List<Column> cols = new ArrayList<>(List.of(keys));
        cols.add(timestamp_seconds(col(TICK)).as(FEATURE_TIME));
        cols.addAll(windows(tiles, view, states, k -> null,
                k -> Window.partitionBy(keys).orderBy(col(TICK)).rangeBetween(-(k - 1) * c, 0)));
        // The tick filter comes after the windows: a filter on the frames' order column is not pushed below them.
        Dataset<Row> out = rows.withColumn(IN_RANGE, col(TICK).gt(fromS))
                .select(concat(cols.toArray(Column[]::new), col(IN_RANGE)))
                .where(col(IN_RANGE)).drop(IN_RANGE);
        return out.withColumn(FEATURE_DATE, to_date(col(FEATURE_TIME)));
    }

    private static final String TICK = "__tick";
    private static final String IN_RANGE = "__in_range";

    private static Column[] concat(Column[] head, Column... tail) {
        Column[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    /**
     * The feature columns: every window of every aggregation, merged from the tile states. With {@code frame} null,
     * aggregates over grouped rows where {@code in} (by a window's steps) says which rows belong to a window; otherwise
     * window functions over {@code frame} (by a window's steps).
     */
    private static List<Column> windows(Dataset<Row> tiles, FeatureViewDef view, List<String> states,
                                        java.util.function.LongFunction<Column> in,
                                        java.util.function.LongFunction<WindowSpec> frame) {
        long c = view.cadence().seconds();
        List<Column> aggs = new ArrayList<>();
        for (int i = 0; i < view.aggregations().size(); i++) {
            Aggregation a = view.aggregations().get(i);
            String p = prefix(states, i);
            for (var w : a.windows()) {
                long k = w.seconds() / c;
                Column member = in.apply(k);
                WindowSpec spec = frame == null ? null : frame.apply(k);
                java.util.function.Function<Column, Column> of = x -> member == null ? x : when(member, x);
                java.util.function.Function<Column, Column> over = agg -> spec == null ? agg : agg.over(spec);
                String name = a.name() + "_" + w.text();
                Column f = switch (a.function()) {
                    case COUNT -> coalesce(over.apply(sum(of.apply(col(p + "n")))), lit(0L));
                    case SUM -> over.apply(sum(of.apply(col(p + "sum"))));
                    case AVG -> {
                        Column n = over.apply(sum(of.apply(col(p + "n"))));
                        yield when(n.gt(0), over.apply(sum(of.apply(col(p + "sum")))).divide(n));
                    }
                    case MIN -> over.apply(min(of.apply(col(p + "min"))));
                    case MAX -> over.apply(max(of.apply(col(p + "max"))));
                    case STDDEV -> {
                        Column n = over.apply(sum(of.apply(col(p + "n"))));
                        Column s = over.apply(sum(of.apply(col(p + "sum"))));
                        Column qIn = member == null ? col(p + "n").gt(0) : member.and(col(p + "n").gt(0));
                        Column q = over.apply(sum(when(qIn,
                                col(p + "m2").plus(col(p + "sum").multiply(col(p + "sum")).divide(col(p + "n"))))));
                        yield when(n.gt(1), sqrt(greatest(lit(0.0), q.minus(s.multiply(s).divide(n)).divide(n.minus(1)))));
                    }
                    case APPROX_COUNT_DISTINCT -> {
                        // Union of the window's tile sets: flatten, then array_union with an empty array of the same
                        // type to drop the repeats (array_distinct does the same, but RAPIDS 25.04 does not run it).
                        DataType set = tiles.schema().apply(p + SET).dataType();
                        yield size(array_union(flatten(over.apply(collect_list(of.apply(col(p + SET))))), array().cast(set)))
                                .cast(DataTypes.LongType);
                    }
                    case LAST -> over.apply(max(of.apply(col(p + "last")))).getField("v");
                };
                aggs.add(f.as(name));
            }
        }
        return aggs;
    }

    private static Column functionsLeast(Column... columns) {
        return org.apache.spark.sql.functions.least(columns);
    }

    private static String prefix(List<String> states, int i) {
        return states.get(i) + "__";
    }
}
