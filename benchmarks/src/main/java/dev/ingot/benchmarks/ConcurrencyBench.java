package dev.ingot.benchmarks;

import dev.ingot.core.Catalog;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableDoc;
import dev.ingot.core.TableName;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.features.FeatureStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The concurrent-writer trials of docs/reliability.md ("Concurrent writers"), many times: more writers and rounds
 * than the default suite's tests (ConcurrentAppendsTest, ConcurrentMaterializeTest, ScoreRunsTest), each writer on its
 * own thread of one session, started together. Per round:
 * <ol>
 * <li>{@code --writers} runs append two rows each to a record table that does not exist yet ({@code appendRows}, the
 *     path of {@code ingot.job_runs}, {@code ingot.score_runs}, {@code ingot.lineage});</li>
 * <li>two first materializations of one new view over disjoint date ranges;</li>
 * <li>two materializations of the same range of that (now existing) view.</li>
 * </ol>
 * Each trial's outcome is counted (succeeded, a clear exit-3 failure, anything else) and its table checked: every
 * appended row once; the view's rows equal to a brute-force aggregation of the events, none missing, none twice.
 *
 * <p>Run it with {@code benchmarks/run.sh concurrency [--rounds N] [--writers N] [--master M] [--warehouse DIR]}
 * (20 rounds of 8 writers by default). Exits 1 when any trial ended otherwise than the guarantees say.
 */
public final class ConcurrencyBench {
    private static final StructType SCHEMA = new StructType().add("writer", DataTypes.IntegerType, false)
            .add("n", DataTypes.IntegerType, false).add("at", DataTypes.TimestampType, false);
    private static final Instant DAY0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String VIEW = """
            source: events
            entities: [customer_id]
            aggregations:
              - {name: n, function: count, windows: [1d, 2d]}
              - {name: amt_sum, function: sum, column: amount, windows: [2d]}
            """;

