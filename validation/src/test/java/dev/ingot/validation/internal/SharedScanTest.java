package dev.ingot.validation.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.ApproxQuantile;
import com.amazon.deequ.analyzers.Completeness;
import com.amazon.deequ.analyzers.Compliance;
import com.amazon.deequ.analyzers.CountDistinct;
import com.amazon.deequ.analyzers.Uniqueness;
import com.amazon.deequ.analyzers.Maximum;
import com.amazon.deequ.analyzers.Mean;
import com.amazon.deequ.analyzers.Minimum;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.analyzers.StandardDeviation;
import com.amazon.deequ.analyzers.runners.AnalysisRunner;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.metrics.Metric;
import dev.ingot.core.TestSpark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.util.QuantileSummaries;
import org.junit.jupiter.api.Test;
import scala.Option;

/** The shared scan gives Deequ's metrics, and its quantile summaries keep Deequ's error bound. */
class SharedScanTest {
    private static final Option<String> NONE = Option.empty();

    private static Analyzer<?, Metric<?>> a(Object analyzer) {
        return DeequRun.cast(analyzer);
    }

    private static List<Analyzer<?, Metric<?>>> analyzers(Option<String> where) {
        List<Analyzer<?, Metric<?>>> l = new ArrayList<>();
        l.add(a(new Size(where)));
        l.add(a(new Completeness("x", where, Option.empty())));
        l.add(a(new Completeness("s", where, Option.empty())));
        l.add(a(new Compliance("x positive", "x > 0", where, Scala.list(List.of()), Option.empty())));
        l.add(a(new Minimum("x", where, Option.empty())));
        l.add(a(new Maximum("x", where, Option.empty())));
        l.add(a(new Minimum("i", where, Option.empty())));
        l.add(a(new Maximum("i", where, Option.empty())));
        l.add(a(new Mean("x", where)));
        l.add(a(new StandardDeviation("x", where)));
        l.add(a(new StandardDeviation("i", where)));
        return l;
    }

    private static Dataset<Row> data(SparkSession spark, long rows) {
        return spark.sql("SELECT id AS i, IF(id % 7 = 0, NULL, (id * 37 % 1000) / 4.0 - 20) AS x,"
                + " IF(id % 5 = 0, NULL, concat('s', id % 3)) AS s FROM range(" + rows + ")").repartition(3);
    }

    private static List<Analyzer<?, Metric<?>>> grouping(Option<String> where) {
        return List.of(a(new Uniqueness(Scala.list(List.of("s")), where, Option.empty())),
                a(new Uniqueness(Scala.list(List.of("i")), where, Option.empty())),
                a(new Uniqueness(Scala.list(List.of("s", "x")), where, Option.empty())),
                a(new CountDistinct(Scala.list(List.of("s")))),
                a(new CountDistinct(Scala.list(List.of("x", "s")))));
    }

    private static void assertSameMetrics(Dataset<Row> data, List<Analyzer<?, Metric<?>>> analyzers) {
        assertSameMetrics(data, analyzers, SharedScan.run(data, analyzers));
    }

    private static void assertSameMetrics(Dataset<Row> data, List<Analyzer<?, Metric<?>>> analyzers,
                                          Map<Analyzer<?, Metric<?>>, Metric<?>> ours) {
        AnalyzerContext deequ = AnalysisRunner.onData(data).addAnalyzers(Scala.list(analyzers)).run();
        assertEquals(analyzers.size(), ours.size());
        for (Analyzer<?, Metric<?>> an : analyzers) {
            Metric<?> expected = deequ.metricMap().get(an).get();
            Metric<?> actual = ours.get(an);
            assertEquals(expected.name(), actual.name(), an.toString());
            assertEquals(expected.instance(), actual.instance(), an.toString());
            assertEquals(expected.entity(), actual.entity(), an.toString());
            assertEquals(expected.value().isSuccess(), actual.value().isSuccess(), an + ": " + expected + " / " + actual);
            if (expected.value().isSuccess()) {
                double e = ((Number) expected.value().get()).doubleValue();
                double v = ((Number) actual.value().get()).doubleValue();
                assertEquals(e, v, Math.abs(e) * 1e-12, an.toString());
            } else {
                assertEquals(expected.value().failed().get().getClass(), actual.value().failed().get().getClass(), an.toString());
            }
        }
    }

