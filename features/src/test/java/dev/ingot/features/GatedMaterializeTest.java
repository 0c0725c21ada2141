package dev.ingot.features;

import static dev.ingot.features.TestProject.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.Catalog;
import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableName;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-audit-publish inside {@code features materialize}: a view naming {@code checks} publishes its new rows only
 * when no error-level check fails; otherwise its table keeps its Delta version and the candidate rows stay in
 * {@code <table>__staging}. Warnings are recorded and published; a {@code quarantine} suite moves the failing rows
 * to {@code quality.<table>__quarantine} and publishes the rest. The gate is the real one (ingot-validation, found
 * through {@code PublishGate.discover}).
 */
class GatedMaterializeTest {
    private static final String DB = "mgate";
    private static final TableName SPEND = new TableName("features", "mgate_spend_v1");
    private static final TableName ROWS = new TableName("features", "mgate_rows_v1");

    private static SparkSession spark;
    private static TestProject project;

    @BeforeAll
    static void data(@TempDir Path dir) {
        spark = TestProject.sparkWithDatabase(DB);
        // Days 0..3: 10 customers, amounts 1..40, all positive. Day 4 holds one refund of -500 for customer 3.
        spark.sql("""
                SELECT CAST(id % 10 AS BIGINT) AS customer_id,
                       timestamp_seconds(1767225600 + (id DIV 10 % 4) * 86400 + id * 60) AS ts,
                       CAST(id % 40 + 1 AS DOUBLE) AS amount
                FROM range(400)
                UNION ALL SELECT 3L, TIMESTAMP'2026-01-05 12:00:00', -500.0""")
                .write().format("delta").mode("overwrite").saveAsTable(DB + ".events");
        project = new TestProject(dir).source("mgate_events", DB + ".events", "ts")
                .view("mgate_spend", """
                        source: mgate_events
                        entities: [customer_id]
                        aggregations:
                          - {name: spend, function: sum, column: amount, windows: [1d]}
                        checks: [mgate_spend]
                        """)
                .write("checks/mgate_spend.yaml", """
                        policy: strict
                        checks:
                          - kind: min
                            column: spend_1d
                            min: 0
                            description: Daily spend is never negative.
                          - kind: mean
                            column: spend_1d
                            max: 100
                            severity: warning
                            description: An average day stays under 100.
                        """)
                .view("mgate_rows", """
                        source: mgate_events
                        entities: [customer_id]
                        transformations:
                          - name: amount_cents
                            expr: CAST(amount * 100 AS BIGINT)
                        checks: [mgate_rows]
                        """)
                .write("checks/mgate_rows.yaml", """
                        policy: quarantine
                        checks:
                          - kind: min
                            column: amount_cents
                            min: 0
                            description: Refunds are not spending.
                        """);
    }

    @Test
    void goodRowsArePublishedWithWarningsRecordedAndTheStagingTableDropped() {
        MaterializeResult r = project.store().materialize("mgate_spend", day(0), day(4));
        assertThat(r.rowsWritten()).isEqualTo(40); // 10 customers x ticks Jan 2..Jan 5
        assertThat(r.gate()).isPresent();
        MaterializeResult.GateSummary g = r.gate().get();
        assertThat(g.suites()).containsExactly("mgate_spend");
        assertThat(g.quarantinedRows()).isZero();
        // Each customer spends about 10 x 20.5 = 205 a day: the warning-level mean check fails, the rows are published.
        assertThat(g.warnings()).singleElement().asString().contains("checks/mgate_spend.yaml checks[1]");
        assertThat(spark.table(SPEND.sql()).count()).isEqualTo(40);
        assertThat(Catalog.tableExists(spark, new TableName("features", "mgate_spend_v1__staging"))).isFalse();
        List<Row> results = spark.sql("SELECT check_index, status FROM quality.results WHERE `table` = '" + SPEND
                + "' ORDER BY time DESC, check_index LIMIT 2").collectAsList();
        assertThat(results).extracting(x -> x.getInt(0) + ":" + x.getString(1)).containsExactly("0:passed", "1:failed");
    }

    @Test
    void aFailingErrorCheckPublishesNothingAndKeepsTheCandidateInStaging() {
        project.store().materialize("mgate_spend", day(0), day(3));
        long before = version(SPEND);
        long rowsBefore = spark.table(SPEND.sql()).count();

        IngotException e = catchThrowableOfType(
                () -> project.store().materialize("mgate_spend", day(3), day(5)), IngotException.class);

        assertThat(e.exitCode()).isEqualTo(ExitCode.GATE_FAILED);
        assertThat(e.getMessage()).contains("Quality gate of features.mgate_spend_v1 failed")
                .contains("checks/mgate_spend.yaml checks[0]").contains("-500")
                .contains("Delta version is unchanged").contains("SELECT * FROM features.mgate_spend_v1__staging");
        assertThat(version(SPEND)).as("the feature table made no commit").isEqualTo(before);
        assertThat(spark.table(SPEND.sql()).count()).isEqualTo(rowsBefore);
        // The candidate of [Jan 4, Jan 6): ticks Jan 5 (10 customers) and Jan 6 (customer 3's refund only).
        Row staged = spark.sql("SELECT count(*), min(spend_1d) FROM features.mgate_spend_v1__staging").first();
        assertThat(staged.getLong(0)).isEqualTo(11);
        assertThat(staged.getDouble(1)).isEqualTo(-500.0);
    }

    @Test
    void aQuarantineSuiteMovesTheFailingRowsAndPublishesTheRest() {
        MaterializeResult r = project.store().materialize("mgate_rows", day(0), day(5));
        assertThat(r.gate().orElseThrow().quarantinedRows()).isEqualTo(1);
        assertThat(spark.table(ROWS.sql()).count()).isEqualTo(400);
        assertThat(spark.table(ROWS.sql()).where("amount_cents < 0").count()).isZero();
        List<Row> q = spark.sql("SELECT customer_id, amount_cents, failed_checks FROM quality.mgate_rows_v1__quarantine")
                .collectAsList();
        assertThat(q).singleElement().satisfies(row -> {
            assertThat(row.getLong(0)).isEqualTo(3);
            assertThat(row.getLong(1)).isEqualTo(-50000);
            assertThat(row.getList(2)).containsExactly("mgate_rows#0");
        });
    }

    private static long version(TableName t) {
        return spark.sql("DESCRIBE HISTORY " + t.sql() + " LIMIT 1").first().getLong(0);
    }
}
