package dev.ingot.benchmarks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.timestamp_micros;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.ingot.core.IngotSessions;
import dev.ingot.features.internal.AsOfJoin;
import dev.ingot.features.internal.AsOfJoin.FeatureSide;
import dev.ingot.features.internal.AsOfJoin.Strategy;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Point-in-time join: {@link AsOfJoin} (sort-based merge; {@code window}: its GPU form, run on the CPU) against the
 * join-then-rank most teams write, on the same generated data in one JVM.
 *
 * <p>Data: {@code --spine-rows} spine rows (request id, customer, event time, label, amount) at random times over one
 * year, customers drawn from 105% of {@code --entities} (so 5% of spine rows have no features at all), and
 * {@code --feature-rows} rows of an aggregated view: every customer has a row at each tick of a regular grid over
 * the same year (ticks shifted per customer, one row per customer and time), with five features. Both are written as
 * Parquet first; generation is not timed. Each method then reads them back and runs to a checksum of every output
 * column, which is the timed action; the two checksums and counts must agree.
 *
 * <p>Arguments: {@code --spine-rows N} (1,000,000), {@code --feature-rows N} (10,000,000), {@code --entities N}
 * (10,000), {@code --ttl-days N} (7), {@code --methods asof,baseline} (any of asof, window, baseline, floor),
 * {@code --spine random|exact} (random; exact: every spine time is one of its customer's feature times, which the
 * floor, a plain equi-join on the customer and the exact time, needs to give the same output),
 * {@code --repeat N} (1: each method once; more runs the methods in turn N times, for machines whose load varies),
 * {@code --dir PATH} (a new temporary directory, deleted afterwards; a given one is kept, and data of the same sizes
 * found there is reused).
 */
public final class PointInTimeJoinBench {
    private static final Instant START = Instant.parse("2024-01-01T00:00:00Z");
    private static final long YEAR_MICROS = 365L * 86_400 * 1_000_000;
    private static final List<String> FEATURES = List.of("f_sum", "f_count", "f_avg", "f_max", "f_segment");

    private PointInTimeJoinBench() {}

