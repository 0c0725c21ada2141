package dev.ingot.features.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;

import dev.ingot.core.Errors;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.KnownNotNull;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.CalendarIntervalType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * Point-in-time ("as of") join of a spine to the features of one or more feature views.
 *
 * <p>For every spine row and every view, each feature value comes from the latest feature row of the same entity with
 * {@code feature_time <= spine_time} and {@code feature_time > spine_time - ttl}; when there is none the features are
 * null. Nothing from the future leaks in, every spine row comes out exactly once (duplicates stay duplicates), and the
 * spine's columns come first with their names, types, values and order unchanged, followed by each view's features
 * in the order the views were given.
 *
 * <p>How it runs. It is a sort-based merge, not a join: spine rows and feature rows are put into one stream,
 * hash-partitioned by the entity keys, and sorted within each task by one long, the time in microseconds times two
 * plus one for spine rows (so feature rows come first at equal times). Spark radix-sorts on that key and never
 * compares rows. One pass over the sorted rows ({@link AsOfMerge}) then keeps each entity's latest feature row per
 * view in a hash map and gives each spine row the rows kept for its entity; the spine row travels through the stream
 * as one struct, so nothing has to be joined back. Views keyed by the same spine columns share one stream: one
 * shuffle and one sort for all of them; each further set of keys costs one more. Work is linear in rows after the
 * sort, and no row pairs are ever formed, so an entity with many spine and feature rows costs n log n rather than
 * n x m. (An earlier version sorted by entity, then time, and ran {@code last(feature, ignoreNulls)} over a window:
 * the same result, but its sort compared rows on every tie of the entity key, and the window copied every row: about
 * twice the CPU time in the benchmark of docs/benchmarks.md.)
 *
 * <p>On GPUs it runs that window form instead ({@link Strategy#WINDOW}): RAPIDS runs neither the merge's typed pass
 * nor its key ({@code unix_micros}), but it runs a window ordered by the timestamp itself. Both give the same rows.
 *
 * <p>Ties. Aggregated views have one row per entity and time. Row-level views may have several rows with the same
 * entity and {@code feature_time}; then the row whose feature values are greatest wins, comparing the values in the
 * order of {@link FeatureSide#featureColumns()} with Spark's ordering (nulls lowest, NaN highest, strings by their
 * UTF-8 bytes). Values Spark cannot order (maps) come last in that comparison, through their JSON text. Rows equal in
 * every value are interchangeable. The rule depends only on the data, so the same inputs always give the same output.
 *
 * <p>Rows that never match. Spine rows with a null key or a null time get nulls for that view; feature rows with a
 * null key or a null time are ignored. Spine rows with a null key or time skip the stream's entity groups (each is
 * put in a group of its own), so many of them cannot pile up in one task.
 *
 * <p>Memory and skew. All rows of one entity are processed by one task; the sort spills to disk past Spark's memory
 * limits. The merge holds, on the heap, one feature row per entity and view of the task, and drops those older than
 * the view's ttl as the stream's time passes them: a task with millions of live entities needs more shuffle
 * partitions. Times must lie within about 73,000 years of 1970 (Spark's own range is the years 0001-9999); a time
 * outside fails the query with a message naming the view or spine column.
 */
public final class AsOfJoin {
    /** Prefix of the columns this join adds while it runs; spine columns must not use it. */
    static final String RESERVED = "__ingot_pit_";
    private static final String TIME = RESERVED + "time";
    private static final String ISOLATE = RESERVED + "isolate";
    private static final String VIEW = RESERVED + "view";
    private static final String SORT = RESERVED + "sort";
    private static final String SIDE = RESERVED + "side";
    /** Times (in microseconds) whose sort key fits in a long: about +/-73,000 years from 1970. */
    private static final long SORT_LIMIT = 1L << 61;
    private static final String SPINE_ROW = RESERVED + "spine";
    private static final int FEATURE_SIDE = 0;
    private static final int SPINE_SIDE = 1;

    private AsOfJoin() {}

    /** How the join runs. Both give the same rows; AsOfJoinTest checks both against one brute-force reference. */
    public enum Strategy {
        /**
         * The stream sorted by one long (time in microseconds, side) and merged by one Java pass ({@link AsOfMerge}):
         * the fastest on CPUs, but RAPIDS runs neither its key ({@code unix_micros}) nor the typed pass.
         */
        MERGE,
        /**
         * A running {@code last(row, ignoreNulls)} over a window ordered by the timestamp, then the side: the form
         * RAPIDS runs on the GPU. Used when the session runs on GPUs.
         */
        WINDOW;

        /**
         * The session's Spark setting that names the strategy ({@code merge} or {@code window}), for tools that build
         * the query a GPU run would execute on a CPU session (gpu-report); without it the session's GPU decision
         * ({@code spark.ingot.gpu}) chooses.
         */
        public static final String CONF = "spark.ingot.pit.strategy";

        /** The strategy a session runs: {@link #CONF} when set, else {@link #WINDOW} on GPUs, {@link #MERGE} on CPUs. */
        public static Strategy forSession(SparkSession spark) {
            return SessionStrategy.of(spark, CONF, Strategy.class, WINDOW, MERGE);
        }
    }

    /**
     * The features of one view, as a point-in-time join needs them.
     *
     * @param view the feature view's name, for messages
     * @param features the feature table's rows
     * @param keys the entity key columns; the spine must have columns of these names and the same types
     * @param timeColumn the feature table's timestamp column ({@code feature_time})
     * @param featureColumns the features to add to the spine, in output order
     * @param ttlSeconds how long a feature value stays valid, positive: a row at {@code feature_time} serves spine
     *     times in {@code [feature_time, feature_time + ttl)}
     */
    public record FeatureSide(String view, Dataset<Row> features, List<String> keys, String timeColumn,
                              List<String> featureColumns, long ttlSeconds) {
        public FeatureSide {
            Objects.requireNonNull(view, "view");
            Objects.requireNonNull(features, "features");
            keys = List.copyOf(keys);
            Objects.requireNonNull(timeColumn, "timeColumn");
            featureColumns = List.copyOf(featureColumns);
        }
    }

    /**
     * Joins each spine row to the features valid at its time; see {@link AsOfJoin}.
     *
     * @param spine the rows to label with features: entity keys, an event time, labels and anything else
     * @param spineTimeColumn the spine's event-time column, a timestamp
     * @param sides the views to join, in output order
     * @return the spine's columns unchanged, then each side's feature columns
     * @throws dev.ingot.core.IngotException (bad input) when a key or the time column is missing or of the wrong
     *     type, or when output column names would clash
     */
    public static Dataset<Row> join(Dataset<Row> spine, String spineTimeColumn, List<FeatureSide> sides) {
        return join(spine, spineTimeColumn, ZoneOffset.UTC, sides);
    }

    /**
     * As {@link #join(Dataset, String, List)}; a spine time column of type {@code timestamp_ntz} holds local times in
     * {@code spineTimeZone}, and is compared to feature times as the instants they are there.
     */
    public static Dataset<Row> join(Dataset<Row> spine, String spineTimeColumn, ZoneId spineTimeZone, List<FeatureSide> sides) {
        return join(spine, spineTimeColumn, spineTimeZone, sides, Strategy.forSession(spine.sparkSession()));
    }

    /** As {@link #join(Dataset, String, ZoneId, List)}, run the given way rather than the session's. */
    public static Dataset<Row> join(Dataset<Row> spine, String spineTimeColumn, ZoneId spineTimeZone, List<FeatureSide> sides,
                                    Strategy strategy) {
        boolean caseSensitive = Boolean.parseBoolean(spine.sparkSession().conf().get("spark.sql.caseSensitive", "false"));
        Names spineNames = new Names(spine.schema(), caseSensitive);
        String spineTime = checkSpine(spine, spineNames, spineTimeColumn, sides);
        Optional<ZoneId> localIn = spine.schema().apply(spineTime).dataType() instanceof TimestampNTZType
                ? Optional.of(spineTimeZone) : Optional.empty();
        List<Side> resolved = new ArrayList<>();
        for (FeatureSide s : sides) {
            resolved.add(resolve(s, resolved.size(), spine, spineNames, caseSensitive));
        }
        checkClashes(spine, spineNames, resolved);

        // Views keyed by the same spine columns share one stream (one shuffle, one sort).
        Map<Set<String>, List<Side>> byKeys = new LinkedHashMap<>();
        for (Side s : resolved) {
            byKeys.computeIfAbsent(s.keySet(caseSensitive), k -> new ArrayList<>()).add(s);
        }
        Dataset<Row> out = spine;
        for (List<Side> group : byKeys.values()) {
            out = joinGroup(out, spineTime, localIn, group, strategy);
        }

        List<Column> select = new ArrayList<>();
        for (String c : spine.columns()) {
            select.add(out.col(quote(c)));
        }
        for (Side s : resolved) {
            for (String f : s.features) {
                select.add(out.col(quote(f)));
            }
        }
        return out.select(select.toArray(Column[]::new));
    }

    /** One stream: the current rows (spine plus features so far) and the feature rows of views with the same keys. */
    private static Dataset<Row> joinGroup(Dataset<Row> current, String spineTime, Optional<ZoneId> localIn,
                                          List<Side> group, Strategy strategy) {
        boolean window = strategy == Strategy.WINDOW;
        List<String> keys = group.get(0).spineKeys;
        StructType currentSchema = current.schema();

        Column anyNull = lit(false);
        for (String k : keys) {
            anyNull = anyNull.or(current.col(quote(k)).isNull());
        }
        anyNull = anyNull.or(current.col(quote(spineTime)).isNull());

        List<Column> spineCols = new ArrayList<>();
        for (String k : keys) {
            spineCols.add(current.col(quote(k)).as(k));
        }
        Column time = current.col(quote(spineTime));
        time = localIn.isPresent() ? SourceReader.utc(time, localIn.get()) : time;
        spineCols.addAll(order(time, SPINE_SIDE, "the spine's column '" + spineTime + "'", window));
        boolean several = group.size() > 1;
        // The window tells a view's rows by this column; the merge needs it only when the stream has several views.
        if (several || window) {
            spineCols.add(lit(-1).as(VIEW));
        }
        // A spine row that can never match gets a partition key of its own, so such rows spread over tasks.
        spineCols.add(when(anyNull, monotonically_increasing_id()).otherwise(lit(null).cast(DataTypes.LongType)).as(ISOLATE));
        List<Column> rowFields = new ArrayList<>();
        for (String c : current.columns()) {
            rowFields.add(current.col(quote(c)).as(c));
        }
        spineCols.add(struct(rowFields.toArray(Column[]::new)).as(SPINE_ROW));
        for (Side s : group) {
            spineCols.addAll(s.nullValues(!window));
        }
        Dataset<Row> stream = current.select(spineCols.toArray(Column[]::new));

        for (int v = 0; v < group.size(); v++) {
            Side s = group.get(v);
            Dataset<Row> f = s.side.features();
            List<String> fkeys = s.featureKeys(keys);
            Column usable = f.col(quote(s.time)).isNotNull();
            List<Column> cols = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                usable = usable.and(f.col(quote(fkeys.get(i))).isNotNull());
                cols.add(f.col(quote(fkeys.get(i))).as(keys.get(i)));
            }
            cols.addAll(order(f.col(quote(s.time)), FEATURE_SIDE, "view '" + s.side.view() + "'", window));
            if (several || window) {
                cols.add(lit(v).as(VIEW));
            }
            cols.add(lit(null).cast(DataTypes.LongType).as(ISOLATE));
            cols.add(lit(null).cast(currentSchema).as(SPINE_ROW));
            for (Side other : group) {
                cols.addAll(other == s ? s.values(f, !window) : other.nullValues(!window));
            }
            stream = stream.union(f.where(usable).select(cols.toArray(Column[]::new)));
        }

        List<Column> partition = new ArrayList<>();
        for (String k : keys) {
            partition.add(col(quote(k)));
        }
        partition.add(col(ISOLATE));
        if (window) {
            return lastPerView(stream, partition, group, currentSchema);
        }
        List<Column> merged = new ArrayList<>();
        for (String k : keys) {
            merged.add(col(quote(k)));
        }
        merged.add(col(SORT));
        if (several) {
            // With one view, the sort key's last bit says all: feature row or spine row.
            merged.add(col(VIEW));
        }
        merged.add(col(SPINE_ROW));
        List<StructField> outFields = new ArrayList<>();
        outFields.add(DataTypes.createStructField(SPINE_ROW, currentSchema, false));
        outFields.add(DataTypes.createStructField(TIME, DataTypes.LongType, true));
        for (Side s : group) {
            outFields.add(s.timeField());
            for (StructField field : s.valueFields(true)) {
                merged.add(col(field.name()));
                outFields.add(field);
            }
        }
        AsOfMerge.View[] views = new AsOfMerge.View[group.size()];
        for (int v = 0; v < group.size(); v++) {
            Side s = group.get(v);
            boolean ownTie = s.tieType() != null;
            if (ownTie) {
                merged.add(col(s.tieColumn()));
            }
            views[v] = new AsOfMerge.View(s.valueFields(true).size(), s.ttlMicros(),
                    ownTie ? s.tieType() : DataTypes.createStructType(s.valueFields(true)), ownTie);
        }
        // Sorted by one long (time, then side), so Spark radix-sorts on it and never compares rows. An entity's
        // rows need not be next to each other: the merge keeps each entity's latest row in a hash map.
        Dataset<Row> sorted = stream.repartition(partition.toArray(Column[]::new))
                .sortWithinPartitions(col(SORT))
                .select(merged.toArray(Column[]::new));
        Dataset<Row> latest = sorted.mapPartitions(new AsOfMerge(keys.size(), views),
                Encoders.row(DataTypes.createStructType(outFields)));

        List<Column> out = spineColumns(currentSchema);
        for (Side s : group) {
            List<StructField> values = s.valueFields(true);
            Column fresh = col(s.timeField().name()).gt(col(TIME).minus(lit(s.ttlMicros())));
            for (int i = 0; i < s.features.size(); i++) {
                Column value = col(values.get(i).name());
                DataType type = s.featureFields.get(i).dataType();
                if (!values.get(i).dataType().equals(type)) {
                    value = value.cast(type);
                }
                out.add(when(fresh, value).as(s.features.get(i)));
            }
        }
        return latest.select(out.toArray(Column[]::new));
    }

    /** The spine's columns, out of the struct that carried each spine row through the stream. */
    private static List<Column> spineColumns(StructType currentSchema) {
        List<Column> out = new ArrayList<>();
        for (StructField field : currentSchema.fields()) {
            Column c = col(SPINE_ROW).getField(field.name());
            // Spine rows always carry their struct: keep the columns' nullability as the spine had it.
            out.add((field.nullable() ? c : new Column(new KnownNotNull(c.expr()))).as(field.name()));
        }
        return out;
    }

    /**
     * The window form ({@link Strategy#WINDOW}): the stream partitioned by entity, ordered by time, then side (feature
     * rows first at equal times), then the view's tie values, so that a running {@code last(row, ignoreNulls)} gives
     * each spine row its view's latest row, the greatest at equal times. Only expressions RAPIDS runs on the GPU:
     * the time stays a timestamp, and the ttl is an interval added to it.
     */
    private static Dataset<Row> lastPerView(Dataset<Row> stream, List<Column> partition, List<Side> group,
                                            StructType currentSchema) {
        List<Column> order = new ArrayList<>(List.of(col(TIME), col(SIDE)));
        for (Side s : group) {
            if (s.tieType() != null) {
                order.add(col(s.tieColumn()));
            } else {
                // Column by column, as the merge compares the feature struct: Spark's ordering, nulls lowest.
                s.valueFields(false).forEach(f -> order.add(col(f.name())));
            }
        }
        // One window spec for every view of the stream, so Spark sorts once and evaluates them together.
        WindowSpec w = Window.partitionBy(partition.toArray(Column[]::new))
                .orderBy(order.toArray(Column[]::new))
                .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
        List<Column> withLatest = new ArrayList<>(List.of(col(TIME), col(SIDE), col(SPINE_ROW)));
        for (int v = 0; v < group.size(); v++) {
            Side s = group.get(v);
            List<Column> fields = new ArrayList<>(List.of(col(TIME).as("time")));
            s.valueFields(false).forEach(f -> fields.add(col(f.name())));
            Column row = when(col(VIEW).equalTo(v), struct(fields.toArray(Column[]::new)));
            withLatest.add(last(row, true).over(w).as(RESERVED + "v" + s.index + "_last"));
        }
        Dataset<Row> latest = stream.select(withLatest.toArray(Column[]::new)).where(col(SIDE).equalTo(SPINE_SIDE));

        List<Column> out = spineColumns(currentSchema);
        for (Side s : group) {
            Column row = col(RESERVED + "v" + s.index + "_last");
            // The merge's test, featureTime > time - ttl, without microseconds: a ttl longer than any two times
            // the merge accepts can be apart (2^62 microseconds) keeps every row fresh.
            Column fresh = s.ttlMicros() >= 2 * SORT_LIMIT ? lit(true)
                    : row.getField("time").plus(lit(Duration.ofSeconds(s.side.ttlSeconds()))).gt(col(TIME));
            List<StructField> values = s.valueFields(false);
            for (int i = 0; i < s.features.size(); i++) {
                out.add(when(fresh, row.getField(values.get(i).name())).as(s.features.get(i)));
            }
        }
        return latest.select(out.toArray(Column[]::new));
    }

    /** The stream's order columns: the merge's sort key, or for the window the time itself and the side. */
    private static List<Column> order(Column time, int side, String where, boolean window) {
        return window ? List.of(time.as(TIME), lit(side).as(SIDE)) : List.of(sortKey(time, side, where).as(SORT));
    }

    /**
     * The stream's sort key: the time in microseconds times two, plus one for spine rows, so that feature rows come
     * first at equal times. Null for a null time. Times beyond about 73,000 years from 1970 (far outside the years
     * 0001-9999 that Spark supports) would overflow it and fail the query instead.
     */
    private static Column sortKey(Column time, int side, String where) {
        Column us = unix_micros(time);
        return when(us.isNull(), lit(null).cast(DataTypes.LongType))
                .when(us.between(-SORT_LIMIT, SORT_LIMIT), us.multiply(2).plus(side))
                .otherwise(raise_error(functions.concat(lit("Cannot build a point-in-time join: " + where + " has a time "),
                        us.cast(DataTypes.StringType), lit(" microseconds from 1970-01-01 UTC, outside the range it can"
                                + " order (the years 0001-9999 are fine); fix or filter that row"))).cast(DataTypes.LongType));
    }

    private static String checkSpine(Dataset<Row> spine, Names spineNames, String timeColumn, List<FeatureSide> sides) {
        String doing = "build a point-in-time join";
        if (sides.isEmpty()) {
            throw Errors.badData(doing, "no feature views were given", "name at least one view to join");
        }
        List<String> reserved = Arrays.stream(spine.columns())
                .filter(c -> c.toLowerCase(Locale.ROOT).startsWith(RESERVED)).toList();
        if (!reserved.isEmpty()) {
            throw Errors.badData(doing, "spine column(s) " + quoted(reserved) + " use the prefix '" + RESERVED
                    + "', which the join keeps for itself", "rename those spine columns");
        }
        List<String> dups = spineNames.duplicates();
        if (!dups.isEmpty()) {
            throw Errors.badData(doing, "the spine has several columns named " + quoted(dups)
                    + " (spine columns: " + String.join(", ", spine.columns()) + ")", "rename or drop the duplicates");
        }
        Optional<StructField> time = spineNames.find(timeColumn);
        if (time.isEmpty()) {
            throw Errors.badData(doing, "the spine has no time column '" + timeColumn + "' (spine columns: "
                    + String.join(", ", spine.columns()) + ")", "name the spine's event-time column");
        }
        DataType type = time.get().dataType();
        if (!(type instanceof TimestampType) && !(type instanceof TimestampNTZType)) {
            throw Errors.badData(doing, "the spine's time column '" + timeColumn + "' is " + type.catalogString()
                    + ", not a timestamp (spine columns: " + describe(spine.schema()) + ")",
                    "cast it to a timestamp, e.g. to_timestamp(" + timeColumn + ")");
        }
        return time.get().name();
    }

    private static Side resolve(FeatureSide s, int index, Dataset<Row> spine, Names spineNames, boolean caseSensitive) {
        String doing = "join feature view '" + s.view() + "' to the spine";
        String spineColumns = " (spine columns: " + describe(spine.schema()) + ")";
        Names featureNames = new Names(s.features().schema(), caseSensitive);
        String featureColumns = " (columns of view '" + s.view() + "': " + describe(s.features().schema()) + ")";
        if (s.keys().isEmpty()) {
            throw Errors.badData(doing, "the view has no entity key columns", "give the view's entity keys");
        }
        if (s.featureColumns().isEmpty()) {
            throw Errors.badData(doing, "no feature columns were asked for", "select at least one feature");
        }
        if (s.ttlSeconds() <= 0) {
            throw Errors.badData(doing, "the ttl is " + s.ttlSeconds() + " s", "give a positive ttl");
        }
        List<String> missingInSpine = s.keys().stream().filter(k -> spineNames.find(k).isEmpty()).toList();
        if (!missingInSpine.isEmpty()) {
            throw Errors.badData(doing, "the view is keyed by " + quoted(s.keys()) + ", but the spine has no column "
                    + quoted(missingInSpine) + spineColumns,
                    "add the key column(s) to the spine, or rename the spine's columns to the view's key names");
        }
        List<String> missingInFeatures = new ArrayList<>();
        for (String c : concat(s.keys(), List.of(s.timeColumn()), s.featureColumns())) {
            if (featureNames.find(c).isEmpty()) {
                missingInFeatures.add(c);
            }
        }
        if (!missingInFeatures.isEmpty()) {
            throw Errors.badData(doing, "the view's table has no column " + quoted(missingInFeatures) + featureColumns,
                    "select features the view has");
        }
        List<String> mismatched = new ArrayList<>();
        List<String> spineKeys = new ArrayList<>();
        List<String> featureKeys = new ArrayList<>();
        for (String k : s.keys()) {
            StructField sf = spineNames.find(k).orElseThrow();
            StructField ff = featureNames.find(k).orElseThrow();
            spineKeys.add(sf.name());
            featureKeys.add(ff.name());
            if (!sf.dataType().catalogString().equals(ff.dataType().catalogString())) {
                mismatched.add("'" + k + "' is " + sf.dataType().catalogString() + " in the spine but "
                        + ff.dataType().catalogString() + " in the view");
            }
        }
        if (!mismatched.isEmpty()) {
            throw Errors.badData(doing, "key types differ: " + String.join("; ", mismatched) + spineColumns,
                    "cast the spine's key column(s) to the view's types");
        }
        StructField time = featureNames.find(s.timeColumn()).orElseThrow();
        if (!(time.dataType() instanceof TimestampType)) {
            throw Errors.badData(doing, "the view's time column '" + s.timeColumn() + "' is "
                    + time.dataType().catalogString() + ", not a timestamp" + featureColumns,
                    "point the view's time column at its feature_time timestamp");
        }
        List<StructField> features = s.featureColumns().stream().map(c -> featureNames.find(c).orElseThrow()).toList();
        return new Side(s, index, spineKeys, featureKeys, time.name(), features);
    }

    private static void checkClashes(Dataset<Row> spine, Names spineNames, List<Side> sides) {
        // output name (normalised) -> where it comes from
        Map<String, List<String>> owners = new TreeMap<>();
        for (String c : spine.columns()) {
            owners.computeIfAbsent(spineNames.norm(c), k -> new ArrayList<>()).add("the spine");
        }
        for (Side s : sides) {
            for (String f : s.features) {
                owners.computeIfAbsent(spineNames.norm(f), k -> new ArrayList<>()).add("view '" + s.side.view() + "'");
            }
        }
        List<String> clashes = owners.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> "'" + e.getKey() + "' (from " + String.join(" and ", e.getValue()) + ")").toList();
        if (!clashes.isEmpty()) {
            throw Errors.badData("build a point-in-time join", "output column names clash: " + String.join(", ", clashes),
                    "select features per view as view:f1,f2 so that each name appears once, or rename the spine's column");
        }
    }

    /** A validated side: the names as the spine and the feature table spell them. */
    private static final class Side {
        final FeatureSide side;
        final int index;
        final List<String> spineKeys;
        final List<String> featureKeysInOrder;
        final String time;
        final List<String> features;
        final List<StructField> featureFields;
        final List<TieKey> tieKeys;

        Side(FeatureSide side, int index, List<String> spineKeys, List<String> featureKeys, String time,
             List<StructField> featureFields) {
            this.side = side;
            this.index = index;
            this.spineKeys = spineKeys;
            this.featureKeysInOrder = featureKeys;
            this.time = time;
            this.featureFields = featureFields;
            this.features = featureFields.stream().map(StructField::name).toList();
            this.tieKeys = tieKeys(index, featureFields);
        }

        /** The merge's output column of the time of this view's row, in microseconds. */
        StructField timeField() {
            return DataTypes.createStructField(RESERVED + "v" + index + "_time", DataTypes.LongType, true);
        }

        /**
         * The columns that carry this view's features through the stream, under internal names (a spine row or another
         * view's row has nulls there). The row's time is in the stream's sort key.
         */
        List<StructField> valueFields(boolean bytes) {
            List<StructField> fields = new ArrayList<>();
            for (int i = 0; i < featureFields.size(); i++) {
                // Strings travel as their UTF-8 bytes: the same order and values, but the merge then copies bytes
                // instead of decoding every row's string to a Java String and encoding it back.
                DataType type = featureFields.get(i).dataType();
                fields.add(DataTypes.createStructField(RESERVED + "v" + index + "_" + i,
                        bytes && type instanceof StringType ? DataTypes.BinaryType : type, true));
            }
            return fields;
        }

        /** This view's value columns (and tie struct) from its feature rows {@code f}. */
        List<Column> values(Dataset<Row> f, boolean bytes) {
            List<StructField> fields = valueFields(bytes);
            List<Column> cols = new ArrayList<>();
            for (int i = 0; i < features.size(); i++) {
                cols.add(f.col(quote(features.get(i))).cast(fields.get(i).dataType()).as(fields.get(i).name()));
            }
            if (tieType() != null) {
                cols.add(struct(tieKeys.stream().map(t -> t.value.apply(f).as(t.name)).toArray(Column[]::new))
                        .as(tieColumn()));
            }
            return cols;
        }

        /** Nulls in place of this view's value columns (and tie struct), for rows that are not this view's. */
        List<Column> nullValues(boolean bytes) {
            List<Column> cols = new ArrayList<>();
            for (StructField field : valueFields(bytes)) {
                cols.add(lit(null).cast(field.dataType()).as(field.name()));
            }
            if (tieType() != null) {
                cols.add(lit(null).cast(tieType()).as(tieColumn()));
            }
            return cols;
        }

        /** The column that carries this view's tie values, when its feature struct cannot order ties itself. */
        String tieColumn() {
            return RESERVED + "tie_" + index;
        }

        /** The type of {@link #tieColumn()}; null when the feature struct orders ties itself. */
        StructType tieType() {
            if (tieKeys.isEmpty()) {
                return null;
            }
            return DataTypes.createStructType(tieKeys.stream()
                    .map(t -> DataTypes.createStructField(t.name, t.type, true)).toList());
        }

        Set<String> keySet(boolean caseSensitive) {
            return spineKeys.stream().map(k -> caseSensitive ? k : k.toLowerCase(Locale.ROOT))
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
        }

        /** This view's key names, in the order of {@code groupKeys} (the group's spine key names). */
        List<String> featureKeys(List<String> groupKeys) {
            List<String> out = new ArrayList<>();
            for (String g : groupKeys) {
                int i = indexIgnoringCase(spineKeys, g);
                out.add(featureKeysInOrder.get(i));
            }
            return out;
        }

        long ttlMicros() {
            long s = side.ttlSeconds();
            return s >= Long.MAX_VALUE / 2_000_000L ? Long.MAX_VALUE / 2 : s * 1_000_000L;
        }
    }

    /** A column that orders feature rows of one view with equal entity and time (the tie rule). */
    private record TieKey(String name, DataType type, java.util.function.Function<Dataset<Row>, Column> value) {}

    /**
     * Extra columns for the tie rule; none when every feature is orderable, as the feature struct then orders ties
     * itself and nothing is shuffled twice.
     */
    private static List<TieKey> tieKeys(int index, List<StructField> fields) {
        List<StructField> orderable = fields.stream().filter(f -> orderable(f.dataType())).toList();
        List<StructField> other = fields.stream().filter(f -> !orderable(f.dataType())).toList();
        List<TieKey> out = new ArrayList<>();
        if (other.isEmpty()) {
            return out;
        }
        if (!orderable.isEmpty()) {
            List<StructField> typed = orderable.stream()
                    .map(f -> DataTypes.createStructField(f.name(), f.dataType(), true)).toList();
            out.add(new TieKey(RESERVED + "tie_" + index, DataTypes.createStructType(typed),
                    f -> struct(orderable.stream().map(c -> f.col(quote(c.name())).as(c.name())).toArray(Column[]::new))));
        }
        if (!other.isEmpty()) {
            out.add(new TieKey(RESERVED + "tie_json_" + index, DataTypes.StringType,
                    f -> to_json(struct(other.stream().map(c -> f.col(quote(c.name())).as(c.name())).toArray(Column[]::new)))));
        }
        return out;
    }

    /** Whether Spark can sort by values of this type. */
    private static boolean orderable(DataType t) {
        if (t instanceof MapType || t instanceof CalendarIntervalType || t instanceof UserDefinedType) {
            return false;
        }
        if (t instanceof ArrayType a) {
            return orderable(a.elementType());
        }
        if (t instanceof StructType s) {
            return Arrays.stream(s.fields()).allMatch(f -> orderable(f.dataType()));
        }
        return true;
    }

    /** Column lookup under Spark's case rule. */
    private record Names(StructType schema, boolean caseSensitive) {
        String norm(String name) {
            return caseSensitive ? name : name.toLowerCase(Locale.ROOT);
        }

        Optional<StructField> find(String name) {
            return Arrays.stream(schema.fields()).filter(f -> norm(f.name()).equals(norm(name))).findFirst();
        }

        List<String> duplicates() {
            Set<String> seen = new LinkedHashSet<>();
            Set<String> dups = new LinkedHashSet<>();
            for (String n : schema.fieldNames()) {
                if (!seen.add(norm(n))) {
                    dups.add(n);
                }
            }
            return List.copyOf(dups);
        }
    }

    private static int indexIgnoringCase(List<String> names, String name) {
        int exact = names.indexOf(name);
        if (exact >= 0) {
            return exact;
        }
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return i;
            }
        }
        throw new IllegalStateException("key " + name + " not in " + names);
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> out = new ArrayList<>();
        for (List<String> l : lists) {
            out.addAll(l);
        }
        return out;
    }

    private static String quote(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private static String quoted(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }

    private static String describe(StructType schema) {
        return Arrays.stream(schema.fields()).map(f -> f.name() + " " + f.dataType().catalogString())
                .collect(Collectors.joining(", "));
    }
}
