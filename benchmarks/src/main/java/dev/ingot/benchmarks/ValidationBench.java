package dev.ingot.benchmarks;

import dev.ingot.core.Location;
import dev.ingot.core.Catalog;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.validation.Gate;
import dev.ingot.validation.GateOutcome;
import dev.ingot.validation.ValidationResult;
import dev.ingot.validation.Validator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark: a suite of 28 data-quality checks over a Delta table, against one plain scan of the same columns, in the
 * same JVM and session.
 *
 * <p>The table has {@code --rows} rows of 9 columns (an id, six doubles, a status string, a code string). The suites
 * are written as a user writes them ({@code checks/<name>.yaml}) and loaded by {@link ProjectLoader}. Each variant
 * runs {@code --repeat} times after a warm-up and keeps its best wall time and its best task CPU time (Spark task CPU
 * summed by a listener); the gate runs once. Everything is printed as a ratio to the plain scan of the same run.
 *
 * <p>Run it with {@code benchmarks/run.sh validation [arguments]}. Arguments: {@code --rows N} (2,000,000),
 * {@code --repeat N} (3), {@code --master M} ({@code local[2]}), {@code --warehouse DIR} (a new temporary directory,
 * deleted afterwards; a given one is kept).
 */
public final class ValidationBench {
    private static final String[] COLUMNS = {"id", "a", "b", "c", "d", "e", "f", "status", "code"};

    /** Checks that share Deequ's one aggregation. */
    private static final List<String> SHARED = List.of(
            "{kind: completeness, column: a, min: 0.9}",
            "{kind: completeness, column: b, min: 0.9}",
            "{kind: completeness, column: c, min: 0.9}",
            "{kind: completeness, column: d, min: 0.9}",
            "{kind: completeness, column: e, min: 0.9}",
            "{kind: completeness, column: f, min: 0.9}",
            "{kind: completeness, column: status}",
            "{kind: min, column: a, min: 0}",
            "{kind: max, column: b, max: 1000}",
            "{kind: range, column: c, min: 0, max: 1000}",
            "{kind: range, column: d, min: -10, max: 1000}",
            "{kind: contained_in, column: status, values: [new, paid, shipped, lost]}",
            "{kind: pattern, column: code, regex: '^c-[0-9]+$'}",
            "{kind: predicate, expr: 'a <= b + 1000'}",
            "{kind: predicate, expr: 'e >= 0 OR e IS NULL'}",
            "{kind: predicate, expr: 'f < 2000 OR f IS NULL', min: 0.99}",
            "{kind: mean, column: a, min: 0, max: 1000}",
            "{kind: mean, column: b, min: 0, max: 1000}",
            "{kind: mean, column: c, min: 0, max: 1000}",
            "{kind: stddev, column: d, min: 0, max: 1000}",
            "{kind: stddev, column: e, min: 0, max: 1000}",
            "{kind: size, min: 1}");
    /** Approximate quantiles: in the same scan since {@code SharedScan}. */
    private static final List<String> QUANTILES = List.of(
            "{kind: quantile, column: f, quantile: 0.5, min: 0, max: 1000}",
            "{kind: quantile, column: a, quantile: 0.9, min: 0, max: 1000}");
    private static final List<String> ID_BOUNDS = List.of(
            "{kind: max, column: id, max: 1000000000000}",
            "{kind: min, column: id, min: 0}");
    /** Checks that need a grouping job each. */
    private static final List<String> GROUPING = List.of(
            "{kind: uniqueness, columns: [id]}",
            "{kind: distinct_count, column: status, min: 1, max: 10}");

    /** CPU time of Spark tasks (executor run and deserialization), summed by a listener. */
    private static final AtomicLong TASK_CPU = new AtomicLong();

    private ValidationBench() {}

    /** Best wall time and best task CPU time of n runs, in ms. */
    private record Timing(long wall, long cpu) {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = Bench.args("validation", args, "rows", "2000000", "repeat", "3");
        long rows = Long.parseLong(opts.get("rows"));
        int n = Integer.parseInt(opts.get("repeat"));
        try (Bench.Warehouse wh = Bench.Warehouse.of(opts, "validation")) {
            Map<String, CheckSuiteDef> suites = suites(wh.dir());
            // The settings of the test JVM (TestSpark) in which the figures of docs/benchmarks.md were measured,
            // pinned here so that tuning the tests does not move the benchmark.
            SparkSession spark = wh.session(opts, "validation")
                    .conf("spark.sql.shuffle.partitions", "4")
                    .conf("spark.default.parallelism", "4")
                    .conf("spark.sql.adaptive.coalescePartitions.initialPartitionNum", "4")
                    .conf("spark.databricks.delta.snapshotPartitions", "2")
                    .conf("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")
                    .build();
            try {
                Catalog.ensureDatabases(spark, Location.of(wh.dir()));
                run(spark, suites, rows, n);
            } finally {
                spark.stop();
            }
        }
    }

