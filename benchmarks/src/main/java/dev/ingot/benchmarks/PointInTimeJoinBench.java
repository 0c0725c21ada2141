package dev.ingot.benchmarks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.not;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Point-in-time join: {@link AsOfJoin} (sort-based merge; {@code window}: its GPU form, run on the CPU) against the
 * join-then-rank most teams write, on the same generated data in one JVM, and against Feast's
 * {@code get_historical_features} on its Spark offline store in a PySpark process of its own ({@code feast}).
 *
 * <p>Data: {@code --spine-rows} spine rows (request id, customer, event time, label, amount) at random times over one
 * year, customers drawn from 105% of {@code --entities} (so 5% of spine rows have no features at all), and
 * {@code --feature-rows} rows of an aggregated view: every customer has a row at each tick of a regular grid over
 * the same year (ticks shifted per customer, one row per customer and time), with five features. Both are written as
 * Parquet first; generation is not timed. Each method then reads them back, joins, and writes its output as Parquet to
 * {@code DIR/out-METHOD} (overwrite): that is the timed action. A checksum of every output column is computed
 * afterwards, untimed, from the written files (the spine's columns, then the five features, in one order and with
 * the input's types); the checksums and counts must agree.
 *
 * <p>{@code feast}: {@code benchmarks/python/feast_pit_bench.py} (its doc says how the Feast repository, the
 * SparkSource and the FeatureView are set up) in the interpreter given by {@code --python} (benchmarks/run.sh passes
 * that of {@code python/venv.sh feast}), with this session's master, shuffle partitions and initial partitions and this
 * JVM's maximum heap as its driver memory. It starts and warms up once, before the runs; each run reads the same
 * spine and feature Parquet, runs {@code get_historical_features(...).to_spark_df()} and writes it to
 * {@code DIR/out-feast}. Its CPU time is that of the Python process and every process under it (its Spark JVM
 * included); the JVM and Spark memory figures are this JVM's and so not reported for it. Feast's rule differs from
 * Ingot's in one place: its ttl bound is inclusive ({@code feature_time >= event_time - ttl}; Ingot's is exclusive).
 * When its checksum differs, the report joins its output to the last JVM method's on {@code request_id} and counts
 * the rows that agree, those that differ, and those of them explained by that bound; the run passes only when every
 * difference is so explained.
 *
 * <p>Arguments: {@code --spine-rows N} (1,000,000), {@code --feature-rows N} (10,000,000), {@code --entities N}
 * (10,000), {@code --ttl-days N} (7), {@code --methods asof,baseline} (any of asof, window, baseline, floor, feast),
 * {@code --spine random|exact} (random; exact: every spine time is one of its customer's feature times, which the
 * floor, a plain equi-join on the customer and the exact time, needs to give the same output),
 * {@code --repeat N} (1: each method once; more runs the methods in turn N times, for machines whose load varies),
 * {@code --dir PATH} (a new temporary directory, deleted afterwards; a given one is kept, and data of the same sizes
 * found there is reused), {@code --python PATH} (the interpreter for feast; needed when {@code --methods} names it).
 * A bad argument ends the run with a message and exit code 2.
 */
public final class PointInTimeJoinBench {
    private static final Instant START = Instant.parse("2024-01-01T00:00:00Z");
    private static final long YEAR_MICROS = 365L * 86_400 * 1_000_000;
    private static final List<String> FEATURES = List.of("f_sum", "f_count", "f_avg", "f_max", "f_segment");

    private PointInTimeJoinBench() {}