    record Options(long spineRows, long featureRows, long entities, long ttlDays, List<String> methods, int repeat,
                   Path dir, boolean exactSpine) {
        static Options parse(String[] args) throws IOException {
            long spine = 1_000_000;
            long features = 10_000_000;
            long entities = 10_000;
            long ttl = 7;
            List<String> methods = List.of("asof", "baseline");
            int repeat = 1;
            Path dir = null;
            boolean exact = false;
            for (int i = 0; i < args.length; i++) {
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--spine-rows" -> spine = Long.parseLong(Objects.requireNonNull(v, args[i]));
                    case "--feature-rows" -> features = Long.parseLong(Objects.requireNonNull(v, args[i]));
                    case "--entities" -> entities = Long.parseLong(Objects.requireNonNull(v, args[i]));
                    case "--ttl-days" -> ttl = Long.parseLong(Objects.requireNonNull(v, args[i]));
                    case "--methods" -> methods = List.of(Objects.requireNonNull(v, args[i]).split(","));
                    case "--repeat" -> repeat = Integer.parseInt(Objects.requireNonNull(v, args[i]));
                    case "--dir" -> dir = Path.of(Objects.requireNonNull(v, args[i]));
                    case "--spine" -> {
                        exact = switch (Objects.requireNonNull(v, args[i])) {
                            case "exact" -> true;
                            case "random" -> false;
                            default -> throw new IllegalArgumentException("--spine takes random or exact, not " + v);
                        };
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]
                            + "; known: --spine-rows --feature-rows --entities --ttl-days --methods asof,window,baseline,floor "
                            + "--spine random|exact --repeat --dir");
                }
                i++;
            }
            if (features < entities) {
                throw new IllegalArgumentException("--feature-rows must be at least --entities");
            }
            List<String> ms = methods.stream().map(String::trim).toList();
            if (ms.contains("floor") && !exact) {
                throw new IllegalArgumentException("--methods floor needs --spine exact: the equi-join on the exact time "
                        + "gives the as-of join's output only when every spine time is a feature time");
            }
            return new Options(spine, features, entities, ttl, ms, repeat, dir, exact);
        }
    }

    /** What one method measured. */
    record Result(String method, int run, double seconds, double cpuSeconds, double load, long rows,
                  BigDecimal checksum, long matched, long heapPeak, long heapAfterGcPeak, long gcMillis,
                  SparkMetrics.Totals spark) {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        boolean temporary = o.dir() == null;
        Path dir = temporary ? Files.createTempDirectory("ingot-pit-bench") : Files.createDirectories(o.dir());
        SparkSession spark = IngotSessions.builder(Bench.settings(dir.resolve("warehouse"))).appName("ingot pit-join bench").master("local[2]")
                .conf("spark.ui.enabled", "false")
                .conf("spark.local.dir", dir.resolve("spark-local").toString())
                .build();
        SparkMetrics metrics = new SparkMetrics();
        spark.sparkContext().addSparkListener(metrics);
        try {
            log("sizes: %,d spine rows, %,d feature rows, %,d entities, ttl %d days; shuffle partitions %s, %d cores, "
                    + "max heap %,d MB", o.spineRows(), o.featureRows(), o.entities(), o.ttlDays(),
                    spark.conf().get("spark.sql.shuffle.partitions"), Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().maxMemory() >> 20);
            Path marker = dir.resolve("generated.txt");
            String sizes = o.spineRows() + " " + o.featureRows() + " " + o.entities();
            if (Files.exists(marker) && Files.readString(marker).equals(sizes)) {
                log("reusing the data in %s", dir);
            } else {
                long t0 = System.nanoTime();
                generate(spark, o, dir);
                Files.writeString(marker, sizes);
                log("generated and wrote the data in %.1f s (not timed below)", (System.nanoTime() - t0) / 1e9);
            }

            if (o.exactSpine() && !Files.exists(dir.resolve("spine-exact/_SUCCESS"))) {
                generateExactSpine(spark, o, dir);
            }
            Dataset<Row> spine = spark.read().parquet(dir.resolve(o.exactSpine() ? "spine-exact" : "spine").toString());
            Dataset<Row> features = spark.read().parquet(dir.resolve("features").toString());
            long ttlSeconds = o.ttlDays() * 86_400;
            List<Result> results = new ArrayList<>();
            for (int run = 1; run <= o.repeat(); run++) {
                for (String m : o.methods()) {
                    List<FeatureSide> side = List.of(new FeatureSide(
                            "customer_stats", features, List.of("customer_id"), "feature_time", FEATURES, ttlSeconds));
                    Supplier<Dataset<Row>> plan = switch (m) {
                        case "asof" -> () -> AsOfJoin.join(spine, "event_time", ZoneOffset.UTC, side, Strategy.MERGE);
                        case "window" -> () -> AsOfJoin.join(spine, "event_time", ZoneOffset.UTC, side, Strategy.WINDOW);
                        case "baseline" -> () -> joinThenRank(spine, features, ttlSeconds);
                        case "floor" -> () -> exactJoin(spine, features);
                        default -> throw new IllegalArgumentException("unknown method " + m
                                + "; known: asof, window, baseline, floor");
                    };
                    results.add(measure(spark, metrics, m, run, plan));
                }
            }
            if (!report(o, results)) {
                log("OUTPUTS DIFFER");
                System.exit(1);
            }
        } finally {
            spark.stop();
            if (temporary) {
                Bench.deleteTree(dir);
            }
        }
    }

    /** Writes {@code spine/} and {@code features/} as Parquet under {@code dir}. */
    static void generate(SparkSession spark, Options o, Path dir) {
        long startMicros = START.getEpochSecond() * 1_000_000;
        long ticks = o.featureRows() / o.entities();
        long step = YEAR_MICROS / ticks;
        Column id = col("id");
        Column customer = id.mod(o.entities());
        // Regular ticks, shifted per customer so customers do not all tick at once; one row per customer and time.
        Column featureTime = timestamp_micros(lit(startMicros).plus(id.divide(o.entities()).cast("long").multiply(step))
                .plus(pmod(xxhash64(customer, lit(1)), lit(step))));
        Dataset<Row> features = spark.range(0, ticks * o.entities(), 1, 8).select(
                customer.as("customer_id"),
                featureTime.as("feature_time"),
                to_date(featureTime).as("feature_date"),
                pmod(xxhash64(id, lit(2)), lit(1_000_000)).divide(100.0).as("f_sum"),
                pmod(xxhash64(id, lit(3)), lit(500)).as("f_count"),
                pmod(xxhash64(id, lit(4)), lit(100_000)).divide(1000.0).as("f_avg"),
                pmod(xxhash64(id, lit(5)), lit(1_000_000)).divide(10.0).as("f_max"),
                concat(lit("segment_"), pmod(xxhash64(id, lit(6)), lit(8)).cast("string")).as("f_segment"));
        features.write().mode("overwrite").parquet(dir.resolve("features").toString());

        Dataset<Row> spine = spark.range(0, o.spineRows(), 1, 4).select(
                id.as("request_id"),
                pmod(xxhash64(id, lit(11)), lit(o.entities() * 21 / 20)).as("customer_id"),
                timestamp_micros(lit(startMicros).plus(pmod(xxhash64(id, lit(12)), lit(YEAR_MICROS)))).as("event_time"),
                pmod(xxhash64(id, lit(13)), lit(2)).cast("int").as("label"),
                pmod(xxhash64(id, lit(14)), lit(100_000)).divide(100.0).as("amount"));
        spine.write().mode("overwrite").parquet(dir.resolve("spine").toString());
    }

    /**
     * A spine whose every event time is the time of one of its customer's feature rows ({@code spine-exact/}): the same
     * customers as {@link #generate}'s spine, each row at a tick of the feature grid drawn at random, shifted as that
     * customer's ticks are. On it the as-of join's answer is the feature row at exactly the spine's time, so the plain
     * equi-join ({@link #exactJoin}) gives the same output: the floor no as-of join can beat.
     */
    static void generateExactSpine(SparkSession spark, Options o, Path dir) {
        long startMicros = START.getEpochSecond() * 1_000_000;
        long ticks = o.featureRows() / o.entities();
        long step = YEAR_MICROS / ticks;
        Column id = col("id");
        Column customer = pmod(xxhash64(id, lit(11)), lit(o.entities() * 21 / 20));
        Column tick = pmod(xxhash64(id, lit(15)), lit(ticks));
        spark.range(0, o.spineRows(), 1, 4).select(
                id.as("request_id"),
                customer.as("customer_id"),
                timestamp_micros(lit(startMicros).plus(tick.multiply(step)).plus(pmod(xxhash64(customer, lit(1)),
                        lit(step)))).as("event_time"),
                pmod(xxhash64(id, lit(13)), lit(2)).cast("int").as("label"),
                pmod(xxhash64(id, lit(14)), lit(100_000)).divide(100.0).as("amount"))
                .write().mode("overwrite").parquet(dir.resolve("spine-exact").toString());
    }

    /** The floor: a left equi-join on the customer and the exact time (right only on {@code --spine exact}). */
    static Dataset<Row> exactJoin(Dataset<Row> spine, Dataset<Row> features) {
        Dataset<Row> s = spine.as("s");
        Dataset<Row> f = features.as("f");
        List<Column> out = new ArrayList<>();
        for (String c : spine.columns()) {
            out.add(col("s." + c).as(c));
        }
        FEATURES.forEach(c -> out.add(col("f." + c).as(c)));
        return s.join(f, col("s.customer_id").equalTo(col("f.customer_id"))
                .and(col("s.event_time").equalTo(col("f.feature_time"))), "left").select(out.toArray(Column[]::new));
    }

    /**
     * The usual way: join every spine row to all of its entity's feature rows in the ttl window, rank them by time,
     * keep the first, and join back to the spine so rows without features stay.
     */
    static Dataset<Row> joinThenRank(Dataset<Row> spine, Dataset<Row> features, long ttlSeconds) {
        Dataset<Row> s = spine.withColumn("__rid", monotonically_increasing_id()).as("s");
        Dataset<Row> f = features.as("f");
        Column inWindow = col("s.customer_id").equalTo(col("f.customer_id"))
                .and(col("f.feature_time").leq(col("s.event_time")))
                .and(col("f.feature_time").gt(col("s.event_time").minus(expr("INTERVAL " + ttlSeconds + " SECONDS"))));
        List<Column> kept = new ArrayList<>(List.of(col("s.__rid").as("__rid"), col("f.feature_time").as("__ft")));
        FEATURES.forEach(c -> kept.add(col("f." + c).as(c)));
        Dataset<Row> candidates = s.join(f, inWindow, "inner").select(kept.toArray(Column[]::new));
        Dataset<Row> best = candidates
                .withColumn("__rank", row_number().over(Window.partitionBy("__rid").orderBy(col("__ft").desc())))
                .where(col("__rank").equalTo(1))
                .drop("__rank", "__ft")
                .as("b");
        List<Column> out = new ArrayList<>();
        for (String c : spine.columns()) {
            out.add(col("s." + c).as(c));
        }
        FEATURES.forEach(c -> out.add(col("b." + c).as(c)));
        return s.join(best, col("s.__rid").equalTo(col("b.__rid")), "left").select(out.toArray(Column[]::new));
    }

    /** Runs the plan to a checksum of every column (the timed action), with JVM and Spark memory figures. */
    static Result measure(SparkSession spark, SparkMetrics metrics, String method, int run,
                          Supplier<Dataset<Row>> plan) throws Exception {
        System.gc();
        HeapSampler heap = new HeapSampler();
        long gcBefore = gcMillis();
        metrics.reset();
        log("%s (run %d): running; load average %.2f", method, run, loadAverage());
        heap.start();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Dataset<Row> out = plan.get();
        Row sums = checksum(out).first();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpu0) / 1e9;
        heap.stop();
        spark.sparkContext().listenerBus().waitUntilEmpty();
        metrics.stages().forEach(line -> log("%s (run %d): %s", method, run, line));
        Result r = new Result(method, run, seconds, cpuSeconds, loadAverage(), sums.getLong(0), sums.getDecimal(1),
                sums.getLong(2), heap.peakUsed.get(), heap.peakAfterGc.get(), gcMillis() - gcBefore, metrics.totals());
        log("%s (run %d): %.1f s (JVM CPU %.1f s, load average %.2f), %,d rows (%,d with features), checksum %s; "
                        + "heap peak %,d MB (after GC %,d MB), GC %.1f s; Spark: %s", method, run, r.seconds(),
                r.cpuSeconds(), r.load(), r.rows(), r.matched(), r.checksum(), r.heapPeak() >> 20,
                r.heapAfterGcPeak() >> 20, r.gcMillis() / 1000.0, r.spark());
        return r;
    }

    /** Row count, the sum of a 64-bit hash of every column of every row (nulls marked), and rows with features. */
    static Dataset<Row> checksum(Dataset<Row> df) {
        List<Column> parts = new ArrayList<>();
        for (String c : df.columns()) {
            parts.add(col(c));
            parts.add(col(c).isNull());
        }
        Column h = xxhash64(parts.toArray(Column[]::new));
        return df.agg(count(lit(1)), sum(h.cast("decimal(38,0)")),
                sum(when(col(FEATURES.get(0)).isNotNull(), 1L).otherwise(0L)));
    }

    /** Prints a Markdown table of every run and the ratios; returns whether all outputs were identical. */
    private static boolean report(Options o, List<Result> results) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%nspine rows %,d, feature rows %,d, entities %,d, ttl %d days%n%n",
                o.spineRows(), o.featureRows(), o.entities(), o.ttlDays()));
        b.append("| method | run | wall time (s) | JVM CPU time (s) | load average after | rows out | with features "
                + "| JVM heap peak (MB) | heap after GC, peak (MB) | GC (s) | Spark peak execution memory, max task / "
                + "sum of tasks (MB) | spilled to disk (MB) | shuffle written (MB) |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.2f | %,d | %,d | %,d | %,d | %.1f | "
                            + "%,d / %,d | %,d | %,d |%n", r.method(), r.run(), r.seconds(), r.cpuSeconds(), r.load(),
                    r.rows(), r.matched(), r.heapPeak() >> 20, r.heapAfterGcPeak() >> 20, r.gcMillis() / 1000.0,
                    r.spark().maxTaskPeakExecutionMemory() >> 20, r.spark().sumTaskPeakExecutionMemory() >> 20,
                    r.spark().diskBytesSpilled() >> 20, r.spark().shuffleBytesWritten() >> 20));
        }
        Result first = results.get(0);
        boolean same = results.stream().allMatch(r -> r.rows() == first.rows() && r.checksum().equals(first.checksum()));
        b.append(String.format(Locale.ROOT, "%noutputs of all %d runs %s: %,d rows, checksum %s%n", results.size(),
                same ? "IDENTICAL" : "DIFFER", first.rows(), first.checksum()));
        Map<String, Result> best = new java.util.LinkedHashMap<>();
        for (Result r : results) {
            best.merge(r.method(), r, (x, y) -> x.seconds() <= y.seconds() ? x : y);
        }
        ratio(b, best, "asof", "floor");
        ratio(b, best, "baseline", "asof");
        System.out.println(b);
        return same;
    }

    /** "best of each: slow / fast = ratio" in wall and JVM CPU time, when both methods ran. */
    private static void ratio(StringBuilder b, Map<String, Result> best, String slow, String fast) {
        Result s = best.get(slow);
        Result f = best.get(fast);
        if (s != null && f != null) {
            b.append(String.format(Locale.ROOT, "best of each: %s %.1f s / %s %.1f s = %.2fx wall time; "
                            + "JVM CPU %.1f s / %.1f s = %.2fx%n", slow, s.seconds(), fast, f.seconds(),
                    s.seconds() / f.seconds(), s.cpuSeconds(), f.cpuSeconds(), s.cpuSeconds() / f.cpuSeconds()));
        }
    }

    /** Task metrics summed from a SparkListener, since the last reset. */
    static final class SparkMetrics extends SparkListener {
        record Totals(long maxTaskPeakExecutionMemory, long sumTaskPeakExecutionMemory, long memoryBytesSpilled,
                      long diskBytesSpilled, long shuffleBytesWritten, long tasks) {
            @Override
            public String toString() {
                return String.format(Locale.ROOT, "%,d tasks, peak execution memory max task %,d MB / sum %,d MB, "
                                + "spilled %,d MB (memory) %,d MB (disk), shuffle written %,d MB", tasks,
                        maxTaskPeakExecutionMemory >> 20, sumTaskPeakExecutionMemory >> 20, memoryBytesSpilled >> 20,
                        diskBytesSpilled >> 20, shuffleBytesWritten >> 20);
            }
        }

        private final List<String> stages = new ArrayList<>();
        private long maxPeak;
        private long sumPeak;
        private long memorySpilled;
        private long diskSpilled;
        private long shuffleWritten;
        private long tasks;

        synchronized void reset() {
            maxPeak = sumPeak = memorySpilled = diskSpilled = shuffleWritten = tasks = 0;
            stages.clear();
        }

        /** One line per completed stage since the last reset: wall time, summed task run time, tasks, name. */
        synchronized List<String> stages() {
            return List.copyOf(stages);
        }

        @Override
        public synchronized void onStageCompleted(SparkListenerStageCompleted completed) {
            StageInfo s = completed.stageInfo();
            long wall = s.completionTime().isDefined() && s.submissionTime().isDefined()
                    ? (Long) s.completionTime().get() - (Long) s.submissionTime().get() : -1;
            TaskMetrics m = s.taskMetrics();
            stages.add(String.format(Locale.ROOT, "stage %d: %.1f s wall, %.1f s task run time (%.1f s CPU), "
                            + "%d tasks, shuffle read %,d MB, written %,d MB: %s", s.stageId(), wall / 1000.0,
                    m.executorRunTime() / 1000.0, m.executorCpuTime() / 1e9, s.numTasks(),
                    m.shuffleReadMetrics().totalBytesRead() >> 20, m.shuffleWriteMetrics().bytesWritten() >> 20,
                    s.name()));
        }

        synchronized Totals totals() {
            return new Totals(maxPeak, sumPeak, memorySpilled, diskSpilled, shuffleWritten, tasks);
        }

        @Override
        public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
            TaskMetrics m = end.taskMetrics();
            if (m == null) {
                return;
            }
            tasks++;
            maxPeak = Math.max(maxPeak, m.peakExecutionMemory());
            sumPeak += m.peakExecutionMemory();
            memorySpilled += m.memoryBytesSpilled();
            diskSpilled += m.diskBytesSpilled();
            shuffleWritten += m.shuffleWriteMetrics().bytesWritten();
        }
    }

    /** Samples heap use every 50 ms: the peak in use, and the peak of what was left after a collection. */
    static final class HeapSampler {
        final AtomicLong peakUsed = new AtomicLong();
        final AtomicLong peakAfterGc = new AtomicLong();
        private volatile boolean running;
        private Thread thread;

        void start() {
            List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP).toList();
            running = true;
            thread = new Thread(() -> {
                while (running) {
                    sample(pools);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample(List<MemoryPoolMXBean> pools) {
            peakUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
            long afterGc = 0;
            for (MemoryPoolMXBean p : pools) {
                MemoryUsage u = p.getCollectionUsage();
                afterGc += u == null ? 0 : u.getUsed();
            }
            peakAfterGc.accumulateAndGet(afterGc, Math::max);
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[pit-bench] " + format + "%n", args);
    }
}
