package dev.ingot.features.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.TestSpark;
import dev.ingot.features.internal.AsOfJoin.FeatureSide;
import dev.ingot.features.internal.AsOfJoin.Strategy;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AsOfJoinTest {
    private static final Instant BASE = Instant.parse("2024-03-01T10:00:00Z");
    private static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Property test: AsOfJoin against a brute-force reference on random data.

    // Every trial has its own value of the key column "trial", so several trials run in one Spark job without
    // meeting: each job costs seconds of scheduling, the data milliseconds.
    private static final StructType SPINE = schema(
            field("event_id", DataTypes.LongType, false),
            field("region", DataTypes.StringType),
            field("customer", DataTypes.IntegerType),
            field("trial", DataTypes.IntegerType),
            field("ts", DataTypes.TimestampType),
            field("label", DataTypes.DoubleType),
            field("note", DataTypes.StringType));
    /** Aggregated view: one row per (trial, customer, region, time). */
    private static final StructType SPEND = schema(
            field("trial", DataTypes.IntegerType), field("customer", DataTypes.IntegerType),
            field("region", DataTypes.StringType), field("feature_time", DataTypes.TimestampType),
            field("feature_date", DataTypes.DateType), field("a_amount", DataTypes.IntegerType),
            field("a_avg", DataTypes.DoubleType));
    /** Aggregated view keyed by (trial, customer), columns in another order. */
    private static final StructType PROFILE = schema(
            field("feature_time", DataTypes.TimestampType), field("customer", DataTypes.IntegerType),
            field("feature_date", DataTypes.DateType), field("b_tier", DataTypes.StringType),
            field("b_score", DataTypes.LongType), field("trial", DataTypes.IntegerType), field("b_unused", DataTypes.StringType));
    /** Row-level view keyed by (region, trial, customer): many rows share an entity and time, many are identical. */
    private static final StructType CLICKS = schema(
            field("region", DataTypes.StringType), field("trial", DataTypes.IntegerType),
            field("customer", DataTypes.IntegerType), field("feature_time", DataTypes.TimestampType),
            field("feature_date", DataTypes.DateType), field("c_count", DataTypes.IntegerType),
            field("c_tag", DataTypes.StringType));

    private static final long[] TTLS = {60, 120, 300, 600, 3600};
    private static final int BATCHES = 6;
    private static final int TRIALS_PER_BATCH = 5;

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void matchesBruteForceReferenceOnRandomData(Strategy strategy) {
        for (long seed = 1; seed <= BATCHES; seed++) {
            Random rnd = new Random(seed);
            List<Row> spine = new ArrayList<>();
            List<Row> spend = new ArrayList<>();
            List<Row> profile = new ArrayList<>();
            List<Row> clicks = new ArrayList<>();
            for (int trial = 0; trial < TRIALS_PER_BATCH; trial++) {
                int t = trial;
                spine.addAll(randomSpine(rnd, t));
                spend.addAll(randomFeatures(rnd, SPEND, rnd.nextInt(160), List.of("customer", "region"), () -> RowFactory.create(
                        t, key(rnd), region(rnd), time(rnd), null, nullable(rnd, rnd.nextInt(100)),
                        nullable(rnd, rnd.nextInt(7) / 2.0))));
                profile.addAll(randomFeatures(rnd, PROFILE, rnd.nextInt(80), List.of("customer"), () -> RowFactory.create(
                        time(rnd), key(rnd), null, nullable(rnd, "tier" + rnd.nextInt(3)), (long) rnd.nextInt(5), t, "unused")));
                clicks.addAll(randomFeatures(rnd, CLICKS, rnd.nextInt(160), null, () -> RowFactory.create(
                        region(rnd), t, key(rnd), time(rnd), null, rnd.nextInt(3), nullable(rnd, rnd.nextBoolean() ? "x" : "y"))));
            }
            List<RefView> views = List.of(
                    new RefView("spend", SPEND, spend, List.of("trial", "customer", "region"), List.of("a_amount", "a_avg"),
                            TTLS[rnd.nextInt(TTLS.length)]),
                    new RefView("profile", PROFILE, profile, List.of("trial", "customer"), List.of("b_tier", "b_score"),
                            TTLS[rnd.nextInt(TTLS.length)]),
                    new RefView("clicks", CLICKS, clicks, List.of("region", "trial", "customer"), List.of("c_count", "c_tag"),
                            TTLS[rnd.nextInt(TTLS.length)]));

            Dataset<Row> out = join(strategy, df(spine, SPINE), "ts", views.stream().map(v -> v.side()).toList());

            assertThat(out.schema()).as("%s, seed %d: spine columns unchanged, then each view's features", strategy, seed)
                    .isEqualTo(expectedSchema(SPINE, views));
            assertSameRows(strategy + ", seed " + seed, rows(out.collectAsList()), reference(spine, SPINE, "ts", views));
        }
    }

    private static List<Row> randomSpine(Random rnd, int trial) {
        int n = 1 + rnd.nextInt(200);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!rows.isEmpty() && rnd.nextInt(10) == 0) {
                rows.add(rows.get(rnd.nextInt(rows.size()))); // duplicate spine rows stay duplicates
                continue;
            }
            // customer 4 has no features at all
            Integer customer = rnd.nextInt(20) == 0 ? null : rnd.nextInt(5);
            Timestamp ts = rnd.nextInt(20) == 0 ? null : time(rnd);
            rows.add(RowFactory.create((long) i, region(rnd), customer, trial, ts, rnd.nextDouble(), "n" + rnd.nextInt(3)));
        }
        return rows;
    }

    /** {@code n} rows from {@code make}; unique per (trial, entity, time) when {@code uniqueKeys} is given. */
    private static List<Row> randomFeatures(Random rnd, StructType schema, int n, List<String> uniqueKeys,
                                            Supplier<Row> make) {
        List<Row> rows = new ArrayList<>();
        Set<List<Object>> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Row r = make.get();
            if (uniqueKeys != null) {
                List<Object> id = new ArrayList<>();
                for (String c : uniqueKeys) {
                    id.add(r.get(schema.fieldIndex(c)));
                }
                id.add(r.get(schema.fieldIndex("feature_time")));
                if (!seen.add(id)) {
                    continue;
                }
            }
            rows.add(r);
        }
        return rows;
    }

    /** Customers 0..3 have features; a few feature rows have a null key. */
    private static Integer key(Random rnd) {
        return rnd.nextInt(30) == 0 ? null : rnd.nextInt(4);
    }

    private static String region(Random rnd) {
        return rnd.nextInt(20) == 0 ? null : rnd.nextBoolean() ? "north" : "south";
    }

    /** Whole minutes 0..20 after BASE, so equal times and exact ttl boundaries are frequent. */
    private static Timestamp time(Random rnd) {
        return Timestamp.from(BASE.plusSeconds(60L * rnd.nextInt(21)));
    }

    private static <T> T nullable(Random rnd, T value) {
        return rnd.nextInt(8) == 0 ? null : value;
    }

    /** A view for the reference and for AsOfJoin. */
    private record RefView(String view, StructType schema, List<Row> rows, List<String> keys, List<String> features,
                           long ttlSeconds) {
        FeatureSide side() {
            return new FeatureSide(view, df(rows, schema), keys, "feature_time", features, ttlSeconds);
        }
    }

    /**
     * The definition, by brute force: for each spine row and view, among the view's rows with the same non-null keys
     * and {@code spine_time - ttl < feature_time <= spine_time}, the latest; at equal times, the one with the greatest
     * feature values (compared in feature order, nulls lowest).
     */
    private static List<List<Object>> reference(List<Row> spine, StructType spineSchema, String timeColumn,
                                                List<RefView> views) {
        List<List<Object>> out = new ArrayList<>();
        for (Row s : spine) {
            List<Object> row = new ArrayList<>(values(s));
            Timestamp t = (Timestamp) s.get(spineSchema.fieldIndex(timeColumn));
            for (RefView v : views) {
                Row best = null;
                for (Row f : v.rows) {
                    if (t == null || !sameKeys(s, spineSchema, f, v)) {
                        continue;
                    }
                    Timestamp ft = (Timestamp) f.get(v.schema.fieldIndex("feature_time"));
                    if (ft == null || ft.after(t) || micros(ft) <= micros(t) - v.ttlSeconds * 1_000_000L) {
                        continue;
                    }
                    if (best == null || later(f, best, v) > 0) {
                        best = f;
                    }
                }
                for (String c : v.features) {
                    row.add(best == null ? null : best.get(v.schema.fieldIndex(c)));
                }
            }
            out.add(row);
        }
        return out;
    }

    private static boolean sameKeys(Row s, StructType spineSchema, Row f, RefView v) {
        for (String k : v.keys) {
            Object a = s.get(spineSchema.fieldIndex(k));
            Object b = f.get(v.schema.fieldIndex(k));
            if (a == null || b == null || !a.equals(b)) {
                return false;
            }
        }
        return true;
    }

    /** Orders two feature rows of a view by time, then by their feature values (nulls lowest). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int later(Row a, Row b, RefView v) {
        int i = v.schema.fieldIndex("feature_time");
        int c = ((Timestamp) a.get(i)).compareTo((Timestamp) b.get(i));
        if (c != 0) {
            return c;
        }
        Comparator<Comparable> nullsFirst = Comparator.nullsFirst(Comparator.naturalOrder());
        for (String f : v.features) {
            int j = v.schema.fieldIndex(f);
            c = nullsFirst.compare((Comparable) a.get(j), (Comparable) b.get(j));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static long micros(Timestamp t) {
        return Math.multiplyExact(t.getTime() / 1000, 1_000_000L) + t.getNanos() / 1000;
    }

    private static StructType expectedSchema(StructType spine, List<RefView> views) {
        List<StructField> fields = new ArrayList<>(Arrays.asList(spine.fields()));
        for (RefView v : views) {
            for (String c : v.features) {
                fields.add(field(c, v.schema.apply(c).dataType()));
            }
        }
        return DataTypes.createStructType(fields);
    }

    private static void assertSameRows(String run, List<List<Object>> actual, List<List<Object>> expected) {
        Map<List<Object>, Integer> counts = new HashMap<>();
        expected.forEach(r -> counts.merge(r, 1, Integer::sum));
        actual.forEach(r -> counts.merge(r, -1, Integer::sum));
        List<String> diffs = counts.entrySet().stream().filter(e -> e.getValue() != 0).limit(10)
                .map(e -> (e.getValue() > 0 ? "missing x" : "unexpected x") + Math.abs(e.getValue()) + ": " + e.getKey())
                .toList();
        assertThat(diffs).as("%s: rows that differ from the reference (%d expected, %d actual)",
                run, expected.size(), actual.size()).isEmpty();
        assertThat(actual).hasSameSizeAs(expected);
    }

    /** The join run the given way; the tests above and below hold for both. */
    private static Dataset<Row> join(Strategy strategy, Dataset<Row> spine, String timeColumn, List<FeatureSide> sides) {
        return AsOfJoin.join(spine, timeColumn, ZoneOffset.UTC, sides, strategy);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Examples, one per edge.

    private static final StructType SIMPLE_SPINE = schema(
            field("id", DataTypes.IntegerType), field("customer", DataTypes.IntegerType), field("ts", DataTypes.TimestampType));
    private static final StructType SIMPLE_FEATURES = schema(
            field("customer", DataTypes.IntegerType), field("feature_time", DataTypes.TimestampType),
            field("amount", DataTypes.IntegerType), field("tag", DataTypes.StringType));

    private static Timestamp at(String isoTime) {
        return Timestamp.from(Instant.parse("2024-03-01T" + isoTime + "Z"));
    }

    private static FeatureSide simpleSide(long ttl, Row... rows) {
        return new FeatureSide("spend", df(List.of(rows), SIMPLE_FEATURES), List.of("customer"), "feature_time",
                List.of("amount", "tag"), ttl);
    }

    /** Joins, and returns {id -> [amount, tag]} for the rows of SIMPLE_SPINE. */
    private static Map<Integer, List<Object>> simpleJoin(Strategy strategy, List<Row> spine, FeatureSide side) {
        Map<Integer, List<Object>> out = new HashMap<>();
        for (Row r : join(strategy, df(spine, SIMPLE_SPINE), "ts", List.of(side)).collectAsList()) {
            assertThat(out.put(r.getInt(0), Arrays.asList(r.get(3), r.get(4)))).as("each spine row once").isNull();
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void featureExactlyTtlOldIsExpiredAndOneAtSpineTimeMatches(Strategy strategy) {
        List<Row> spine = List.of(
                RowFactory.create(1, 7, at("10:05:00")),
                RowFactory.create(2, 8, at("10:05:00")),
                RowFactory.create(3, 9, at("10:05:00")));
        FeatureSide side = simpleSide(300,
                RowFactory.create(7, at("10:00:00"), 1, "ttl ago: expired"),
                RowFactory.create(8, at("10:00:00.000001"), 2, "one microsecond inside the ttl"),
                RowFactory.create(9, at("10:05:00"), 3, "at spine time"),
                RowFactory.create(9, at("10:05:00.000001"), 4, "one microsecond later: the future"));

        assertThat(simpleJoin(strategy, spine, side)).as("ttl window is (spine - ttl, spine]")
                .containsEntry(1, Arrays.asList(null, null))
                .containsEntry(2, List.of(2, "one microsecond inside the ttl"))
                .containsEntry(3, List.of(3, "at spine time"));
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void latestEarlierRowWinsAndLaterRowsNeverLeak(Strategy strategy) {
        List<Row> spine = List.of(
                RowFactory.create(1, 7, at("10:00:00")),
                RowFactory.create(2, 7, at("11:30:00")),
                RowFactory.create(3, 7, at("09:00:00")));
        FeatureSide side = simpleSide(86_400,
                RowFactory.create(7, at("09:30:00"), 1, "a"),
                RowFactory.create(7, at("10:00:00"), 2, "b"),
                RowFactory.create(7, at("11:00:00"), 3, "c"),
                RowFactory.create(7, at("12:00:00"), 4, "d"));

        assertThat(simpleJoin(strategy, spine, side))
                .containsEntry(1, List.of(2, "b"))
                .containsEntry(2, List.of(3, "c"))
                .as("nothing before the first feature row").containsEntry(3, Arrays.asList(null, null));
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void latestRowWinsEvenWhenItsValuesAreNull(Strategy strategy) {
        List<Row> spine = List.of(RowFactory.create(1, 7, at("10:00:00")));
        FeatureSide side = simpleSide(86_400,
                RowFactory.create(7, at("09:00:00"), 1, "old"),
                RowFactory.create(7, at("09:30:00"), null, null));

        assertThat(simpleJoin(strategy, spine, side)).as("a newer row of nulls is the newest value, not a gap")
                .containsEntry(1, Arrays.asList(null, null));
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void rowsTiedOnTimeResolveToTheGreatestFeatureValues(Strategy strategy) {
        List<Row> spine = List.of(
                RowFactory.create(1, 7, at("10:00:00")),
                RowFactory.create(2, 8, at("10:00:00")),
                RowFactory.create(3, 9, at("10:00:00")));
        FeatureSide side = simpleSide(7200,
                RowFactory.create(7, at("09:00:00"), 2, "a"),
                RowFactory.create(7, at("09:00:00"), 1, "z"),
                RowFactory.create(8, at("09:00:00"), 5, "a"),
                RowFactory.create(8, at("09:00:00"), 5, "b"),
                RowFactory.create(8, at("09:00:00"), 5, null),
                RowFactory.create(9, at("09:00:00"), null, "z"),
                RowFactory.create(9, at("09:00:00"), 0, null));

        assertThat(simpleJoin(strategy, spine, side)).as("first feature decides, then the next; nulls are lowest")
                .containsEntry(1, List.of(2, "a"))
                .containsEntry(2, List.of(5, "b"))
                .containsEntry(3, Arrays.asList(0, null));
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void tiesOnMapFeaturesAreBrokenDeterministically(Strategy strategy) {
        StructType features = schema(field("customer", DataTypes.IntegerType), field("feature_time", DataTypes.TimestampType),
                field("counts", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType)));
        List<Row> rows = List.of(
                RowFactory.create(7, at("09:00:00"), Map.of("b", 1)),
                RowFactory.create(7, at("09:00:00"), Map.of("a", 2)));
        Dataset<Row> spine = df(List.of(RowFactory.create(1, 7, at("10:00:00"))), SIMPLE_SPINE);
        for (List<Row> order : List.of(rows, List.of(rows.get(1), rows.get(0)))) {
            FeatureSide side = new FeatureSide("counts", df(order, features), List.of("customer"), "feature_time",
                    List.of("counts"), 7200);
            Row out = join(strategy, spine, "ts", List.of(side)).first();
            assertThat(out.getJavaMap(3)).as("the greatest JSON text wins, whatever the input order")
                    .isEqualTo(Map.of("b", 1));
        }
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void nullKeysAndNullTimesNeverMatch(Strategy strategy) {
        List<Row> spine = List.of(
                RowFactory.create(1, null, at("10:00:00")),
                RowFactory.create(2, 7, null),
                RowFactory.create(3, 7, at("10:00:00")));
        FeatureSide side = simpleSide(86_400,
                RowFactory.create(null, at("09:00:00"), 1, "null key"),
                RowFactory.create(7, null, 2, "null time"),
                RowFactory.create(7, at("08:00:00"), 3, "valid"));

        assertThat(simpleJoin(strategy, spine, side))
                .as("a null spine key matches nothing, not even a null feature key").containsEntry(1, Arrays.asList(null, null))
                .as("a null spine time matches nothing").containsEntry(2, Arrays.asList(null, null))
                .as("a feature row with a null time is ignored").containsEntry(3, List.of(3, "valid"));
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void entityWithoutFeaturesAndDuplicateSpineRowsAreKept(Strategy strategy) {
        List<Row> spine = List.of(
                RowFactory.create(1, 7, at("10:00:00")),
                RowFactory.create(1, 7, at("10:00:00")),
                RowFactory.create(2, 99, at("10:00:00")));
        List<Row> out = join(strategy, df(spine, SIMPLE_SPINE), "ts",
                List.of(simpleSide(3600, RowFactory.create(7, at("09:30:00"), 5, "x")))).collectAsList();

        assertThat(rows(out)).containsExactlyInAnyOrder(
                List.of(1, 7, at("10:00:00"), 5, "x"),
                List.of(1, 7, at("10:00:00"), 5, "x"),
                Arrays.asList(2, 99, at("10:00:00"), null, null));
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void emptySpineGivesEmptyResultWithTheFullSchema(Strategy strategy) {
        Dataset<Row> out = join(strategy, df(List.of(), SIMPLE_SPINE), "ts",
                List.of(simpleSide(3600, RowFactory.create(7, at("09:30:00"), 5, "x"))));

        assertThat(out.columns()).containsExactly("id", "customer", "ts", "amount", "tag");
        assertThat(out.collectAsList()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void spineColumnsKeepNamesTypesNullabilityValuesAndOrder(Strategy strategy) {
        StructType nested = schema(field("x", DataTypes.IntegerType), field("y", DataTypes.StringType));
        StructType spineSchema = schema(
                field("label", DataTypes.createDecimalType(10, 2), false),
                field("odd.name", DataTypes.StringType),
                field("Customer", DataTypes.IntegerType),
                field("extra", nested),
                field("event time", DataTypes.TimestampType),
                field("tags", DataTypes.createArrayType(DataTypes.StringType)));
        Row spineRow = RowFactory.create(new BigDecimal("12.50"), "dotted", 7, RowFactory.create(1, "n"),
                at("10:00:00"), List.of("p", "q"));
        Dataset<Row> out = join(strategy, df(List.of(spineRow), spineSchema), "event time",
                List.of(simpleSide(3600, RowFactory.create(7, at("09:30:00"), 5, "x"))));

        assertThat(Arrays.copyOf(out.schema().fields(), 6)).as("the spine's schema, field by field")
                .containsExactly(spineSchema.fields());
        Row r = out.first();
        assertThat(r.getDecimal(0)).isEqualTo(new BigDecimal("12.50"));
        assertThat(r.getString(1)).isEqualTo("dotted");
        assertThat(r.getStruct(3)).isEqualTo(RowFactory.create(1, "n"));
        assertThat(r.getList(5)).containsExactly("p", "q");
        assertThat(Arrays.asList(r.get(6), r.get(7))).as("keys match case-insensitively, as Spark resolves names")
                .containsExactly(5, "x");
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void compositeKeysInAnyOrderAndSeveralViewsKeepTheGivenViewOrder(Strategy strategy) {
        StructType spineSchema = schema(field("a", DataTypes.StringType), field("b", DataTypes.IntegerType),
                field("ts", DataTypes.TimestampType));
        StructType ab = schema(field("b", DataTypes.IntegerType), field("feature_time", DataTypes.TimestampType),
                field("a", DataTypes.StringType), field("f1", DataTypes.IntegerType));
        StructType onlyB = schema(field("b", DataTypes.IntegerType), field("feature_time", DataTypes.TimestampType),
                field("f2", DataTypes.StringType));
        StructType ba = schema(field("a", DataTypes.StringType), field("b", DataTypes.IntegerType),
                field("feature_time", DataTypes.TimestampType), field("f3", DataTypes.LongType));
        Dataset<Row> spine = df(List.of(
                RowFactory.create("u", 1, at("10:00:00")),
                RowFactory.create("v", 1, at("10:00:00"))), spineSchema);
        List<FeatureSide> sides = List.of(
                new FeatureSide("ab", df(List.of(RowFactory.create(1, at("09:00:00"), "u", 11),
                        RowFactory.create(1, at("09:00:00"), "v", 12)), ab), List.of("a", "b"), "feature_time", List.of("f1"), 7200),
                new FeatureSide("only_b", df(List.of(RowFactory.create(1, at("09:59:00"), "by b")), onlyB),
                        List.of("b"), "feature_time", List.of("f2"), 7200),
                new FeatureSide("ba", df(List.of(RowFactory.create("v", 1, at("08:30:00"), 30L)), ba),
                        List.of("b", "a"), "feature_time", List.of("f3"), 7200));

        Dataset<Row> out = join(strategy, spine, "ts", sides);

        assertThat(out.columns()).containsExactly("a", "b", "ts", "f1", "f2", "f3");
        assertThat(rows(out.collectAsList())).containsExactlyInAnyOrder(
                Arrays.asList("u", 1, at("10:00:00"), 11, "by b", null),
                Arrays.asList("v", 1, at("10:00:00"), 12, "by b", 30L));
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void viewsWithTheSameKeysShareOneShuffleAndNothingIsJoined(Strategy strategy) {
        StructType onlyB = schema(field("customer", DataTypes.IntegerType), field("feature_time", DataTypes.TimestampType),
                field("other", DataTypes.StringType));
        Dataset<Row> spine = df(List.of(RowFactory.create(1, 7, at("10:00:00"))), SIMPLE_SPINE)
                .withColumn("region", org.apache.spark.sql.functions.lit("north"));
        StructType regional = schema(field("region", DataTypes.StringType), field("feature_time", DataTypes.TimestampType),
                field("r", DataTypes.IntegerType));
        List<FeatureSide> sides = List.of(
                simpleSide(3600, RowFactory.create(7, at("09:30:00"), 5, "x")),
                new FeatureSide("other", df(List.of(RowFactory.create(7, at("09:40:00"), "y")), onlyB),
                        List.of("customer"), "feature_time", List.of("other"), 3600),
                new FeatureSide("regional", df(List.of(RowFactory.create("north", at("09:50:00"), 3)), regional),
                        List.of("region"), "feature_time", List.of("r"), 3600));

        Dataset<Row> out = join(strategy, spine, "ts", sides);
        String plan = out.queryExecution().executedPlan().toString();

        assertThat(count(plan, "Exchange hashpartitioning")).as("one shuffle per distinct key set:%n%s", plan).isEqualTo(2);
        assertThat(plan).as("a merge, not a join").doesNotContain("Join");
        assertThat(rows(out.collectAsList())).containsExactly(List.of(1, 7, at("10:00:00"), "north", 5, "x", "y", 3));
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void aLocalSpineTimeIsTheInstantItIsInTheGivenZone(Strategy strategy) {
        StructType spineSchema = schema(field("id", DataTypes.IntegerType), field("customer", DataTypes.IntegerType),
                field("ts", DataTypes.TimestampNTZType));
        // 11:00 in Paris on 1 March 2024 is 10:00 UTC.
        Dataset<Row> spine = df(List.of(RowFactory.create(1, 7, LocalDateTime.parse("2024-03-01T11:00:00")),
                RowFactory.create(2, 8, LocalDateTime.parse("2024-03-01T11:00:00"))), spineSchema);
        FeatureSide side = simpleSide(3600,
                RowFactory.create(7, at("10:00:00"), 1, "at the instant"),
                RowFactory.create(8, at("09:59:59"), 2, "before"),
                RowFactory.create(8, at("10:00:00.000001"), 3, "one microsecond after"));

        List<Row> out = AsOfJoin.join(spine, "ts", ZoneId.of("Europe/Paris"), List.of(side), strategy)
                .orderBy("id").collectAsList();

        assertThat(out).extracting(r -> r.get(3)).as("compared as the instants they are in Paris").containsExactly(1, 2);
    }

    @Test
    void theWindowFormHasNeitherTheMergesKeyNorItsTypedPass() {
        Dataset<Row> spine = df(List.of(RowFactory.create(1, 7, at("10:00:00"))), SIMPLE_SPINE);
        Dataset<Row> out = join(Strategy.WINDOW, spine, "ts", List.of(simpleSide(3600, RowFactory.create(7, at("09:30:00"), 5, "x"))));
        String plan = out.queryExecution().executedPlan().toString();

        assertThat(plan).as("what RAPIDS keeps on the CPU is gone:%n%s", plan)
                .contains("Window [last(").doesNotContain("MapPartitions").doesNotContain("unix_micros");
    }

    @Test
    void theSessionChoosesTheWindowOnGpusOrWhenNamed() {
        try {
            assertThat(Strategy.forSession(spark)).as("a CPU session").isEqualTo(Strategy.MERGE);
            spark.conf().set("spark.ingot.gpu", "true");
            assertThat(Strategy.forSession(spark)).as("a session on GPUs").isEqualTo(Strategy.WINDOW);
            spark.conf().set(Strategy.CONF, "merge");
            assertThat(Strategy.forSession(spark)).as("named, whatever the session runs on").isEqualTo(Strategy.MERGE);
            spark.conf().set(Strategy.CONF, "fast");
            assertThatThrownBy(() -> Strategy.forSession(spark)).isInstanceOf(IngotException.class)
                    .hasMessageContaining(Strategy.CONF).hasMessageContaining("merge or window");
        } finally {
            spark.conf().unset("spark.ingot.gpu");
            spark.conf().unset(Strategy.CONF);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Errors.

    @Test
    void timeBeyondTheOrderableRangeFailsNamingTheColumn() {
        // 2^62 microseconds is about 146,000 years after 1970: far outside Spark's years 0001-9999, and past what the
        // merge's sort key (time * 2 + side, in a long) can hold.
        Dataset<Row> spine = df(List.of(RowFactory.create(1, 7, at("10:00:00"))), SIMPLE_SPINE)
                .withColumn("ts", org.apache.spark.sql.functions.timestamp_micros(org.apache.spark.sql.functions.lit(1L << 62)));
        // Only the merge has a sort key; the window orders by the timestamp itself.
        Dataset<Row> out = join(Strategy.MERGE, spine, "ts", List.of(simpleSide(3600, RowFactory.create(7, at("09:30:00"), 5, "x"))));

        assertThatThrownBy(out::collectAsList).as("an error, not a wrong order")
                .hasStackTraceContaining("Cannot build a point-in-time join: the spine's column 'ts' has a time "
                        + (1L << 62) + " microseconds");
    }

    @Test
    void spineMissingAKeyIsBadInputNamingViewColumnAndSpineColumns() {
        Dataset<Row> spine = df(List.of(), SIMPLE_SPINE).withColumnRenamed("customer", "cust");
        assertBadInput(() -> AsOfJoin.join(spine, "ts", List.of(simpleSide(3600))),
                "feature view 'spend'", "no column 'customer'", "spine columns: id int, cust int, ts timestamp");
    }

    @Test
    void keyTypeMismatchIsBadInput() {
        Dataset<Row> spine = df(List.of(), SIMPLE_SPINE).withColumn("customer",
                org.apache.spark.sql.functions.col("customer").cast("bigint"));
        assertBadInput(() -> AsOfJoin.join(spine, "ts", List.of(simpleSide(3600))),
                "feature view 'spend'", "'customer' is bigint in the spine but int in the view", "spine columns: id int");
    }

    @Test
    void spineTimeThatIsNotATimestampIsBadInput() {
        Dataset<Row> spine = df(List.of(), SIMPLE_SPINE).withColumn("ts", org.apache.spark.sql.functions.lit("2024-03-01"));
        assertBadInput(() -> AsOfJoin.join(spine, "ts", List.of(simpleSide(3600))),
                "time column 'ts' is string, not a timestamp", "to_timestamp(ts)", "spine columns: id int, customer int, ts string");
    }

    @Test
    void missingSpineTimeIsBadInput() {
        assertBadInput(() -> AsOfJoin.join(df(List.of(), SIMPLE_SPINE), "event_ts", List.of(simpleSide(3600))),
                "no time column 'event_ts'", "spine columns: id, customer, ts");
    }

    @Test
    void missingFeatureColumnIsBadInput() {
        FeatureSide side = new FeatureSide("spend", df(List.of(), SIMPLE_FEATURES), List.of("customer"), "feature_time",
                List.of("amount", "amount_7d"), 3600);
        assertBadInput(() -> AsOfJoin.join(df(List.of(), SIMPLE_SPINE), "ts", List.of(side)),
                "view 'spend'", "no column 'amount_7d'", "feature_time timestamp");
    }

    @Test
    void featureNamedLikeASpineColumnIsBadInput() {
        Dataset<Row> spine = df(List.of(), SIMPLE_SPINE).withColumn("Amount", org.apache.spark.sql.functions.lit(1));
        assertBadInput(() -> AsOfJoin.join(spine, "ts", List.of(simpleSide(3600))),
                "'amount' (from the spine and view 'spend')", "view:f1,f2");
    }

    @Test
    void featureInTwoViewsIsBadInput() {
        FeatureSide other = new FeatureSide("spend_eu", df(List.of(), SIMPLE_FEATURES), List.of("customer"),
                "feature_time", List.of("tag"), 3600);
        assertBadInput(() -> AsOfJoin.join(df(List.of(), SIMPLE_SPINE), "ts", List.of(simpleSide(3600), other)),
                "'tag' (from view 'spend' and view 'spend_eu')", "view:f1,f2");
    }

    @Test
    void nonPositiveTtlIsBadInput() {
        assertBadInput(() -> AsOfJoin.join(df(List.of(), SIMPLE_SPINE), "ts", List.of(simpleSide(0))),
                "view 'spend'", "ttl is 0 s");
    }

    private static void assertBadInput(Runnable call, String... fragments) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(IngotException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(e.getMessage()).contains(fragments);
        });
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static Dataset<Row> df(List<Row> rows, StructType schema) {
        return spark.createDataFrame(rows, schema);
    }

    private static List<List<Object>> rows(List<Row> rows) {
        return rows.stream().map(AsOfJoinTest::values).toList();
    }

    private static List<Object> values(Row r) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < r.length(); i++) {
            out.add(r.get(i));
        }
        return out;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static StructType schema(StructField... fields) {
        return DataTypes.createStructType(fields);
    }

    private static StructField field(String name, DataType type) {
        return field(name, type, true);
    }

    private static StructField field(String name, DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }
}
