package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import dev.ingot.features.Reference.Feature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental materialization: six single-day runs give exactly the rows of one run over the six days, and each
 * run after the first computes only its own day of tiles from raw events (the history its windows need is read from
 * the tiles earlier runs stored). Re-running a range replaces it: same rows, one more Delta version per chunk, never a
 * duplicate.
 */
class MaterializeIncrementalTest {
    private static final String DB = "minc";
    private static final int DAYS = 6;
    private static final String VIEW = """
            source: minc_events
            entities: [customer_id]
            aggregations:
              - {name: n, function: count, windows: [1d, 3d, 5d]}
              - {name: amt_sum, function: sum, column: amount, windows: [1d, 5d]}
              - {name: amt_avg, function: avg, column: amount, windows: [5d]}
              - {name: amt_min, function: min, column: amount, windows: [5d]}
              - {name: amt_max, function: max, column: amount, windows: [3d]}
              - {name: amt_sd, function: stddev, column: amount, windows: [5d]}
              - {name: merchants, function: approx_count_distinct, column: merchant_id, windows: [5d]}
              - {name: last_amt, function: last, column: amount, windows: [3d]}
            """;
    private static final List<Feature> FEATURES = List.of(
            new Feature("n_1d", "count", null, 86400), new Feature("n_3d", "count", null, 3 * 86400),
            new Feature("n_5d", "count", null, 5 * 86400),
            new Feature("amt_sum_1d", "sum", "amount", 86400), new Feature("amt_sum_5d", "sum", "amount", 5 * 86400),
            new Feature("amt_avg_5d", "avg", "amount", 5 * 86400), new Feature("amt_min_5d", "min", "amount", 5 * 86400),
            new Feature("amt_max_3d", "max", "amount", 3 * 86400), new Feature("amt_sd_5d", "stddev", "amount", 5 * 86400),
            new Feature("merchants_5d", "approx_count_distinct", "merchant_id", 5 * 86400),
            new Feature("last_amt_3d", "last", "amount", 3 * 86400));

    private static SparkSession spark;
    private static TestProject project;
    private static final List<MaterializeResult> daily = new ArrayList<>();
    private static final List<String> dailyRunIds = new ArrayList<>();
    private static MaterializeResult whole;
    private static String wholeRunId;

    @BeforeAll
    static void materializeDayByDayAndAtOnce(@TempDir Path dir) {
        spark = TestProject.sparkWithDatabase(DB);
        spark.sql("""
                SELECT CAST(pmod(hash(id, 1), 20) AS BIGINT) AS customer_id,
                       timestamp_seconds(1767225600 + pmod(hash(id, 2), 6 * 86400)) AS ts,
                       CASE WHEN id % 17 = 0 THEN NULL ELSE CAST(pmod(hash(id, 3), 4000) AS DOUBLE) / 4 END AS amount,
                       CAST(pmod(hash(id, 4), 9) AS BIGINT) AS merchant_id
                FROM range(1200)""").write().format("delta").mode("overwrite").saveAsTable(DB + ".events");
        project = new TestProject(dir).source("minc_events", DB + ".events", "ts")
                .view("minc_daily", VIEW).view("minc_whole", VIEW);
        FeatureStore store = project.store();
        for (int d = 0; d < DAYS; d++) {
            String runId = Lineage.newRunId();
            dailyRunIds.add(runId);
            daily.add(store.materialize("minc_daily", day(d), day(d + 1), runId));
        }
        wholeRunId = Lineage.newRunId();
        whole = store.materialize("minc_whole", day(0), day(DAYS), wholeRunId);
    }

