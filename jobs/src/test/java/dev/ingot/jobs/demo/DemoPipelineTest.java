package dev.ingot.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import dev.ingot.jobs.IngotMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, small: {@code demo --rows 20000 --days 60} end to end in the test JVM's session. The broken rows
 * are quarantined at load, the feature views pass their gate, the reports are written, the training set exists.
 */
class DemoPipelineTest {
    private static SparkSession spark;
    private static int code;
    private static String out;
    private static String err;

    @BeforeAll
    static void runDemo() {
        spark = TestSpark.session();
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        code = IngotMain.run(new PrintWriter(o, true), new PrintWriter(e, true),
                "demo", "--rows", "20000", "--days", "60", "--warehouse", TestSpark.warehouse().toString(), "--gpu", "off");
        out = o.toString();
        err = e.toString();
    }

    @Test
    void itSucceedsAndSaysWhatItDid() {
        assertThat(code).as(out + err).isZero();
        assertThat(out).contains("[4/4] Point-in-time training set ml.fraud_training_set: done")
                .contains("broken rows quarantined in quality.transactions__quarantine")
                .contains("quality gate [customer_spend]: published").contains("Quality reports: ");
    }

    @Test
    void exactlyTheBrokenRowsAreQuarantinedAndTheRestPublished() {
        long quarantined = spark.table("quality.transactions__quarantine").count();
        assertThat(quarantined).isBetween(1L, 12L);
        assertThat(spark.table("quality.transactions__quarantine").where(RetailDemoData.BROKEN_PREDICATE).count())
                .isEqualTo(quarantined);
        assertThat(spark.table("raw.transactions").where(RetailDemoData.BROKEN_PREDICATE).count()).isZero();
        assertThat(spark.table("raw.transactions").count() + quarantined).isEqualTo(20000);
        assertThat(out).contains(String.format("%,d broken rows quarantined", quarantined));
    }

    @Test
    void featureTablesWereCheckedAndTheReportsWritten() throws IOException {
        assertThat(spark.sql("SELECT DISTINCT suite FROM quality.results WHERE `table` = 'features.customer_spend_v1'")
                .collectAsList()).extracting(r -> r.getString(0)).containsExactly("customer_spend");
        Path dir = TestSpark.warehouse().resolve("_reports");
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("raw_transactions-") && n.endsWith(".html"))
                    .anyMatch(n -> n.startsWith("features_customer_spend_v1-"));
        }
        assertThat(spark.table("ml.fraud_training_set").count()).isPositive();
    }
}
