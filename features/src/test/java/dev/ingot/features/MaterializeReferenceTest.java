package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.features.Reference.Feature;
import dev.ingot.features.internal.Tiles;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Materialized features against a brute-force SQL reference ({@link Reference}): every aggregate function (count of
 * rows and of a column, sum of double/int/decimal, avg, min, max, stddev, approx_count_distinct, last), daily and
 * hourly cadence, two entity keys, a filter, transformations built on earlier transformations, null entity keys
 * (left out) and null values in aggregated columns. A range of ticks is assembled both ways ({@link Tiles.Strategy}):
 * with sliding window frames (CPUs) and by expanding the tiles (GPUs).
 */
class MaterializeReferenceTest {
    private static final String DB = "mref";
    private static final List<String> KEYS2 = List.of("customer_id", "region");
    private static SparkSession spark;
    private static TestProject project;

    @BeforeAll
    static void events(@TempDir Path dir) {
        spark = TestProject.sparkWithDatabase(DB);
        // 3000 events over 10 days; nulls in keys, in amount and in status; amounts are multiples of 0.25 so sums
        // are exact; one price in 50 is near the top of DECIMAL(10,2), so a 3-day sum overflows that type.
        spark.sql("""
                SELECT CAST(id AS STRING) AS event_id,
                       CASE WHEN id % 97 = 0 THEN NULL ELSE CAST(pmod(hash(id, 1), 12) AS BIGINT) END AS customer_id,
                       CASE WHEN id % 89 = 0 THEN NULL
                            ELSE element_at(array('north', 'south', 'east'), pmod(hash(id, 2), 3) + 1) END AS region,
                       timestamp_seconds(1767225600 + pmod(hash(id, 3), 10 * 86400)) AS ts,
                       CASE WHEN id % 13 = 0 THEN NULL ELSE CAST(pmod(hash(id, 4), 40000) AS DOUBLE) / 4 END AS amount,
                       CAST(pmod(hash(id, 5), 7) AS INT) AS qty,
                       CASE WHEN id % 50 = 0 THEN CAST(99999999.99 AS DECIMAL(10, 2))
                            ELSE CAST(pmod(hash(id, 6), 100000) / 100 AS DECIMAL(10, 2)) END AS price,
                       CAST(pmod(hash(id, 7), 25) AS BIGINT) AS merchant_id,
                       CASE WHEN id % 11 = 0 THEN 'void' WHEN id % 23 = 0 THEN NULL ELSE 'ok' END AS status
                FROM range(3000)""").write().format("delta").mode("overwrite").saveAsTable(DB + ".events");
        project = new TestProject(dir).source("mref_events", DB + ".events", "ts");
    }