    @Test
    void singleDayRunsGiveExactlyTheRowsOfOneRunOverTheWholeRange() {
        Dataset<Row> byDay = comparable(spark.table("features.minc_daily_v1"));
        Dataset<Row> atOnce = comparable(spark.table("features.minc_whole_v1"));
        assertThat(atOnce.count()).isPositive().isEqualTo(byDay.count());
        List<List<Row>> diff = TestProject.differences(byDay, atOnce);
        assertThat(diff.get(0)).as("rows of the day-by-day runs not in the one run").isEmpty();
        assertThat(diff.get(1)).as("rows of the one run not in the day-by-day runs").isEmpty();
        assertThat(daily.stream().mapToLong(MaterializeResult::rowsWritten).sum()).isEqualTo(whole.rowsWritten());

        // And both are right.
        spark.sql("SELECT * FROM minc.events WHERE customer_id IS NOT NULL").createOrReplaceTempView("minc_input");
        Dataset<Row> expected = spark.sql(Reference.sql("minc_input", "ts", List.of("customer_id"), day(0), day(DAYS),
                86400, FEATURES));
        List<List<Row>> ref = TestProject.differences(rounded(atOnce, 6), rounded(comparable(expected), 6));
        assertThat(ref.get(0)).isEmpty();
        assertThat(ref.get(1)).isEmpty();
    }

    @Test
    void runsAfterTheFirstComputeOnlyTheirOwnDayOfTilesFromRawEvents() {
        TableName tiles = new TableName("features", "minc_daily_v1__tiles");
        for (int d = 0; d < DAYS; d++) {
            long ownDay = spark.sql("SELECT DISTINCT customer_id FROM minc.events WHERE ts >= timestamp_seconds("
                    + day(d).getEpochSecond() + ") AND ts < timestamp_seconds(" + day(d + 1).getEpochSecond() + ")").count();
            List<Row> tileWrites = spark.sql("SELECT CAST(range_from AS STRING), CAST(range_to AS STRING), rows_written "
                    + "FROM ingot.lineage WHERE operation = 'tiles' AND output_table = '" + tiles + "' AND run_id = '"
                    + dailyRunIds.get(d) + "' ORDER BY range_from").collectAsList();
            if (d == 0) {
                // The first run also computed the 4 days of history its 5d windows need (no events there).
                assertThat(tileWrites).hasSize(2);
                assertThat(tileWrites.get(0).getString(0)).isEqualTo("2025-12-28 00:00:00");
                assertThat(daily.get(d).rawTilesComputed()).isEqualTo(ownDay);
            } else {
                assertThat(tileWrites).as("day %d: one tile write, for its own day", d).hasSize(1);
                assertThat(tileWrites.get(0).getString(0) + " .. " + tileWrites.get(0).getString(1))
                        .isEqualTo(day(d).toString().replace("T", " ").replace("Z", "") + " .. "
                                + day(d + 1).toString().replace("T", " ").replace("Z", ""));
                assertThat(daily.get(d).rawTilesComputed()).as("day %d: tiles from raw events", d).isEqualTo(ownDay);
                assertThat(tileWrites.get(0).getLong(2)).isEqualTo(ownDay);
            }
        }
        // One run over the range computes the same tiles, once.
        long allTiles = spark.sql("SELECT DISTINCT customer_id, to_date(ts) FROM minc.events").count();
        assertThat(whole.rawTilesComputed()).isEqualTo(allTiles);
        assertThat(spark.table("features.minc_daily_v1__tiles").count()).isEqualTo(allTiles);
    }