    record Options(long spineRows, long featureRows, long entities, long ttlDays, List<String> methods, int repeat,
                   Path dir, boolean exactSpine, String python) {
        static final List<String> METHODS = List.of("asof", "window", "baseline", "floor", "feast");

        static Options parse(String[] args) {
            long spine = 1_000_000;
            long features = 10_000_000;
            long entities = 10_000;
            long ttl = 7;
            List<String> methods = List.of("asof", "baseline");
            int repeat = 1;
            Path dir = null;
            boolean exact = false;
            String python = "";
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (!name.startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException(name.startsWith("--") ? name + " needs a value"
                            : "unexpected argument '" + name + "'; " + KNOWN);
                }
                String v = args[++i];
                switch (name) {
                    case "--spine-rows" -> spine = positive(name, v);
                    case "--feature-rows" -> features = positive(name, v);
                    case "--entities" -> entities = positive(name, v);
                    case "--ttl-days" -> ttl = positive(name, v);
                    case "--methods" -> methods = List.of(v.split(","));
                    case "--repeat" -> repeat = Math.toIntExact(positive(name, v));
                    case "--dir" -> dir = Path.of(v);
                    case "--python" -> python = v;
                    case "--spine" -> {
                        exact = switch (v) {
                            case "exact" -> true;
                            case "random" -> false;
                            default -> throw new IllegalArgumentException("--spine takes random or exact, not " + v);
                        };
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + name + "; " + KNOWN);
                }
            }
            if (features < entities) {
                throw new IllegalArgumentException("--feature-rows must be at least --entities");
            }
            List<String> ms = methods.stream().map(String::trim).toList();
            for (String m : ms) {
                if (!METHODS.contains(m)) {
                    throw new IllegalArgumentException("unknown method '" + m + "' in --methods; known: "
                            + String.join(", ", METHODS));
                }
            }
            if (ms.contains("floor") && !exact) {
                throw new IllegalArgumentException("--methods floor needs --spine exact: the equi-join on the exact time "
                        + "gives the as-of join's output only when every spine time is a feature time");
            }
            if (ms.contains("feast") && python.isEmpty()) {
                throw new IllegalArgumentException("--methods feast needs --python PATH, the interpreter of python/venv.sh "
                        + "feast (benchmarks/run.sh pit-join passes it)");
            }
            if (!python.isEmpty() && !Files.isExecutable(Path.of(python))) {
                throw new IllegalArgumentException("--python " + python + " is not an executable file");
            }
            return new Options(spine, features, entities, ttl, ms, repeat, dir, exact, python);
        }

        private static final String KNOWN = "known: --spine-rows N --feature-rows N --entities N --ttl-days N "
                + "--methods asof,window,baseline,floor,feast --spine random|exact --repeat N --dir DIR --python PATH";