    @Test
    void everyScanShareableMetricIsDeequs() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> d = data(spark, 5000);
        assertSameMetrics(d, analyzers(NONE));
        assertSameMetrics(d, analyzers(Option.apply("i % 2 = 0")));
    }

    @Test
    void uniquenessAndDistinctCountsAreDeequs() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> d = data(spark, 3000);
        assertSameMetrics(d, grouping(NONE), SharedScan.grouped(d, grouping(NONE)));
        assertSameMetrics(d, grouping(Option.apply("i % 3 = 1")), SharedScan.grouped(d, grouping(Option.apply("i % 3 = 1"))));
        Dataset<Row> empty = data(spark, 0);
        assertSameMetrics(empty, grouping(NONE), SharedScan.grouped(empty, grouping(NONE)));
    }

    @Test
    void emptyDataAndFailedPreconditionsFailAsInDeequ() {
        SparkSession spark = TestSpark.session();
        assertSameMetrics(data(spark, 0), analyzers(NONE));
        assertSameMetrics(data(spark, 100), analyzers(Option.apply("i < 0")));
        // A mean and a quantile of a string column, and a completeness of a column that is not there.
        Dataset<Row> d = data(spark, 100);
        List<Analyzer<?, Metric<?>>> bad = List.of(a(new Mean("s", NONE)), a(new ApproxQuantile("s", 0.5, 0.01, NONE)),
                a(new Completeness("missing", NONE, Option.empty())));
        Map<Analyzer<?, Metric<?>>, Metric<?>> ours = SharedScan.run(d, bad);
        for (Analyzer<?, Metric<?>> an : bad) {
            assertTrue(ours.get(an).value().isFailure(), an.toString());
        }
    }

    @Test
    void quantilesAreWithinTheRelativeErrorOfTheExactRanks() {
        SparkSession spark = TestSpark.session();
        // Two partitions of 100k values: each is summarized in two chunks, merged, then merged across partitions.
        int n = 200_000;
        Random random = new Random(7);
        double[] values = new double[n];
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Skewed, with ties and negatives.
            values[i] = i % 10 == 0 ? 3.0 : Math.floor(Math.exp(random.nextGaussian() * 2) * 100) / 100 - 1;
            rows.add(org.apache.spark.sql.RowFactory.create(values[i], i % 3 == 0 ? null : (double) i));
        }
        Dataset<Row> d = spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
                .add("v", "double").add("w", "double")).repartition(2);
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double[] qs = {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 1.0};
        List<Analyzer<?, Metric<?>>> analyzers = new ArrayList<>();
        for (double q : qs) {
            analyzers.add(a(new ApproxQuantile("v", q, 0.01, NONE)));
        }
        analyzers.add(a(new ApproxQuantile("w", 0.5, 0.01, NONE)));
        Map<Analyzer<?, Metric<?>>, Metric<?>> ours = SharedScan.run(d, analyzers);
        for (int k = 0; k < qs.length; k++) {
            double got = ((Number) ours.get(analyzers.get(k)).value().get()).doubleValue();
            // Ranks (1-based) that value spans in the sorted data; the target rank must be within 1% of n of them.
            int lo = lowerBound(sorted, got) + 1;
            int hi = upperBound(sorted, got);
            long target = Math.max(1, (long) Math.ceil(qs[k] * n));
            long error = target < lo ? lo - target : target > hi ? target - hi : 0;
            assertTrue(error <= 0.01 * n + 1, "quantile " + qs[k] + " = " + got + " is " + error + " ranks off");
        }
        assertEquals(sorted[0], ((Number) ours.get(analyzers.get(0)).value().get()).doubleValue());
        assertEquals(sorted[n - 1], ((Number) ours.get(analyzers.get(qs.length - 1)).value().get()).doubleValue());
        // Nulls are not values: the median of w is the median of the non-null i.
        double w = ((Number) ours.get(analyzers.get(qs.length)).value().get()).doubleValue();
        assertEquals(n / 2.0, w, 0.01 * n + 3);
    }

    private static int lowerBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int m = (lo + hi) >>> 1;
            if (a[m] < v) {
                lo = m + 1;
            } else {
                hi = m;
            }
        }
        return lo;
    }

    private static int upperBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int m = (lo + hi) >>> 1;
            if (a[m] <= v) {
                lo = m + 1;
            } else {
                hi = m;
            }
        }
        return lo;
    }

    @Test
    void theRadixSortOrdersLikeArraysSort() {
        Random random = new Random(11);
        // One chunk (merging chunks is Spark's QuantileSummaries.merge, which may order -0.0 and 0.0 either way).
        double[] values = new double[QuantileAccumulator.BUFFER - 7];
        double[] specials = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
            -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1.0, -1.0};
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 17 == 0 ? specials[i % specials.length]
                    : i % 3 == 0 ? random.nextInt(50) : random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20);
        }
        // A relative error this small keeps every value: the summary is the sorted input.
        QuantileAccumulator acc = new QuantileAccumulator(1e-12);
        for (double v : values) {
            acc.add(v);
        }
        QuantileSummaries s = acc.value().orElseThrow();
        double[] expected = values.clone();
        Arrays.sort(expected);
        double[] actual = Arrays.stream(s.sampled()).mapToDouble(QuantileSummaries.Stats::value).toArray();
        assertEquals(values.length, s.count());
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(actual[i]), "at " + i);
        }
    }

    @Test
    void aPartitionSummarizedTwiceCountsOnce() {
        QuantileAccumulator task = new QuantileAccumulator(0.01);
        for (int i = 0; i < 50_000; i++) {
            task.add((double) i);
        }
        QuantileAccumulator driver = new QuantileAccumulator(0.01);
        driver.merge(task);
        driver.merge(task.copy());
        QuantileSummaries s = driver.value().orElseThrow();
        assertEquals(50_000, s.count());
        double median = (Double) s.query(0.5).get();
        assertEquals(25_000, median, 500);
        assertTrue(new QuantileAccumulator(0.01).isZero());
        assertFalse(driver.isZero());
        assertEquals(Optional.empty(), new QuantileAccumulator(0.01).value());
    }

    @Test
    void readingWhileATaskAddsIsSafe() throws Exception {
        // Many short tasks, each read from its start: the reader most often races the writer's first values, where a
        // reader that flushed a buffer still being filled counted 65,536 values twice (once in CI).
        for (int round = 0; round < 40; round++) {
            QuantileAccumulator acc = new QuantileAccumulator(0.01);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch reading = new CountDownLatch(1);
            int n = 3 * QuantileAccumulator.BUFFER + round * 1000;
            Thread task = new Thread(() -> {
                try {
                    reading.await();
                    for (int i = 0; i < n; i++) {
                        acc.add((double) (i % 1000));
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            task.start();
            reading.countDown();
            // What Spark's heartbeat does while a task runs.
            while (task.isAlive()) {
                acc.value();
                acc.isZero();
                acc.copy();
            }
            task.join();
            assertEquals(null, failure.get());
            // The values still buffered are summarized once the task is done (its result serialized, or copied).
            QuantileAccumulator driver = new QuantileAccumulator(0.01);
            driver.merge(acc.copy());
            assertEquals(n, driver.value().orElseThrow().count(), "round " + round);
        }
    }
}
