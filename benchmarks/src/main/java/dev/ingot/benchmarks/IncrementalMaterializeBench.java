package dev.ingot.benchmarks;

import dev.ingot.core.Location;
import dev.ingot.core.Catalog;
import dev.ingot.core.IngotSessions;
import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.MaterializeResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark: the cost of materializing one more day after 30, against recomputing all 31 days, in the same run.
 *
 * <p>Generates time-ordered events as a Delta table (as an append-only event log is: each file covers a span of
 * time), materializes days 1..30, then times (a) day 31 alone and (b) all 31 days again (which replaces the range),
 * and checks that (a)'s rows for the day-31 tick equal (b)'s. Times are wall times of the whole
 * {@code FeatureStore.materialize} call; the Materializer's log line of each chunk says where its time went.
 *
 * <p>Run it with {@code benchmarks/run.sh incremental [arguments]}. Arguments: {@code --events N} (10,000,000),
 * {@code --entities N} (50,000), {@code --master M} ({@code local[2]}), {@code --warehouse DIR} (a new temporary
 * directory, deleted afterwards; a given one is kept), and {@code --without-distinct true} to leave out the view's
 * approximate distinct count (a diagnostic: what the HyperLogLog merges cost). Exits 1 when (a)'s rows differ from
 * (b)'s.
 */
public final class IncrementalMaterializeBench {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final int DAYS = 31;
    /** The view of this benchmark and of {@link MaterializeVsSqlBench}. */
    static final String VIEW = """
            description: Benchmark view, several aggregations over 1d, 7d and 30d windows
            source: events
            entities: [customer_id]
            cadence: 1d
            aggregations:
              - {name: n, function: count, windows: [1d, 7d, 30d]}
              - {name: spend, function: sum, column: amount, windows: [1d, 7d, 30d]}
              - {name: avg_amount, function: avg, column: amount, windows: [7d, 30d]}
              - {name: max_amount, function: max, column: amount, windows: [30d]}
              - {name: merchants, function: approx_count_distinct, column: merchant_id, windows: [30d]}
            """;

