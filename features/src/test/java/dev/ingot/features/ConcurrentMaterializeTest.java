package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two materializations of one feature view at the same time, each on its own thread of the shared session, started
 * together: disjoint date ranges of a view never materialized before both succeed and the table holds exactly both
 * ranges; the same range twice on an existing table ends with the rows of one run, no duplicates, and a run that
 * loses is a clear failure (exit 3) that committed nothing to the feature table. The expected rows come from a brute-force
 * aggregation of the raw events.
 */
class ConcurrentMaterializeTest {
    private static final String DB = "cmat";
    private static final String VIEW = """
            source: cmat_events
            entities: [customer_id]
            aggregations:
              - {name: n, function: count, windows: [1d, 2d]}
              - {name: amt_sum, function: sum, column: amount, windows: [2d]}
            """;
    private static SparkSession spark;
    private static TestProject project;

    @BeforeAll
    static void data(@TempDir Path dir) {
        spark = TestProject.sparkWithDatabase(DB);
        spark.sql("""
                SELECT CAST(id % 5 AS BIGINT) AS customer_id,
                       timestamp_seconds(1767225600 + (id * 7919) % (8 * 86400)) AS ts,
                       CAST((id * 31) % 1000 AS DOUBLE) / 10 AS amount
                FROM range(400)""").write().format("delta").mode("overwrite").saveAsTable(DB + ".events");
        project = new TestProject(dir).source("cmat_events", DB + ".events", "ts")
                .view("cmat_disjoint", VIEW).view("cmat_same", VIEW);
    }

    @Test
    void disjointRangesOfANewViewBothLand() throws Exception {
        List<Object> outcomes = together(List.of(day(0), day(4)), List.of(day(4), day(8)), "cmat_disjoint");
        assertThat(outcomes).as("both disjoint first materializations succeed").allMatch(o -> o instanceof MaterializeResult);
        assertExactly("cmat_disjoint", day(0), day(8));
    }

    @Test
    void theSameRangeTwiceEndsWithOneRunsRowsAndNoDuplicates() throws Exception {
        project.store().materialize("cmat_same", day(0), day(2));
        long before = project.store().history("cmat_same").size();
        List<Object> outcomes = together(List.of(day(2), day(2)), List.of(day(7), day(7)), "cmat_same");
        long won = outcomes.stream().filter(o -> o instanceof MaterializeResult).count();
        assertThat(won).as("at least one of two runs of one range succeeds: " + outcomes).isGreaterThanOrEqualTo(1);
        for (Object o : outcomes) {
            if (o instanceof Throwable t) {
                assertThat(t).as("a run that lost is a clear failure (exit 3), not a raw Delta exception")
                        .isInstanceOf(IngotException.class);
                assertThat(((IngotException) t).exitCode()).isEqualTo(ExitCode.FAILURE);
                assertThat(t.getMessage()).contains("at the same time").contains("nothing was committed");
            }
        }
        assertThat(project.store().history("cmat_same").size()).as("one feature-table commit per successful run")
                .isEqualTo(before + won);
        assertExactly("cmat_same", day(0), day(7));
    }

    /** Starts one materialization of {@code view} per range at the same time; each its result or its exception. */
    private static List<Object> together(List<Instant> froms, List<Instant> tos, String view) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(froms.size());
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Object>> runs = new ArrayList<>();
            for (int i = 0; i < froms.size(); i++) {
                Instant from = froms.get(i);
                Instant to = tos.get(i);
                FeatureStore store = project.store();
                runs.add(pool.submit(() -> {
                    go.await();
                    try {
                        return store.materialize(view, from, to);
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            go.countDown();
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : runs) {
                out.add(f.get(5, TimeUnit.MINUTES));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The view's table holds exactly the brute-force rows of ticks (from, to]: none missing, none twice. */
    private static void assertExactly(String view, Instant from, Instant to) {
        Dataset<Row> got = project.store().read(view).selectExpr("customer_id", "feature_time", "n_1d", "n_2d",
                "round(amt_sum_2d, 6)");
        Dataset<Row> expected = spark.sql("""
                WITH ticks AS (SELECT explode(sequence(timestamp_seconds(%d), timestamp_seconds(%d), INTERVAL 1 DAY))
                               AS feature_time)
                SELECT e.customer_id, t.feature_time,
                  count_if(e.ts >= t.feature_time - INTERVAL 1 DAY) AS n_1d, count(*) AS n_2d,
                  round(sum(amount), 6) AS amt_sum_2d
                FROM ticks t JOIN %s.events e ON e.ts >= t.feature_time - INTERVAL 2 DAY AND e.ts < t.feature_time
                GROUP BY e.customer_id, t.feature_time""".formatted(from.getEpochSecond() + 86400,
                to.getEpochSecond(), DB));
        assertThat(got.count()).as("rows of " + view).isEqualTo(expected.count());
        assertThat(TestProject.differences(got, expected)).as("rows of " + view + " against the brute force")
                .containsExactly(List.of(), List.of());
    }
}