    private static void run(SparkSession spark, Map<String, CheckSuiteDef> suites, long rows, int n) {
        spark.sql("DROP TABLE IF EXISTS features.bench_rows");
        spark.sql("SELECT id, CAST(id % 1000 AS DOUBLE) AS a, CAST((id * 7) % 1000 AS DOUBLE) AS b,"
                + " CAST((id * 13) % 1000 AS DOUBLE) AS c, IF(id % 997 = 0, -1.0, CAST((id * 17) % 1000 AS DOUBLE)) AS d,"
                + " IF(id % 101 = 0, NULL, CAST((id * 19) % 1000 AS DOUBLE)) AS e, CAST((id * 23) % 1000 AS DOUBLE) AS f,"
                + " element_at(array('new', 'paid', 'shipped', 'lost', 'odd'), CAST(id % 5 + 1 AS INT)) AS status,"
                + " IF(id % 499 = 0, 'x', concat('c-', id)) AS code FROM range(" + rows + ")")
                .write().format("delta").saveAsTable("features.bench_rows");
        Dataset<Row> data = spark.table("features.bench_rows");
        CheckSuiteDef strict = suites.get("bench");
        CheckSuiteDef scanOnly = suites.get("bench_scan");
        CheckSuiteDef oneAggregation = suites.get("bench_agg");
        CheckSuiteDef quarantine = suites.get("bench_q");
        Validator v = Validator.of(spark);
        Runnable plain = () -> data.select(COLUMNS[0], Arrays.copyOfRange(COLUMNS, 1, COLUMNS.length))
                .write().format("noop").mode("overwrite").save();
        // Warm up: code generation, file listing, Delta snapshot.
        plain.run();
        v.validate(data, scanOnly);
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    TASK_CPU.addAndGet(end.taskMetrics().executorCpuTime() + end.taskMetrics().executorDeserializeCpuTime());
                }
            }
        });
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Timing scan = best(spark, n, plain);
        Timing aggregationOnly = best(spark, n, () -> v.validate(data, oneAggregation));
        Timing metricsNoGrouping = best(spark, n, () -> v.validate(data, scanOnly));
        Timing metrics = best(spark, n, () -> v.validate(data, strict));
        Timing quarantined = best(spark, n, () -> {
            ValidationResult r = v.validate(data, quarantine);
            if (r.quarantinedRows() == 0) {
                throw new AssertionError("the benchmark data has bad rows");
            }
        });
        // Quarantine as the gate does it: the split written out (published rows and quarantined rows).
        Timing gate = best(spark, 1, () -> {
            try (GateOutcome g = Gate.of(spark).check(data, List.of(quarantine), new TableName("features", "bench_target"))) {
                g.published().write().format("noop").mode("overwrite").save();
            }
        });
        System.out.printf(Locale.ROOT, "%nBENCHMARK load average %.2f before, %.2f after%n", loadBefore,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "BENCHMARK %d rows, %d checks (%d without uniqueness/distinct count), best of %d "
                + "(the gate: one run)%n", rows, strict.checks().size(), scanOnly.checks().size(), n);
        print("plain scan of the same columns", scan, scan);
        print("metrics only, " + oneAggregation.checks().size() + " checks, no quantiles", aggregationOnly, scan);
        print("metrics only, " + scanOnly.checks().size() + " scan-shared checks (with quantiles)", metricsNoGrouping, scan);
        print("metrics only, all " + strict.checks().size() + " checks", metrics, scan);
        print("quarantine policy (metrics + split)", quarantined, scan);
        print("gate with quarantine, history, publish", gate, scan);
    }

    /**
     * The four suites, written to {@code <warehouse>/project/checks/} and loaded as a project: {@code bench} (all 28
     * checks, strict), {@code bench_scan} (the 26 that share one scan), {@code bench_agg} (those 24 without the
     * quantiles), {@code bench_q} (all 28, quarantine policy).
     */
    private static Map<String, CheckSuiteDef> suites(Path warehouse) throws IOException {
        Path project = warehouse.resolve("project");
        Files.createDirectories(project.resolve("checks"));
        Files.writeString(project.resolve("ingot.yaml"), "name: bench\nwarehouse: " + warehouse + "\n");
        List<String> all = concat(SHARED, QUANTILES, ID_BOUNDS, GROUPING);
        writeSuite(project, "bench", "strict", all);
        writeSuite(project, "bench_scan", "strict", concat(SHARED, QUANTILES, ID_BOUNDS));
        writeSuite(project, "bench_agg", "strict", concat(SHARED, ID_BOUNDS));
        writeSuite(project, "bench_q", "quarantine", all);
        Project p = ProjectLoader.load(project);
        return p.suites();
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> out = new ArrayList<>();
        Arrays.stream(parts).forEach(out::addAll);
        return out;
    }

    private static void writeSuite(Path project, String name, String policy, List<String> checks) throws IOException {
        StringBuilder yaml = new StringBuilder("policy: " + policy + "\nchecks:\n");
        checks.forEach(c -> yaml.append("  - ").append(c).append('\n'));
        Files.writeString(project.resolve("checks/" + name + ".yaml"), yaml);
    }

    private static void drain(SparkSession spark) {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Timing best(SparkSession spark, int n, Runnable r) {
        long wall = Long.MAX_VALUE;
        long cpu = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            drain(spark);
            TASK_CPU.set(0);
            long t = System.nanoTime();
            r.run();
            wall = Math.min(wall, (System.nanoTime() - t) / 1_000_000);
            drain(spark);
            cpu = Math.min(cpu, TASK_CPU.get() / 1_000_000);
        }
        return new Timing(wall, cpu);
    }

    private static void print(String what, Timing t, Timing scan) {
        System.out.printf(Locale.ROOT, "BENCHMARK %-48s %6d ms  %5.2fx   task CPU %6d ms  %5.2fx%n", what, t.wall(),
                t.wall() / (double) scan.wall(), t.cpu(), t.cpu() / (double) scan.cpu());
    }
}