    @ParameterizedTest
    @EnumSource(Tiles.Strategy.class)
    void dailyViewWithEveryFunctionTwoKeysFilterAndChainedTransformationsMatchesTheReference(Tiles.Strategy strategy) {
        String view = "mref_daily_" + strategy.name().toLowerCase(java.util.Locale.ROOT);
        project.view(view, """
                source: mref_events
                entities: [customer_id, region]
                filter: "status <> 'void'"
                transformations:
                  - name: amount_cents
                    expr: amount * 100
                  - name: big
                    expr: amount_cents > 5000
                  - name: big_cents
                    expr: CASE WHEN big THEN amount_cents END
                aggregations:
                  - {name: n, function: count, windows: [1d, 3d]}
                  - {name: n_amt, function: count, column: amount, windows: [3d]}
                  - {name: amt_sum, function: sum, column: amount, windows: [1d, 3d]}
                  - {name: qty_sum, function: sum, column: qty, windows: [3d]}
                  - {name: price_sum, function: sum, column: price, windows: [3d]}
                  - {name: amt_avg, function: avg, column: amount, windows: [3d]}
                  - {name: amt_min, function: min, column: amount, windows: [1d, 3d]}
                  - {name: amt_max, function: max, column: amount, windows: [3d]}
                  - {name: amt_sd, function: stddev, column: amount, windows: [3d]}
                  - {name: merchants, function: approx_count_distinct, column: merchant_id, windows: [3d]}
                  - {name: last_amt, function: last, column: amount, windows: [1d, 3d]}
                  - {name: big_sum, function: sum, column: big_cents, windows: [3d]}
                  - {name: any_big, function: max, column: big, windows: [3d]}
                """);
        MaterializeResult r = materialize(strategy, view, day(0), day(10));
        assertThat(r.table().toString()).isEqualTo("features." + view + "_v1");
        assertThat(r.change()).isEqualTo(MaterializeResult.Change.NEW);

        spark.sql("""
                SELECT *, amount * 100 AS amount_cents, amount * 100 > 5000 AS big,
                       CASE WHEN amount * 100 > 5000 THEN amount * 100 END AS big_cents
                FROM mref.events
                WHERE status <> 'void' AND customer_id IS NOT NULL AND region IS NOT NULL""")
                .createOrReplaceTempView("mref_daily_input");
        long d = 86400;
        List<Feature> features = List.of(
                new Feature("n_1d", "count", null, d), new Feature("n_3d", "count", null, 3 * d),
                new Feature("n_amt_3d", "count", "amount", 3 * d),
                new Feature("amt_sum_1d", "sum", "amount", d), new Feature("amt_sum_3d", "sum", "amount", 3 * d),
                new Feature("qty_sum_3d", "sum", "qty", 3 * d), new Feature("price_sum_3d", "sum", "price", 3 * d),
                new Feature("amt_avg_3d", "avg", "amount", 3 * d),
                new Feature("amt_min_1d", "min", "amount", d), new Feature("amt_min_3d", "min", "amount", 3 * d),
                new Feature("amt_max_3d", "max", "amount", 3 * d), new Feature("amt_sd_3d", "stddev", "amount", 3 * d),
                new Feature("merchants_3d", "approx_count_distinct", "merchant_id", 3 * d),
                new Feature("last_amt_1d", "last", "amount", d), new Feature("last_amt_3d", "last", "amount", 3 * d),
                new Feature("big_sum_3d", "sum", "big_cents", 3 * d), new Feature("any_big_3d", "max", "big", 3 * d));
        Dataset<Row> expected = spark.sql(Reference.sql("mref_daily_input", "ts", List.of("customer_id", "region"),
                day(0), day(10), d, features));
        Dataset<Row> got = spark.table("features." + view + "_v1");

        assertSameTypes(got, expected, features);
        assertThat(got.count()).as("one row per entity and tick whose 3d window holds an event").isEqualTo(expected.count());
        assertThat(r.rowsWritten()).isEqualTo(expected.count());
        // The data set has what the test claims to cover: null values inside windows, and an overflowing decimal.
        assertThat(expected.where("n_amt_3d < n_3d").count()).as("windows with null amounts").isPositive();
        assertThat(expected.where("price_sum_3d > 99999999.99").count()).as("sums beyond DECIMAL(10,2)").isPositive();
        assertThat(got.where("price_sum_3d IS NULL").count()).as("no decimal sum overflows to null").isZero();
        assertThat(got.where("feature_date <> to_date(feature_time)").count()).isZero();

        List<List<Row>> diff = TestProject.differences(comparable(got, KEYS2, features), comparable(expected, KEYS2, features));
        assertThat(diff.get(0)).as("rows materialized but not in the reference").isEmpty();
        assertThat(diff.get(1)).as("rows in the reference but not materialized").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Tiles.Strategy.class)
    void hourlyViewMatchesTheReferenceAndComputesItsHistoryFromRawEvents(Tiles.Strategy strategy) {
        String view = "mref_hourly_" + strategy.name().toLowerCase(java.util.Locale.ROOT);
        project.view(view, """
                source: mref_events
                entities: [customer_id]
                cadence: 1h
                aggregations:
                  - {name: n, function: count, windows: [1h, 6h, 24h]}
                  - {name: amt_sum, function: sum, column: amount, windows: [6h, 24h]}
                  - {name: events, function: approx_count_distinct, column: event_id, windows: [24h]}
                  - {name: last_amt, function: last, column: amount, windows: [24h]}
                """);
        Instant from = day(3);
        Instant to = day(4).plusSeconds(12 * 3600);
        MaterializeResult r = materialize(strategy, view, from, to);

        spark.sql("SELECT * FROM mref.events WHERE customer_id IS NOT NULL").createOrReplaceTempView("mref_hourly_input");
        long h = 3600;
        List<Feature> features = List.of(
                new Feature("n_1h", "count", null, h), new Feature("n_6h", "count", null, 6 * h),
                new Feature("n_24h", "count", null, 24 * h),
                new Feature("amt_sum_6h", "sum", "amount", 6 * h), new Feature("amt_sum_24h", "sum", "amount", 24 * h),
                new Feature("events_24h", "approx_count_distinct", "event_id", 24 * h),
                new Feature("last_amt_24h", "last", "amount", 24 * h));
        Dataset<Row> expected = spark.sql(Reference.sql("mref_hourly_input", "ts", List.of("customer_id"), from, to, h,
                features));
        Dataset<Row> got = spark.table("features." + view + "_v1");

        assertSameTypes(got, expected, features);
        assertThat(got.count()).isEqualTo(expected.count());
        Row span = got.selectExpr("CAST(min(feature_time) AS STRING)", "CAST(max(feature_time) AS STRING)").first();
        assertThat(span.getString(0) + " .. " + span.getString(1)).as("ticks (from, to]")
                .isEqualTo("2026-01-04 01:00:00 .. 2026-01-05 12:00:00");
        // Tiles of [from, to) (36 hours) plus the 23 hours of history before from, all from raw events.
        long tiles = spark.table("mref_hourly_input")
                .where("ts >= TIMESTAMP'2026-01-03 01:00:00' AND ts < TIMESTAMP'2026-01-05 12:00:00'")
                .selectExpr("customer_id", "date_trunc('HOUR', ts)").distinct().count();
        assertThat(r.rawTilesComputed()).isEqualTo(tiles);

        // approx_count_distinct is exact: tiles keep each hour's set of distinct values, windows count their union.
        List<List<Row>> diff = TestProject.differences(comparable(got, List.of("customer_id"), features), comparable(expected, List.of("customer_id"), features));
        assertThat(diff.get(0)).isEmpty();
        assertThat(diff.get(1)).isEmpty();
    }

