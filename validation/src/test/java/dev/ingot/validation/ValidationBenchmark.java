package dev.ingot.validation;

import static dev.ingot.validation.Suites.check;
import static dev.ingot.validation.Suites.col;
import static dev.ingot.validation.Suites.containedIn;
import static dev.ingot.validation.Suites.pattern;
import static dev.ingot.validation.Suites.predicate;
import static dev.ingot.validation.Suites.quantile;

import dev.ingot.core.TestSpark;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The benchmark: a suite of 28 checks over 2M rows against one plain scan of the same columns, in the same
 * JVM and session. Run with {@code -Dtest=ValidationBenchmark -Dingot.bench=true} (optionally {@code -Dingot.bench.rows=N});
 * prints the timings.
 */
@EnabledIfSystemProperty(named = "ingot.bench", matches = "true")
class ValidationBenchmark {
    private static final String[] COLUMNS = {"id", "a", "b", "c", "d", "e", "f", "status", "code"};

    static List<CheckDef> checks(boolean grouping) {
        List<CheckDef> c = new ArrayList<>();
        for (String x : List.of("a", "b", "c", "d", "e", "f")) {
            c.add(col(Kind.COMPLETENESS, x, 0.9, null));
        }
        c.add(col(Kind.COMPLETENESS, "status", null, null));
        c.add(col(Kind.MIN, "a", 0.0, null));
        c.add(col(Kind.MAX, "b", null, 1000.0));
        c.add(col(Kind.RANGE, "c", 0.0, 1000.0));
        c.add(col(Kind.RANGE, "d", -10.0, 1000.0));
        c.add(containedIn("status", "new", "paid", "shipped", "lost"));
        c.add(pattern("code", "^c-[0-9]+$", null));
        c.add(predicate("a <= b + 1000", null));
        c.add(predicate("e >= 0 OR e IS NULL", null));
        c.add(predicate("f < 2000 OR f IS NULL", 0.99));
        c.add(col(Kind.MEAN, "a", 0.0, 1000.0));
        c.add(col(Kind.MEAN, "b", 0.0, 1000.0));
        c.add(col(Kind.MEAN, "c", 0.0, 1000.0));
        c.add(col(Kind.STDDEV, "d", 0.0, 1000.0));
        c.add(col(Kind.STDDEV, "e", 0.0, 1000.0));
        c.add(check(Kind.SIZE, List.of(), 1.0, null));
        c.add(quantile("f", 0.5, 0.0, 1000.0));
        c.add(quantile("a", 0.9, 0.0, 1000.0));
        c.add(col(Kind.MAX, "id", null, 1e12));
        c.add(col(Kind.MIN, "id", 0.0, null));
        if (grouping) {
            c.add(check(Kind.UNIQUENESS, List.of("id"), null, null));
            c.add(col(Kind.DISTINCT_COUNT, "status", 1.0, 10.0));
        }
        return c;
    }

    /** CPU time of Spark tasks (executor run and deserialization), summed by a listener. */
    private static final java.util.concurrent.atomic.AtomicLong TASK_CPU = new java.util.concurrent.atomic.AtomicLong();

    /** Best wall time and best task CPU time of n runs, in ms. */
    private record Timing(long wall, long cpu) {}

    private static void drain(SparkSession spark) {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } catch (java.util.concurrent.TimeoutException e) {
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
        System.out.printf("BENCHMARK %-48s %6d ms  %5.2fx   task CPU %6d ms  %5.2fx%n", what, t.wall(),
                t.wall() / (double) scan.wall(), t.cpu(), t.cpu() / (double) scan.cpu());
    }

    @Test
    void suiteOf28ChecksAgainstOnePlainScan() {
        SparkSession spark = TestSpark.session();
        long rows = Long.getLong("ingot.bench.rows", 2_000_000L);
        spark.sql("DROP TABLE IF EXISTS features.bench_rows");
        spark.sql("SELECT id, CAST(id % 1000 AS DOUBLE) AS a, CAST((id * 7) % 1000 AS DOUBLE) AS b,"
                + " CAST((id * 13) % 1000 AS DOUBLE) AS c, IF(id % 997 = 0, -1.0, CAST((id * 17) % 1000 AS DOUBLE)) AS d,"
                + " IF(id % 101 = 0, NULL, CAST((id * 19) % 1000 AS DOUBLE)) AS e, CAST((id * 23) % 1000 AS DOUBLE) AS f,"
                + " element_at(array('new', 'paid', 'shipped', 'lost', 'odd'), CAST(id % 5 + 1 AS INT)) AS status,"
                + " IF(id % 499 = 0, 'x', concat('c-', id)) AS code FROM range(" + rows + ")")
                .write().format("delta").saveAsTable("features.bench_rows");
        Dataset<Row> data = spark.table("features.bench_rows");
        CheckSuiteDef strict = new CheckSuiteDef("bench", "", Optional.empty(), CheckSuiteDef.Policy.STRICT, checks(true));
        CheckSuiteDef scanOnly = new CheckSuiteDef("bench_scan", "", Optional.empty(), CheckSuiteDef.Policy.STRICT, checks(false));
        CheckSuiteDef oneAggregation = new CheckSuiteDef("bench_agg", "", Optional.empty(), CheckSuiteDef.Policy.STRICT,
                checks(false).stream().filter(c -> c.kind() != Kind.QUANTILE).toList());
        CheckSuiteDef quarantine = new CheckSuiteDef("bench_q", "", Optional.empty(), CheckSuiteDef.Policy.QUARANTINE, checks(true));
        Validator v = Validator.of(spark);
        Runnable plain = () -> data.select(COLUMNS[0], java.util.Arrays.copyOfRange(COLUMNS, 1, COLUMNS.length))
                .write().format("noop").mode("overwrite").save();
        // Warm up: code generation, file listing, Delta snapshot.
        plain.run();
        v.validate(data, scanOnly);
        int n = Integer.getInteger("ingot.bench.repeat", 3);
        spark.sparkContext().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    TASK_CPU.addAndGet(end.taskMetrics().executorCpuTime() + end.taskMetrics().executorDeserializeCpuTime());
                }
            }
        });
        double loadBefore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
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
            try (GateOutcome g = Gate.of(spark).check(data, List.of(quarantine), new dev.ingot.core.TableName("features", "bench_target"))) {
                g.published().write().format("noop").mode("overwrite").save();
            }
        });
        System.out.printf("%nBENCHMARK load average %.2f before, %.2f after%n", loadBefore,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("BENCHMARK %d rows, %d checks (%d without uniqueness/distinct count), best of %d%n", rows,
                strict.checks().size(), scanOnly.checks().size(), n);
        print("plain scan of the same columns", scan, scan);
        print("metrics only, " + oneAggregation.checks().size() + " checks, no quantiles", aggregationOnly, scan);
        print("metrics only, " + scanOnly.checks().size() + " scan-shared checks (with quantiles)", metricsNoGrouping, scan);
        print("metrics only, all " + strict.checks().size() + " checks", metrics, scan);
        print("quarantine policy (metrics + split)", quarantined, scan);
        print("gate with quarantine, history, publish", gate, scan);
    }
}