        private static long positive(String name, String v) {
            try {
                long n = Long.parseLong(v);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // the message below
            }
            throw new IllegalArgumentException(name + " takes a positive whole number, not '" + v + "'");
        }
    }

    /**
     * What one method measured. For feast, {@code cpuSeconds} is the CPU time of the Python process and every process
     * under it (its Spark JVM included), and the JVM and Spark figures, which this JVM cannot see, are -1 and null.
     */
    record Result(String method, int run, double seconds, double cpuSeconds, double load, long rows,
                  BigDecimal checksum, long matched, long heapPeak, long heapAfterGcPeak, long gcMillis,
                  SparkMetrics.Totals spark) {}

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("pit-join: " + e.getMessage());
            System.exit(2);
            return;
        }
        boolean temporary = o.dir() == null;
        Path dir = temporary ? Files.createTempDirectory("ingot-pit-bench") : Files.createDirectories(o.dir());
        SparkSession spark = IngotSessions.builder(Bench.settings(dir.resolve("warehouse"))).appName("ingot pit-join bench").master("local[2]")
                .conf("spark.ui.enabled", "false")
                .conf("spark.local.dir", dir.resolve("spark-local").toString())
                .build();
        SparkMetrics metrics = new SparkMetrics();
        spark.sparkContext().addSparkListener(metrics);
        Feast feast = null;
        boolean ok = false;
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
            String spineDir = o.exactSpine() ? "spine-exact" : "spine";
            Dataset<Row> spine = spark.read().parquet(dir.resolve(spineDir).toString());
            Dataset<Row> features = spark.read().parquet(dir.resolve("features").toString());
            Output output = new Output(spark, dir, spine.schema(), features.schema());
            long ttlSeconds = o.ttlDays() * 86_400;
            if (o.methods().contains("feast")) {
                long t0 = System.nanoTime();
                feast = Feast.start(o.python(), dir, spineDir, o.ttlDays(), spark);
                log("feast: PySpark process started and warmed up in %.1f s (%s)", (System.nanoTime() - t0) / 1e9,
                        feast.settings);
            }
            List<Result> results = new ArrayList<>();
            for (int run = 1; run <= o.repeat(); run++) {
                for (String m : o.methods()) {
                    if (m.equals("feast")) {
                        results.add(measureFeast(feast, output, run));
                        continue;
                    }
                    List<FeatureSide> side = List.of(new FeatureSide(
                            "customer_stats", features, List.of("customer_id"), "feature_time", FEATURES, ttlSeconds));
                    Supplier<Dataset<Row>> plan = switch (m) {
                        case "asof" -> () -> AsOfJoin.join(spine, "event_time", ZoneOffset.UTC, side, Strategy.MERGE);
                        case "window" -> () -> AsOfJoin.join(spine, "event_time", ZoneOffset.UTC, side, Strategy.WINDOW);
                        case "baseline" -> () -> joinThenRank(spine, features, ttlSeconds);
                        case "floor" -> () -> exactJoin(spine, features);
                        default -> throw new IllegalStateException("method " + m + " passed Options.parse");
                    };
                    results.add(measure(spark, metrics, output, m, run, plan));
                }
            }
            ok = report(o, results, output, features, ttlSeconds);
        } finally {
            if (feast != null) {
                feast.close();
            }
            spark.stop();
            if (temporary) {
                Bench.deleteTree(dir);
            }
        }
        if (!ok) {
            log("OUTPUTS DIFFER");
            System.exit(1);
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

    /**
     * Runs the plan and writes its output as Parquet to {@code out-METHOD} (overwrite): the timed action, with JVM and
     * Spark memory figures. The checksum is computed afterwards, untimed, from the written files.
     */
    static Result measure(SparkSession spark, SparkMetrics metrics, Output output, String method, int run,
                          Supplier<Dataset<Row>> plan) throws Exception {
        System.gc();
        HeapSampler heap = new HeapSampler();
        long gcBefore = gcMillis();
        metrics.reset();
        log("%s (run %d): running; load average %.2f", method, run, loadAverage());
        heap.start();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        plan.get().write().mode("overwrite").parquet(output.path(method).toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpu0) / 1e9;
        heap.stop();
        long gc = gcMillis() - gcBefore;
        double load = loadAverage();
        spark.sparkContext().listenerBus().waitUntilEmpty();
        metrics.stages().forEach(line -> log("%s (run %d): %s", method, run, line));
        SparkMetrics.Totals totals = metrics.totals();
        Row sums = output.checksum(method);
        Result r = new Result(method, run, seconds, cpuSeconds, load, sums.getLong(0), sums.getDecimal(1),
                sums.getLong(2), heap.peakUsed.get(), heap.peakAfterGc.get(), gc, totals);
        log("%s (run %d): %.1f s (JVM CPU %.1f s, load average %.2f), %,d rows (%,d with features), checksum %s; "
                        + "heap peak %,d MB (after GC %,d MB), GC %.1f s; Spark: %s", method, run, r.seconds(),
                r.cpuSeconds(), r.load(), r.rows(), r.matched(), r.checksum(), r.heapPeak() >> 20,
                r.heapAfterGcPeak() >> 20, r.gcMillis() / 1000.0, r.spark());
        return r;
    }

    /** One timed run of Feast's process (its read, join and write to {@code out-feast}), then the untimed checksum. */
    static Result measureFeast(Feast feast, Output output, int run) throws IOException {
        System.gc(); // lets this JVM give back heap it no longer uses while the PySpark process works
        log("feast (run %d): running; load average %.2f", run, loadAverage());
        Feast.Timing t = feast.run();
        double load = loadAverage();
        Row sums = output.checksum("feast");
        if (sums.getLong(0) != t.rows()) {
            throw new IllegalStateException("feast_pit_bench.py reported " + t.rows() + " rows, but "
                    + output.path("feast") + " holds " + sums.getLong(0));
        }
        Result r = new Result("feast", run, t.wall(), t.cpu(), load, sums.getLong(0), sums.getDecimal(1),
                sums.getLong(2), -1, -1, -1, null);
        log("feast (run %d): %.1f s (CPU of the Python process tree %.1f s, load average %.2f), %,d rows (%,d with "
                + "features), checksum %s", run, r.seconds(), r.cpuSeconds(), r.load(), r.rows(), r.matched(), r.checksum());
        return r;
    }

    /**
     * Where each method writes its output ({@code out-METHOD}, Parquet), and how every output is read back for the
     * checksum: the spine's columns, then the five features, each cast to its type in the input Parquet, so that a
     * method's own column order or types cannot change the checksum. No column is renamed: Feast's output (without
     * full feature names) already has the spine's column names and the feature names; the casts are no-ops today.
     */
    static final class Output {
        private final SparkSession spark;
        private final Path dir;
        private final StructType spine;
        private final StructType features;

        Output(SparkSession spark, Path dir, StructType spine, StructType features) {
            this.spark = spark;
            this.dir = dir;
            this.spine = spine;
            this.features = features;
        }

        Path path(String method) {
            return dir.resolve("out-" + method);
        }

        Dataset<Row> read(String method) {
            Dataset<Row> df = spark.read().parquet(path(method).toString());
            List<Column> cols = new ArrayList<>();
            for (StructField f : spine.fields()) {
                cols.add(col(f.name()).cast(f.dataType()).as(f.name()));
            }
            for (String c : FEATURES) {
                cols.add(col(c).cast(features.apply(c).dataType()).as(c));
            }
            return df.select(cols.toArray(Column[]::new));
        }

        Row checksum(String method) {
            return PointInTimeJoinBench.checksum(read(method)).first();
        }

        List<String> spineColumns() {
            return List.of(spine.fieldNames());
        }
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

    /**
     * Prints a Markdown table of every run, how the outputs compare, and the ratios. Returns whether the outputs agree:
     * every JVM method's runs identical, and Feast's identical too or different only on rows that Feast's documented
     * rule (the inclusive ttl bound) explains.
     */
    private static boolean report(Options o, List<Result> results, Output output, Dataset<Row> features,
                                  long ttlSeconds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%nspine rows %,d, feature rows %,d, entities %,d, ttl %d days%n%n",
                o.spineRows(), o.featureRows(), o.entities(), o.ttlDays()));
        b.append("| method | run | wall time (s) | CPU time (s) | load average after | rows out | with features "
                + "| JVM heap peak (MB) | heap after GC, peak (MB) | GC (s) | Spark peak execution memory, max task / "
                + "sum of tasks (MB) | spilled to disk (MB) | shuffle written (MB) |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.2f | %,d | %,d | ", r.method(), r.run(),
                    r.seconds(), r.cpuSeconds(), r.load(), r.rows(), r.matched()));
            if (r.spark() == null) {
                b.append("- | - | - | - | - | - |\n");
            } else {
                b.append(String.format(Locale.ROOT, "%,d | %,d | %.1f | %,d / %,d | %,d | %,d |%n",
                        r.heapPeak() >> 20, r.heapAfterGcPeak() >> 20, r.gcMillis() / 1000.0,
                        r.spark().maxTaskPeakExecutionMemory() >> 20, r.spark().sumTaskPeakExecutionMemory() >> 20,
                        r.spark().diskBytesSpilled() >> 20, r.spark().shuffleBytesWritten() >> 20));
            }
        }
        b.append("\nCPU time: the JVM's process CPU time; for feast, that of the Python process and every process "
                + "under it (its Spark JVM included), whose JVM and Spark figures this JVM cannot see (-).\n");
        Result first = results.get(0);
        boolean ok;
        if (results.stream().allMatch(r -> same(r, first))) {
            b.append(String.format(Locale.ROOT, "%noutputs of all %d runs IDENTICAL: %,d rows, checksum %s%n",
                    results.size(), first.rows(), first.checksum()));
            ok = true;
        } else {
            List<Result> jvm = results.stream().filter(r -> !r.method().equals("feast")).toList();
            List<Result> feast = results.stream().filter(r -> r.method().equals("feast")).toList();
            ok = true;
            for (List<Result> group : List.of(jvm, feast)) {
                if (group.isEmpty()) {
                    continue;
                }
                Result g = group.get(0);
                boolean same = group.stream().allMatch(r -> same(r, g));
                ok &= same;
                b.append(String.format(Locale.ROOT, "%noutputs of the %d runs of %s %s: %,d rows, checksum %s", group.size(),
                        String.join(", ", group.stream().map(Result::method).distinct().toList()),
                        same ? "IDENTICAL" : "DIFFER", g.rows(), g.checksum()));
            }
            b.append("\n");
            if (ok && !jvm.isEmpty() && !feast.isEmpty()) {
                ok = compareFeast(b, output, jvm.get(jvm.size() - 1).method(), features, ttlSeconds);
            } else {
                ok = false;
            }
        }
        Map<String, Result> best = new java.util.LinkedHashMap<>();
        for (Result r : results) {
            best.merge(r.method(), r, (x, y) -> x.seconds() <= y.seconds() ? x : y);
        }
        b.append("\n");
        ratio(b, best, "asof", "floor");
        ratio(b, best, "baseline", "asof");
        ratio(b, best, "feast", "asof");
        System.out.println(b);
        return ok;
    }

    private static boolean same(Result r, Result s) {
        return r.rows() == s.rows() && r.checksum().equals(s.checksum());
    }

    /**
     * Feast's output against a JVM method's (both as written by their last run), untimed, joined on the spine's
     * {@code request_id} (unique in the generated spines): rows that agree in every column, rows that differ, and of
     * those the ones Feast's rule explains: Ingot gives nulls, Feast gives the values of a feature row of the customer
     * at exactly {@code event_time - ttl}, the bound that Feast includes and Ingot excludes. Returns whether every
     * difference is explained.
     */
    static boolean compareFeast(StringBuilder b, Output output, String reference, Dataset<Row> features,
                                long ttlSeconds) {
        Dataset<Row> i = output.read(reference).as("i");
        Dataset<Row> f = output.read("feast").as("f");
        long repeated = f.groupBy("request_id").count().where(col("count").gt(1)).count();
        Column agree = lit(true);
        Column spineAgrees = lit(true);
        for (String c : output.spineColumns()) {
            spineAgrees = spineAgrees.and(col("i." + c).eqNullSafe(col("f." + c)));
        }
        agree = agree.and(spineAgrees);
        Column ingotNull = lit(true);
        Column feastHas = lit(false);
        for (String c : FEATURES) {
            agree = agree.and(col("i." + c).eqNullSafe(col("f." + c)));
            ingotNull = ingotNull.and(col("i." + c).isNull());
            feastHas = feastHas.or(col("f." + c).isNotNull());
        }
        Dataset<Row> edge = features.select(col("customer_id").as("e_customer_id"), col("feature_time").as("e_time"),
                col("f_sum").as("e_f_sum"), col("f_count").as("e_f_count"), col("f_avg").as("e_f_avg"),
                col("f_max").as("e_f_max"), col("f_segment").as("e_f_segment"));
        Dataset<Row> joined = i.join(f, col("i.request_id").equalTo(col("f.request_id")), "full_outer")
                .withColumn("__both", col("i.request_id").isNotNull().and(col("f.request_id").isNotNull()))
                .withColumn("__agree", col("__both").and(agree))
                .withColumn("__candidate", col("__both").and(not(col("__agree"))).and(spineAgrees)
                        .and(ingotNull).and(feastHas));
        Column atBound = col("e_customer_id").equalTo(col("f.customer_id"))
                .and(col("e_time").equalTo(col("f.event_time").minus(expr("INTERVAL " + ttlSeconds + " SECONDS"))))
                .and(col("__candidate"));
        Column explainedValues = lit(true);
        for (String c : FEATURES) {
            explainedValues = explainedValues.and(col("e_" + c).eqNullSafe(col("f." + c)));
        }
        Row n = joined.join(edge, atBound, "left")
                .agg(sum(when(col("__agree"), 1L).otherwise(0L)),
                        sum(when(col("__both").and(not(col("__agree"))), 1L).otherwise(0L)),
                        sum(when(col("e_time").isNotNull().and(explainedValues), 1L).otherwise(0L)),
                        sum(when(col("f.request_id").isNull(), 1L).otherwise(0L)),
                        sum(when(col("i.request_id").isNull(), 1L).otherwise(0L)))
                .first();
        long agreeing = n.isNullAt(0) ? 0 : n.getLong(0);
        long differing = n.isNullAt(1) ? 0 : n.getLong(1);
        long explained = n.isNullAt(2) ? 0 : n.getLong(2);
        long onlyReference = n.isNullAt(3) ? 0 : n.getLong(3);
        long onlyFeast = n.isNullAt(4) ? 0 : n.getLong(4);
        boolean ok = differing == explained && onlyReference == 0 && onlyFeast == 0 && repeated == 0;
        b.append(String.format(Locale.ROOT, "feast vs %s, joined on request_id: %,d rows agree in every column, %,d "
                        + "differ, %,d only in %s, %,d only in feast, %,d request ids repeated by feast%n", reference,
                agreeing, differing, onlyReference, reference, onlyFeast, repeated));
        b.append(String.format(Locale.ROOT, "of the %,d differing rows, %,d are explained by Feast's inclusive ttl bound "
                        + "(its only feature row in range lies exactly at event_time - ttl, which Ingot excludes: Ingot "
                        + "gives nulls, Feast that row's values)%n", differing, explained));
        b.append(ok ? String.format(Locale.ROOT, "feast vs %s: DIFFER only where the rules differ; IDENTICAL on the "
                + "%,d rows where they agree%n", reference, agreeing)
                : String.format(Locale.ROOT, "feast vs %s: DIFFER beyond the known difference of rules%n", reference));
        return ok;
    }

    /** "best of each: slow / fast = ratio" in wall and CPU time, when both methods ran. */
    private static void ratio(StringBuilder b, Map<String, Result> best, String slow, String fast) {
        Result s = best.get(slow);
        Result f = best.get(fast);
        if (s != null && f != null) {
            b.append(String.format(Locale.ROOT, "best of each: %s %.1f s / %s %.1f s = %.2fx wall time; "
                            + "CPU %.1f s / %.1f s = %.2fx%n", slow, s.seconds(), fast, f.seconds(),
                    s.seconds() / f.seconds(), s.cpuSeconds(), f.cpuSeconds(), s.cpuSeconds() / f.cpuSeconds()));
        }
    }

    /**
     * The feast method's PySpark process ({@code benchmarks/python/feast_pit_bench.py serve}): started once with this
     * session's master, shuffle partitions and this JVM's maximum heap as its driver memory, warmed up on its own, then
     * asked for one timed run per repetition. Its output (Spark's and Feast's warnings included) is kept for an error
     * message.
     */
    static final class Feast implements AutoCloseable {
        private static final String SCRIPT = "benchmarks/python/feast_pit_bench.py";
        private static final Pattern RESULT = Pattern.compile("^RESULT wall_s=([0-9.]+) cpu_s=([0-9.]+) rows=([0-9]+)$");

        /** One timed run: wall and process-tree CPU seconds, rows written. */
        record Timing(double wall, double cpu, long rows) {}

        private final Bench.PeerProcess process;
        final String settings;

        private Feast(List<String> cmd) throws IOException {
            process = new Bench.PeerProcess(SCRIPT, cmd);
            settings = process.settings;
        }

        static Feast start(String python, Path dir, String spineDir, long ttlDays, SparkSession spark)
                throws IOException {
            Bench.PeerProcess.requireScript(SCRIPT);
            String heap = Bench.PeerProcess.driverMemory();
            List<String> cmd = new ArrayList<>(List.of(python, SCRIPT, "serve", "--dir", dir.toAbsolutePath().toString(),
                    "--master", spark.sparkContext().master(), "--driver-memory", heap,
                    "--shuffle-partitions", spark.conf().get("spark.sql.shuffle.partitions"),
                    "--ttl-days", Long.toString(ttlDays), "--spine", spineDir));
            String initial = spark.conf().get("spark.sql.adaptive.coalescePartitions.initialPartitionNum", "");
            if (!initial.isEmpty()) {
                cmd.addAll(List.of("--initial-partitions", initial));
            }
            return new Feast(cmd);
        }

        Timing run() throws IOException {
            process.send("run");
            Matcher m = RESULT.matcher(process.until(l -> RESULT.matcher(l).matches()));
            m.matches();
            return new Timing(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), Long.parseLong(m.group(3)));
        }

        @Override
        public void close() {
            process.close();
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