    private ConcurrencyBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Bench.args("concurrency", args, "rounds", "20", "writers", "8");
        int rounds = Integer.parseInt(opts.get("rounds"));
        int writers = Integer.parseInt(opts.get("writers"));
        Map<String, Integer> counts = new TreeMap<>();
        List<String> broken = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Bench.Warehouse wh = Bench.Warehouse.of(opts, "concurrency")) {
            SparkSession spark = wh.session(opts, "concurrency").conf("spark.sql.shuffle.partitions", "4").build();
            spark.sql("CREATE DATABASE IF NOT EXISTS bench");
            spark.sql("""
                    SELECT CAST(id % 5 AS BIGINT) AS customer_id,
                           timestamp_seconds(1767225600 + (id * 7919) % (6 * 86400)) AS ts,
                           CAST((id * 31) % 1000 AS DOUBLE) / 10 AS amount
                    FROM range(400)""").write().format("delta").mode("overwrite").saveAsTable("bench.events");
            for (int round = 0; round < rounds; round++) {
                // 1. appends to a new record table
                TableName records = new TableName("bench", "records_" + round);
                List<Object> appended = together(writers, w -> {
                    Catalog.appendRows(spark, records, SCHEMA, List.of(RowFactory.create(w, 0, Timestamp.from(Instant.now())),
                            RowFactory.create(w, 1, Timestamp.from(Instant.now()))), TableDoc.of("bench records"));
                    return "ok";
                });
                tally(counts, "appends", appended);
                long rows = spark.table(records.sql()).count();
                long distinct = spark.table(records.sql()).select("writer", "n").distinct().count();
                if (appended.stream().anyMatch(o -> !"ok".equals(o)) || rows != 2L * writers || distinct != rows) {
                    broken.add("round " + round + " appends: " + appended + ", " + rows + " rows");
                }

                // 2. disjoint ranges of a new view, 3. the same range twice on the existing table
                Path project = wh.dir().resolve("project_" + round);
                String view = "conc_" + round;
                Files.createDirectories(project.resolve("sources"));
                Files.createDirectories(project.resolve("feature_views"));
                Files.writeString(project.resolve("ingot.yaml"), "name: bench\nwarehouse: " + wh.dir() + "\n");
                Files.writeString(project.resolve("sources/events.yaml"), "table: bench.events\nevent_time: ts\n");
                Files.writeString(project.resolve("feature_views/" + view + ".yaml"), VIEW);
                List<Object> disjoint = together(2, w -> FeatureStore.of(spark, ProjectLoader.load(project))
                        .materialize(view, day(w * 3), day(w * 3 + 3)));
                tally(counts, "materialize disjoint", disjoint);
                if (disjoint.stream().anyMatch(o -> o instanceof Throwable) || !exact(spark, project, view, 6)) {
                    broken.add("round " + round + " disjoint: " + disjoint);
                }
                List<Object> same = together(2, w -> FeatureStore.of(spark, ProjectLoader.load(project))
                        .materialize(view, day(2), day(6)));
                tally(counts, "materialize same range", same);
                boolean clear = same.stream().allMatch(o -> !(o instanceof Throwable)
                        || o instanceof IngotException e && e.exitCode().code() == 3);
                if (!clear || same.stream().allMatch(o -> o instanceof Throwable) || !exact(spark, project, view, 6)) {
                    broken.add("round " + round + " same range: " + same);
                }
                System.out.printf(Locale.ROOT, "round %d: %s%n", round + 1, counts);
            }
        }
        System.out.printf(Locale.ROOT, "%d rounds of %d appenders and 2+2 materializations in %.0f s: %s; %d broken%n",
                rounds, writers, (System.nanoTime() - t0) / 1e9, counts, broken.size());
        broken.forEach(b -> System.out.println("BROKEN " + b));
        System.exit(broken.isEmpty() ? 0 : 1);
    }

    private static Instant day(int n) {
        return DAY0.plusSeconds(86400L * n);
    }

    /** Whether the view's table holds exactly the brute-force rows of ticks (day 0, day {@code days}]. */
    private static boolean exact(SparkSession spark, Path project, String view, int days) {
        var got = FeatureStore.of(spark, ProjectLoader.load(project)).read(view)
                .selectExpr("customer_id", "feature_time", "n_1d", "n_2d", "round(amt_sum_2d, 6)");
        var expected = spark.sql("""
                WITH ticks AS (SELECT explode(sequence(timestamp_seconds(%d), timestamp_seconds(%d), INTERVAL 1 DAY))
                               AS feature_time)
                SELECT e.customer_id, t.feature_time,
                  count_if(e.ts >= t.feature_time - INTERVAL 1 DAY) AS n_1d, count(*) AS n_2d,
                  round(sum(amount), 6) AS amt_sum_2d
                FROM ticks t JOIN bench.events e ON e.ts >= t.feature_time - INTERVAL 2 DAY AND e.ts < t.feature_time
                GROUP BY e.customer_id, t.feature_time""".formatted(DAY0.getEpochSecond() + 86400,
                day(days).getEpochSecond()));
        return got.count() == expected.count() && got.exceptAll(expected).isEmpty() && expected.exceptAll(got).isEmpty();
    }

    private static void tally(Map<String, Integer> counts, String trial, List<Object> outcomes) {
        for (Object o : outcomes) {
            String kind = !(o instanceof Throwable) ? "ok"
                    : o instanceof IngotException e && e.exitCode().code() == 3 ? "exit 3" : "other failure";
            counts.merge(trial + " " + kind, 1, Integer::sum);
        }
    }

    interface Writer {
        Object write(int writer) throws Exception;
    }

    /** Runs {@code write} for writers 0..n-1, each on its own thread, started together: each result or exception. */
    private static List<Object> together(int n, Writer write) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Object>> runs = new ArrayList<>();
            for (int w = 0; w < n; w++) {
                int writer = w;
                Callable<Object> c = () -> {
                    go.await();
                    try {
                        return write.write(writer);
                    } catch (RuntimeException e) {
                        return e;
                    }
                };
                runs.add(pool.submit(c));
            }
            go.countDown();
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : runs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