    @Test
    void rowLevelViewHasOneRowPerEventInRangeWithItsTransformations() {
        project.view("mref_rows", """
                source: mref_events
                entities: [customer_id, region]
                filter: "status <> 'void'"
                transformations:
                  - name: region_code
                    expr: upper(substr(region, 1, 1))
                  - name: amount_cents
                    expr: amount * 100
                  - name: big
                    expr: amount_cents > 5000
                """);
        MaterializeResult r = project.store().materialize("mref_rows", day(2), day(4));
        Dataset<Row> expected = spark.sql("""
                SELECT customer_id, region, ts AS feature_time, to_date(ts) AS feature_date,
                       upper(substr(region, 1, 1)) AS region_code, amount * 100 AS amount_cents, amount * 100 > 5000 AS big
                FROM mref.events
                WHERE status <> 'void' AND customer_id IS NOT NULL AND region IS NOT NULL
                  AND ts >= TIMESTAMP'2026-01-03 00:00:00' AND ts < TIMESTAMP'2026-01-05 00:00:00'""");
        Dataset<Row> got = spark.table("features.mref_rows_v1");
        assertThat(got.columns()).containsExactly("customer_id", "region", "feature_time", "feature_date", "region_code",
                "amount_cents", "big");
        assertThat(r.rowsWritten()).isEqualTo(expected.count());
        List<List<Row>> diff = TestProject.differences(got, expected);
        assertThat(diff.get(0)).isEmpty();
        assertThat(diff.get(1)).isEmpty();
    }

    /** Materializes with the session's windows set to {@code strategy} (both must give the reference's rows). */
    private static MaterializeResult materialize(Tiles.Strategy strategy, String view, Instant from, Instant to) {
        spark.conf().set(Tiles.Strategy.CONF, strategy.name());
        try {
            return project.store().materialize(view, from, to);
        } finally {
            spark.conf().unset(Tiles.Strategy.CONF);
        }
    }

    /** Each feature column has the type Spark's own aggregate gives (sum of decimal(10,2) is decimal(20,2), ...). */
    private static void assertSameTypes(Dataset<Row> got, Dataset<Row> expected, List<Feature> features) {
        Map<String, DataType> g = Arrays.stream(got.schema().fields()).collect(Collectors.toMap(StructField::name, StructField::dataType));
        Map<String, DataType> e = Arrays.stream(expected.schema().fields()).collect(Collectors.toMap(StructField::name, StructField::dataType));
        for (Feature f : features) {
            assertThat(g.get(f.name()).simpleString()).as("type of " + f.name()).isEqualTo(e.get(f.name()).simpleString());
        }
    }

    /** Keys, tick and features in one order, doubles rounded to 6 decimals (sums of tiles add in another order). */
    private static Dataset<Row> comparable(Dataset<Row> rows, List<String> keys, List<Feature> features) {
        Map<String, DataType> types = Arrays.stream(rows.schema().fields())
                .collect(Collectors.toMap(StructField::name, StructField::dataType));
        List<String> cols = new ArrayList<>(keys);
        cols.add("feature_time");
        for (Feature f : features) {
            cols.add(types.get(f.name()).equals(DataTypes.DoubleType) ? "round(" + f.name() + ", 6) AS " + f.name() : f.name());
        }
        return rows.selectExpr(cols.toArray(String[]::new));
    }
}
