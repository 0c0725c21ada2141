package dev.ingot.benchmarks;

import dev.ingot.core.Catalog;
import dev.ingot.core.Location;
import dev.ingot.core.TableName;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.MaterializeResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Materialization against plain SQL: one {@code FeatureStore.materialize} of a view over {@code --days} days from
 * nothing (a full backfill: tiles, windows, the Delta table, its registry and lineage) against one hand-written Spark
 * SQL query computing the same windows for the same ticks, written to a Delta table too. The SQL is the reference a
 * data engineer who knows Spark would write ({@link #SQL}): the events rolled up per customer and day (count, sum,
 * max, the set of merchants), then each daily tick joined by range to the days of its longest window and folded with
 * conditional aggregates, so that every event is read once and each tick reads 30 small daily rows per customer, not
 * the raw events again.
 *
 * <p>Both are timed end to end (wall time and this JVM's CPU time, plus the Spark tasks' CPU time), in turn,
 * {@code --repeat} times, each run into tables of its own: Ingot's run {@code i} materializes a view {@code spend_i}
 * defined exactly as the others (so no run reuses another's tiles), the SQL run {@code i} creates
 * {@code bench.sql_i}. Afterwards, untimed, every output is compared with the first Ingot run's on every column
 * ({@code exceptAll} both ways); the benchmark exits 1 if any differs. Amounts are multiples of 0.25, so sums are
 * exact in any order and the outputs compare exactly.
 *
 * <p>Run it with {@code benchmarks/run.sh materialize-sql [arguments]}. Arguments: {@code --events N} (10,000,000),
 * {@code --entities N} (50,000), {@code --days N} (90), {@code --repeat N} (3, for a spread), {@code --master M}
 * ({@code local[2]}), {@code --warehouse DIR} (a new temporary directory, deleted afterwards; a given one is kept).
 */
public final class MaterializeVsSqlBench {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    /** The output's columns, in the order both are compared. */
    private static final List<String> COLUMNS = List.of("customer_id", "feature_time", "n_1d", "n_7d", "n_30d",
            "spend_1d", "spend_7d", "spend_30d", "avg_amount_7d", "avg_amount_30d", "max_amount_30d", "merchants_30d");
    /**
     * The hand-written reference, for ticks {@code FROM + 1 day .. TO} (Ingot's {@code (from, to]}), each row the
     * events in {@code [tick - w, tick)}: a count is 0 and the other aggregates null when a shorter window is empty;
     * rows only where the 30-day window holds an event; approx_count_distinct is exact in Ingot (docs/features.md).
     */
    static final String SQL = """
            WITH daily AS (
              SELECT customer_id, to_date(ts) AS day, count(*) AS n, sum(amount) AS spend, max(amount) AS max_amount,
                     collect_set(merchant_id) AS merchants
              FROM bench.events
              WHERE ts >= TIMESTAMP'%1$s' AND ts < TIMESTAMP'%2$s' AND customer_id IS NOT NULL
              GROUP BY customer_id, to_date(ts)),
            ticks AS (
              SELECT explode(sequence(DATE'%3$s', DATE'%4$s', INTERVAL 1 DAY)) AS tick)
            SELECT d.customer_id, CAST(t.tick AS TIMESTAMP) AS feature_time,
                   sum(IF(d.day >= date_sub(t.tick, 1), d.n, 0)) AS n_1d,
                   sum(IF(d.day >= date_sub(t.tick, 7), d.n, 0)) AS n_7d,
                   sum(d.n) AS n_30d,
                   sum(IF(d.day >= date_sub(t.tick, 1), d.spend, NULL)) AS spend_1d,
                   sum(IF(d.day >= date_sub(t.tick, 7), d.spend, NULL)) AS spend_7d,
                   sum(d.spend) AS spend_30d,
                   sum(IF(d.day >= date_sub(t.tick, 7), d.spend, NULL))
                     / sum(IF(d.day >= date_sub(t.tick, 7), d.n, NULL)) AS avg_amount_7d,
                   sum(d.spend) / sum(d.n) AS avg_amount_30d,
                   max(d.max_amount) AS max_amount_30d,
                   size(array_distinct(flatten(collect_list(d.merchants)))) AS merchants_30d
            FROM ticks t JOIN daily d ON d.day >= date_sub(t.tick, 30) AND d.day < t.tick
            GROUP BY d.customer_id, t.tick""";

    private MaterializeVsSqlBench() {}

    record Run(String method, int run, double seconds, double cpuSeconds, double taskCpuSeconds, long rows,
               TableName table) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts;
        long events;
        long entities;
        int days;
        int repeat;
        try {
            opts = Bench.args("materialize-sql", args, "events", "10000000", "entities", "50000", "days", "90",
                    "repeat", "3");
            events = positive(opts, "events");
            entities = positive(opts, "entities");
            days = Math.toIntExact(positive(opts, "days"));
            repeat = Math.toIntExact(positive(opts, "repeat"));
            if (days < 31) {
                throw new IllegalArgumentException("materialize-sql: --days must be at least 31 (the view's longest "
                        + "window is 30 days), not " + days);
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        boolean equal;
        try (Bench.Warehouse wh = Bench.Warehouse.of(opts, "materialize-sql")) {
            equal = run(wh, opts, events, entities, days, repeat);
        }
        if (!equal) {
            System.exit(1);
        }
    }

    private static long positive(Map<String, String> opts, String name) {
        try {
            long n = Long.parseLong(opts.get(name));
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("materialize-sql: --" + name + " takes a positive whole number, not '"
                + opts.get(name) + "'");
    }

    private static boolean run(Bench.Warehouse wh, Map<String, String> opts, long events, long entities, int days,
                               int repeat) throws Exception {
        Path warehouse = wh.dir();
        SparkSession spark = wh.session(opts, "materialize-sql").build();
        AtomicLong taskCpu = new AtomicLong();
        Bench.countTaskCpu(spark, taskCpu, e -> { });
        Catalog.ensureDatabases(spark, Location.of(warehouse));
        Catalog.ensureDatabase(spark, Location.of(warehouse), "bench", "benchmark inputs");
        System.out.printf(Locale.ROOT, "== materialize-sql | %s UTC | %d cores, load average %.2f%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), load());
        System.out.printf(Locale.ROOT, "events=%,d entities=%,d days=%d repeat=%d master=%s shuffle.partitions=%s%n",
                events, entities, days, repeat, opts.get("master"), spark.conf().get("spark.sql.shuffle.partitions"));

        // Events in time order (2 files a day, each half a day, as an append-only log is); amounts multiples of 0.25.
        long t0 = System.nanoTime();
        long span = days * 86400L;
        spark.sql("SELECT CAST(pmod(hash(id, 1), " + entities + ") AS BIGINT) AS customer_id, "
                + "timestamp_seconds(" + START.getEpochSecond() + " + CAST(id * " + span + " / " + events + " AS BIGINT)) AS ts, "
                + "CAST(pmod(hash(id, 2), 40000) AS DOUBLE) / 4 AS amount, "
                + "CAST(pmod(hash(id, 3), 2000) AS BIGINT) AS merchant_id "
                + "FROM range(0, " + events + ", 1, " + (days * 2) + ")")
                .write().format("delta").mode("overwrite").saveAsTable("bench.events");
        System.out.printf(Locale.ROOT, "generated the events in %.1f s (not timed)%n", (System.nanoTime() - t0) / 1e9);

        Path project = warehouse.resolve("project");
        Files.createDirectories(project.resolve("sources"));
        Files.createDirectories(project.resolve("feature_views"));
        Files.writeString(project.resolve("ingot.yaml"), "name: bench\nwarehouse: " + warehouse + "\n");
        Files.writeString(project.resolve("sources/events.yaml"), "table: bench.events\nevent_time: ts\n");
        for (int i = 1; i <= repeat; i++) {
            // The incremental benchmark's view: the windows SQL computes below.
            Files.writeString(project.resolve("feature_views/spend_" + i + ".yaml"), IncrementalMaterializeBench.VIEW);
        }
        FeatureStore store = FeatureStore.of(spark, ProjectLoader.load(project));
        Instant from = START;
        Instant to = START.plusSeconds(span);
        LocalDate firstTick = LocalDate.ofInstant(from, ZoneOffset.UTC).plusDays(1);
        LocalDate lastTick = LocalDate.ofInstant(to, ZoneOffset.UTC);
        String sql = String.format(Locale.ROOT, SQL, ts(from), ts(to), firstTick, lastTick);

        List<Run> runs = new ArrayList<>();
        for (int i = 1; i <= repeat; i++) {
            int run = i;
            runs.add(timed(spark, taskCpu, "ingot", run, () -> {
                MaterializeResult r = store.materialize("spend_" + run, from, to);
                return new Object[] {r.rowsWritten(), r.table()};
            }));
            TableName sqlTable = new TableName("bench", "sql_" + run);
            runs.add(timed(spark, taskCpu, "sql", run, () -> {
                spark.sql(sql).write().format("delta").mode("overwrite").saveAsTable(sqlTable.sql());
                return new Object[] {spark.table(sqlTable.sql()).count(), sqlTable};
            }));
        }

        // Untimed: every output against the first Ingot run's, every column.
        Run reference = runs.get(0);
        Dataset<Row> expected = select(spark, reference.table());
        boolean allEqual = true;
        System.out.println();
        System.out.println("| method | run | wall time (s) | JVM CPU (s) | Spark task CPU (s) | rows | output vs ingot run 1 |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Run r : runs) {
            String same;
            if (r == reference) {
                same = "(reference)";
            } else {
                Dataset<Row> got = select(spark, r.table());
                long onlyGot = got.exceptAll(expected).count();
                long onlyExpected = expected.exceptAll(got).count();
                boolean eq = onlyGot == 0 && onlyExpected == 0 && r.rows() == reference.rows();
                allEqual &= eq;
                same = eq ? "EQUAL" : String.format(Locale.ROOT, "DIFFERENT (%,d rows only here, %,d only in the "
                        + "reference)", onlyGot, onlyExpected);
            }
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %,d | %s |%n", r.method(), r.run(),
                    r.seconds(), r.cpuSeconds(), r.taskCpuSeconds(), r.rows(), same);
        }
        System.out.println();
        List<Double> wall = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> task = new ArrayList<>();
        for (int i = 0; i + 1 < runs.size(); i += 2) {
            Run ingot = runs.get(i);
            Run plain = runs.get(i + 1);
            wall.add(ingot.seconds() / plain.seconds());
            cpu.add(ingot.cpuSeconds() / plain.cpuSeconds());
            task.add(ingot.taskCpuSeconds() / plain.taskCpuSeconds());
        }
        System.out.printf(Locale.ROOT, "ingot / sql, per pair of runs: wall %s (median %.2fx), JVM CPU %s (median "
                + "%.2fx), Spark task CPU %s (median %.2fx)%n", ratios(wall), Bench.median(wall), ratios(cpu),
                Bench.median(cpu), ratios(task), Bench.median(task));
        System.out.println(allEqual ? "outputs: all EQUAL" : "outputs: DIFFERENT");
        spark.stop();
        return allEqual;
    }

    private interface Action {
        Object[] run() throws IOException;
    }

    private static Run timed(SparkSession spark, AtomicLong taskCpu, String method, int run, Action action)
            throws Exception {
        System.gc();
        spark.sparkContext().listenerBus().waitUntilEmpty();
        long task0 = taskCpu.get();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        System.out.printf(Locale.ROOT, "%s (run %d): running; load average %.2f%n", method, run, load());
        Object[] out = action.run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        spark.sparkContext().listenerBus().waitUntilEmpty();
        double task = (taskCpu.get() - task0) / 1e9;
        Run r = new Run(method, run, seconds, cpu, task, (Long) out[0], (TableName) out[1]);
        System.out.printf(Locale.ROOT, "%s (run %d): %.1f s, JVM CPU %.1f s, task CPU %.1f s, %,d rows into %s; "
                + "load average %.2f%n", method, run, seconds, cpu, task, r.rows(), r.table(), load());
        return r;
    }

    private static Dataset<Row> select(SparkSession spark, TableName table) {
        return spark.table(table.sql()).selectExpr(COLUMNS.stream().map(c -> c.equals("feature_time") || c.equals("customer_id")
                ? c : c.startsWith("n_") || c.startsWith("merchants") ? "CAST(" + c + " AS BIGINT) AS " + c
                : "CAST(" + c + " AS DOUBLE) AS " + c).toArray(String[]::new));
    }

    private static String ratios(List<Double> xs) {
        return xs.stream().map(x -> String.format(Locale.ROOT, "%.2fx", x)).toList().toString();
    }

    private static String ts(Instant i) {
        return i.toString().replace('T', ' ').replace("Z", "");
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
