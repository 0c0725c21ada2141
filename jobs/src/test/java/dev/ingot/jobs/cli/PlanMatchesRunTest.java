package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.Tables;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.jobs.IngotMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code plan} says {@code features materialize} writes is what a real run writes: no more, no less. */
class PlanMatchesRunTest {

    @Test
    void planListsExactlyTheTablesAMaterializeRunWrites(@TempDir Path dir) {
        SparkSession spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS planrun");
        // 7 customers, one order an hour for 2 days; customer 3 spends 900 on day 1, which the max check quarantines.
        spark.sql("SELECT id AS order_id, CAST(id % 7 AS BIGINT) AS customer_id, timestamp_seconds(1767225600 + id * 3600) AS ts, "
                        + "CASE WHEN id = 3 THEN 900.0 ELSE 1.0 END AS amount FROM range(48)")
                .write().format("delta").mode("overwrite").saveAsTable("planrun.orders");
        Path project = new ProjectFiles(dir.resolve("shop"))
                .write("ingot.yaml", "name: shop\nwarehouse: " + TestSpark.warehouse() + "\n")
                .write("sources/plan_orders.yaml", "table: planrun.orders\nevent_time: ts\n")
                .spendView("plan_spend", "plan_orders", "checks: [plan_spend_checks]\n")
                .write("checks/plan_spend_checks.yml", """
                policy: quarantine
                checks:
                  - {kind: max, column: spend_1d, max: 100, description: Nobody spends more than 100 a day.}
                """).dir();
        ProjectPlan.Stage stage = ProjectPlan.of(ProjectLoader.load(project)).stages().stream()
                .filter(s -> s.command().equals("features materialize --view plan_spend")).findFirst().orElseThrow();

        Map<String, Long> before = versions(spark);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = IngotMain.run(new PrintWriter(out, true), new PrintWriter(err, true), "features", "materialize",
                "--project", project.toString(), "--from", "2026-01-01", "--to", "2026-01-03",
                "--reports", dir.resolve("reports").toString());
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("features.plan_spend_v1:").contains("rows quarantined");
        Map<String, Long> after = versions(spark);
        Set<String> written = new TreeSet<>();
        after.forEach((t, v) -> {
            if (!v.equals(before.get(t))) {
                written.add(t);
            }
        });

        Set<String> always = new TreeSet<>(stage.writes().stream().map(t -> Tables.Patterns.atVersion(t, 1)).toList());
        Set<String> sometimes = new TreeSet<>(stage.mayWrite().keySet().stream().map(t -> Tables.Patterns.atVersion(t, 1)).toList());
        assertThat(written).as("every table the plan says each run writes was written").containsAll(always);
        Set<String> unplanned = new TreeSet<>(written);
        unplanned.removeAll(always);
        unplanned.removeAll(sometimes);
        assertThat(unplanned).as("nothing was written that the plan does not list").isEmpty();
        assertThat(written).as("this run quarantined rows and registered a new definition")
                .contains("quality.plan_spend_v1__quarantine", "ingot.feature_views", "features.plan_spend_v1__tiles");
        assertThat(spark.catalog().tableExists("features", "plan_spend_v1__staging"))
                .as("the staging table is dropped once the gate let the rows through").isFalse();
    }

    /** The latest Delta version of every table in Ingot's databases. */
    private static Map<String, Long> versions(SparkSession spark) {
        Map<String, Long> out = new HashMap<>();
        for (Tables.Database db : Tables.DATABASES) {
            if (!spark.catalog().databaseExists(db.name())) {
                continue;
            }
            for (Row t : spark.sql("SHOW TABLES IN `" + db.name() + "`").collectAsList()) {
                // Temporary views of other test classes in this JVM are listed too (RetailDemoDataTest's "labelled"
                // came back as features.labelled): only the database's own tables count.
                if (t.getBoolean(2) || !db.name().equals(t.getString(0))
                        || !spark.catalog().tableExists(db.name(), t.getString(1))) {
                    continue;
                }
                String name = db.name() + "." + t.getString(1);
                out.put(name, spark.sql("DESCRIBE HISTORY " + name + " LIMIT 1").first().getLong(0));
            }
        }
        return out;
    }
}
