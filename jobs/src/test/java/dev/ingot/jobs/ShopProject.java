package dev.ingot.jobs;

import dev.ingot.core.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** The small shop project of the command-line tests: an orders table, a suite on it and a gated feature view. */
final class ShopProject {
    private ShopProject() {}

    /**
     * A fresh orders table (200 orders, one an hour from 2026-01-01, amounts 0.5 to 49.5) and a project over it: a
     * source, a suite on the table (unique order ids, no negative amount, a size warning) and a gated feature view.
     */
    static Path write(SparkSession spark, Path dir, String table) throws IOException {
        return write(spark, dir, table, "cli_spend");
    }

    /** The same, with the feature view (and its suite, {@code checks/<view>.yaml}) named {@code view}. */
    static Path write(SparkSession spark, Path dir, String table, String view) throws IOException {
        spark.sql("SELECT id AS order_id, CAST(id % 7 AS BIGINT) AS customer_id, "
                        + "timestamp_seconds(1767225600 + id * 3600) AS ts, CAST(id % 50 AS DOUBLE) + 0.5 AS amount FROM range(200)")
                .write().format("delta").mode("overwrite").saveAsTable(table);
        Path project = dir.resolve("shop");
        write(project, "ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n");
        write(project, "sources/orders.yaml", "table: " + table + "\nevent_time: ts\n");
        write(project, "checks/orders.yaml", """
                table: %s
                checks:
                  - kind: uniqueness
                    columns: [order_id]
                    description: One row per order.
                  - kind: min
                    column: amount
                    min: 0
                    description: No negative amounts.
                  - kind: size
                    max: 1000
                    severity: warning
                    description: The table stays small.
                """.formatted(table));
        write(project, "feature_views/" + view + ".yaml", """
                source: orders
                entities: [customer_id]
                aggregations:
                  - {name: spend, function: sum, column: amount, windows: [1d]}
                checks: [%s]
                """.formatted(view));
        write(project, "checks/" + view + ".yaml", """
                checks:
                  - kind: max
                    column: spend_1d
                    max: 400
                    description: Nobody spends more than 400 a day.
                """);
        return project;
    }

    static void write(Path project, String file, String text) throws IOException {
        Path p = project.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