    private IncrementalMaterializeBench() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = Bench.args("incremental", args, "events", "10000000", "entities", "50000",
                "without-distinct", "false");
        long events = Long.parseLong(opts.get("events"));
        long entities = Long.parseLong(opts.get("entities"));
        boolean equal;
        try (Bench.Warehouse wh = Bench.Warehouse.of(opts, "incremental")) {
            equal = run(wh, opts, events, entities);
        }
        if (!equal) {
            System.exit(1);
        }
    }

    /** Runs the benchmark and prints its report; returns whether (a), (a') and (b) wrote the same day-31 rows. */
    private static boolean run(Bench.Warehouse wh, Map<String, String> opts, long events, long entities) throws IOException {
        Path warehouse = wh.dir();
        SparkSession spark = wh.session(opts, "incremental").build();
        Catalog.ensureDatabases(spark, Location.of(warehouse));
        Catalog.ensureDatabase(spark, Location.of(warehouse), "bench", "benchmark inputs");

        List<String> report = new ArrayList<>();
        report.add(String.format(Locale.ROOT, "events=%d entities=%d days=%d master=%s shuffle.partitions=%s", events,
                entities, DAYS, opts.get("master"), spark.conf().get("spark.sql.shuffle.partitions")));

        // 1. Events, time-ordered: each of 2 files per day covers half a day. Amounts are multiples of 0.25, so
        //    sums are exact in any order. Not timed.
        long t = System.nanoTime();
        long span = DAYS * 86400L;
        spark.sql("SELECT CAST(pmod(hash(id, 1), " + entities + ") AS BIGINT) AS customer_id, "
                + "timestamp_seconds(" + START.getEpochSecond() + " + CAST(id * " + span + " / " + events + " AS BIGINT)) AS ts, "
                + "CAST(pmod(hash(id, 2), 40000) AS DOUBLE) / 4 AS amount, "
                + "CAST(pmod(hash(id, 3), 2000) AS BIGINT) AS merchant_id "
                + "FROM range(0, " + events + ", 1, " + (DAYS * 2) + ")")
                .write().format("delta").mode("overwrite").saveAsTable("bench.events");
        report.add(line("generate events (not timed)", secs(t)));

        Path project = warehouse.resolve("project");
        Files.createDirectories(project.resolve("sources"));
        Files.createDirectories(project.resolve("feature_views"));
        Files.writeString(project.resolve("ingot.yaml"), "name: bench\nwarehouse: " + warehouse + "\n");
        Files.writeString(project.resolve("sources/events.yaml"), "table: bench.events\nevent_time: ts\n");
        boolean withoutDistinct = Boolean.parseBoolean(opts.get("without-distinct"));
        Files.writeString(project.resolve("feature_views/spend.yaml"), withoutDistinct
                ? VIEW.lines().filter(l -> !l.contains("approx_count_distinct")).collect(java.util.stream.Collectors.joining("\n", "", "\n"))
                : VIEW);
        report.add("view: " + (withoutDistinct ? "without the approximate distinct count" : "as documented"));
        FeatureStore store = FeatureStore.of(spark, ProjectLoader.load(project));

        // 2. Days 1..30 (ticks Jan 2 .. Jan 31). Not timed.
        MaterializeResult base = store.materialize("spend", day(0), day(30));
        report.add(line("materialize days 1..30 (not timed)", base));

        // 3a. Day 31 alone (the tick Feb 1). Then once more, as a diagnostic: the same plans a second time.
        MaterializeResult one = store.materialize("spend", day(30), day(31));
        report.add(line("(a) day 31 only", one));
        MaterializeResult again = store.materialize("spend", day(30), day(31));
        report.add(line("(a') day 31 again (diagnostic)", again));

        // 3b. All 31 days again: replaces the range.
        MaterializeResult all = store.materialize("spend", day(0), day(31));
        report.add(line("(b) days 1..31 recomputed", all));

        // 4. The day-31 tick from (a) equals (b)'s.
        TableName table = all.table();
        String tick = "feature_time = timestamp_seconds(" + day(31).getEpochSecond() + ")";
        Dataset<Row> a = spark.sql("SELECT * FROM " + table.sql() + " VERSION AS OF " + one.deltaVersion()).where(tick);
        Dataset<Row> a2 = spark.sql("SELECT * FROM " + table.sql() + " VERSION AS OF " + again.deltaVersion()).where(tick);
        Dataset<Row> b = spark.sql("SELECT * FROM " + table.sql() + " VERSION AS OF " + all.deltaVersion()).where(tick);
        long rows = b.count();
        long onlyA = a.exceptAll(b).count();
        long onlyB = b.exceptAll(a).count();
        long a2Differs = a2.exceptAll(a).count() + a.exceptAll(a2).count();
        report.add(String.format(Locale.ROOT, "check: day-31 tick rows=%d, only in (a)=%d, only in (b)=%d, (a') differs "
                + "from (a) in %d -> %s", rows, onlyA, onlyB, a2Differs,
                onlyA == 0 && onlyB == 0 && a2Differs == 0 && rows == one.rowsWritten() ? "EQUAL" : "DIFFERENT"));
        report.add(String.format(Locale.ROOT, "ratio (a)/(b) = %.3f (1/%.1f)", one.seconds() / all.seconds(),
                all.seconds() / one.seconds()));
        report.add("source Delta version " + Lineage.latestVersion(spark, new TableName("bench", "events"))
                + ", warehouse " + (wh.temporary() ? "(temporary, deleted)" : warehouse));
        System.out.println();
        System.out.println("== Incremental materialization benchmark ==");
        report.forEach(System.out::println);
        spark.stop();
        return onlyA == 0 && onlyB == 0 && a2Differs == 0;
    }

    private static Instant day(int n) {
        return START.plusSeconds(86400L * n);
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String line(String what, double seconds) {
        return String.format(Locale.ROOT, "%-38s %8.1f s", what, seconds);
    }

    private static String line(String what, MaterializeResult r) {
        return String.format(Locale.ROOT, "%-38s %8.1f s  (%d feature rows, %d tiles from raw events, %d chunk(s))",
                what, r.seconds(), r.rowsWritten(), r.rawTilesComputed(), r.chunks());
    }
}