    @Test
    void rerunningARangeReplacesItWithTheSameRowsInOneNewDeltaVersionPerChunk() {
        FeatureStore store = project.store();
        TableName table = whole.table();
        long before = Lineage.latestVersion(spark, table);
        Dataset<Row> snapshot = spark.sql("SELECT * FROM " + table.sql() + " VERSION AS OF " + before);

        MaterializeResult again = store.materialize("minc_whole", day(2), day(5));
        assertThat(again.change()).isEqualTo(MaterializeResult.Change.UNCHANGED);
        assertThat(again.deltaVersion()).as("one commit").isEqualTo(before + 1);
        assertThat(Lineage.latestVersion(spark, table)).isEqualTo(before + 1);
        assertThat(again.rawTilesComputed()).as("history tiles exist: only the 3 days of the range")
                .isEqualTo(spark.sql("SELECT DISTINCT customer_id, to_date(ts) FROM minc.events "
                        + "WHERE ts >= TIMESTAMP'2026-01-03 00:00:00' AND ts < TIMESTAMP'2026-01-06 00:00:00'").count());
        assertSameRows(spark.table(table.sql()), snapshot);

        MaterializeResult chunked = project.store().withChunkSteps(4).materialize("minc_whole", day(0), day(DAYS));
        assertThat(chunked.chunks()).isEqualTo(2);
        assertThat(chunked.deltaVersion()).as("one commit per chunk").isEqualTo(before + 1 + 2);
        assertSameRows(spark.table(table.sql()), snapshot);
        List<Row> ops = spark.sql("DESCRIBE HISTORY " + table.sql()).where("version > " + before)
                .select("operation").collectAsList();
        assertThat(ops).hasSize(3).allSatisfy(r -> assertThat(r.getString(0)).isEqualTo("WRITE"));
    }

    @Test
    void theTileCoverageRecordIsOnlyACacheOfTheLineage() throws java.io.IOException {
        TableName tiles = new TableName("features", "minc_whole_v1__tiles");
        String location = spark.sql("DESCRIBE DETAIL " + tiles.sql()).first().getAs("location");
        Path record = Path.of(java.net.URI.create(location)).resolve("_ingot_tile_coverage.json");
        assertThat(record).as("written when the tiles table was created").exists();
        long ownDays = spark.sql("SELECT DISTINCT customer_id, to_date(ts) FROM minc.events "
                + "WHERE ts >= TIMESTAMP'2026-01-04 00:00:00' AND ts < TIMESTAMP'2026-01-06 00:00:00'").count();
        // Missing: the lineage says which tiles exist, and the record is rebuilt from it.
        java.nio.file.Files.delete(record);
        MaterializeResult r = project.store().materialize("minc_whole", day(3), day(5));
        assertThat(r.rawTilesComputed()).as("only the range's own days, history from stored tiles").isEqualTo(ownDays);
        assertThat(record).exists();
        // Unreadable: ignored, and rebuilt the same way.
        java.nio.file.Files.writeString(record, "{not json");
        r = project.store().materialize("minc_whole", day(3), day(5));
        assertThat(r.rawTilesComputed()).isEqualTo(ownDays);
        assertThat(java.nio.file.Files.readString(record)).contains("\"format\" : 1");
    }

    private static void assertSameRows(Dataset<Row> now, Dataset<Row> before) {
        assertThat(now.count()).isEqualTo(before.count());
        assertThat(now.select("customer_id", "feature_time").distinct().count()).as("no duplicates").isEqualTo(now.count());
        List<List<Row>> diff = TestProject.differences(comparable(now), comparable(before));
        assertThat(diff.get(0)).isEmpty();
        assertThat(diff.get(1)).isEmpty();
    }

    /**
     * Every column; amounts are multiples of 0.25, so sums, averages, minima and maxima are exact in any order. The
     * standard deviation is merged from per-tile moments, whose rounding depends on the order Spark merges partial
     * aggregates in: it is compared to 9 decimals.
     */
    private static Dataset<Row> comparable(Dataset<Row> rows) {
        List<String> cols = new ArrayList<>(List.of("customer_id", "feature_time"));
        FEATURES.forEach(f -> cols.add(f.name().equals("amt_sd_5d") ? "round(amt_sd_5d, 9) AS amt_sd_5d" : f.name()));
        return rows.selectExpr(cols.toArray(String[]::new));
    }

    private static Dataset<Row> rounded(Dataset<Row> rows, int decimals) {
        List<String> cols = new ArrayList<>();
        for (var f : rows.schema().fields()) {
            cols.add(f.dataType().equals(org.apache.spark.sql.types.DataTypes.DoubleType)
                    ? "round(" + f.name() + ", " + decimals + ") AS " + f.name() : f.name());
        }
        return rows.selectExpr(cols.toArray(String[]::new));
    }
}
