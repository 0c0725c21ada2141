package dev.ingot.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaterializeSmokeTest {
    @Test
    void windowsMatchADirectAggregation(@TempDir Path dir) throws Exception {
        SparkSession spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS smoke");
        spark.sql("""
                SELECT CAST(id % 7 AS BIGINT) AS customer_id,
                       timestamp_seconds(1767225600 + (id * 7919) % (10 * 86400)) AS ts,
                       CAST((id * 31) % 1000 AS DOUBLE) / 10 AS amount,
                       CAST(id % 5 AS BIGINT) AS merchant_id
                FROM range(2000)""").write().format("delta").mode("overwrite").saveAsTable("smoke.events");
        Files.writeString(dir.resolve("ingot.yaml"), "name: smoke\nwarehouse: " + TestSpark.warehouse() + "\n");
        Files.createDirectories(dir.resolve("sources"));
        Files.createDirectories(dir.resolve("feature_views"));
        Files.writeString(dir.resolve("sources/events.yaml"), "table: smoke.events\nevent_time: ts\n");
        Files.writeString(dir.resolve("feature_views/spend.yaml"), """
                source: events
                entities: [customer_id]
                cadence: 1d
                aggregations:
                  - {name: n, function: count, windows: [1d, 3d]}
                  - {name: amt_sum, function: sum, column: amount, windows: [1d, 3d]}
                  - {name: amt_avg, function: avg, column: amount, windows: [3d]}
                  - {name: amt_min, function: min, column: amount, windows: [3d]}
                  - {name: amt_max, function: max, column: amount, windows: [3d]}
                  - {name: amt_sd, function: stddev, column: amount, windows: [3d]}
                  - {name: merchants, function: approx_count_distinct, column: merchant_id, windows: [3d]}
                  - {name: last_amt, function: last, column: amount, windows: [3d]}
                """);
        Project p = ProjectLoader.load(dir);
        FeatureStore store = FeatureStore.of(spark, p);
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        Instant to = Instant.parse("2026-01-11T00:00:00Z");
        spark.sparkContext().setJobDescription("the caller's own jobs");
        MaterializeResult r = store.materialize("spend", from, to);
        assertThat(spark.sparkContext().getLocalProperty("spark.job.description"))
                .as("the run's name labelled its own jobs only").isEqualTo("the caller's own jobs");
        spark.sparkContext().setJobDescription(null);
        assertThat(r.table().toString()).isEqualTo("features.spend_v1");
        Dataset<Row> got = store.read("spend");
        Dataset<Row> expected = spark.sql("""
                WITH ticks AS (SELECT explode(sequence(TIMESTAMP'2026-01-02 00:00:00', TIMESTAMP'2026-01-11 00:00:00', INTERVAL 1 DAY)) AS feature_time),
                     e AS (SELECT * FROM smoke.events)
                SELECT e.customer_id, t.feature_time,
                  count_if(e.ts >= t.feature_time - INTERVAL 1 DAY) AS n_1d,
                  count(*) AS n_3d,
                  sum(CASE WHEN e.ts >= t.feature_time - INTERVAL 1 DAY THEN amount END) AS amt_sum_1d,
                  sum(amount) AS amt_sum_3d, avg(amount) AS amt_avg_3d, min(amount) AS amt_min_3d, max(amount) AS amt_max_3d,
                  stddev(amount) AS amt_sd_3d, count(DISTINCT merchant_id) AS merchants_3d,
                  max_by(amount, struct(ts, amount)) AS last_amt_3d
                FROM ticks t JOIN e ON e.ts >= t.feature_time - INTERVAL 3 DAY AND e.ts < t.feature_time
                GROUP BY e.customer_id, t.feature_time""");
        assertThat(got.count()).isEqualTo(expected.count());
        List<Row> diff = got.selectExpr("customer_id", "feature_time", "n_1d", "n_3d", "round(amt_sum_1d, 6)", "round(amt_sum_3d, 6)",
                        "round(amt_avg_3d, 6)", "amt_min_3d", "amt_max_3d", "round(amt_sd_3d, 6)", "merchants_3d", "last_amt_3d")
                .exceptAll(expected.selectExpr("customer_id", "feature_time", "n_1d", "n_3d", "round(amt_sum_1d, 6)", "round(amt_sum_3d, 6)",
                        "round(amt_avg_3d, 6)", "amt_min_3d", "amt_max_3d", "round(amt_sd_3d, 6)", "merchants_3d", "last_amt_3d"))
                .collectAsList();
        assertThat(diff).isEmpty();
    }
}
