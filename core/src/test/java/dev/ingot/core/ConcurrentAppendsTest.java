package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many runs appending to one record table that does not exist yet ({@code ingot.job_runs}, {@code ingot.score_runs},
 * {@code ingot.lineage} are written this way: {@link Catalog#appendRows}, {@link Catalog#appendDelta}): four writers,
 * each on its own thread of the shared session, started together. Every writer succeeds and every row is there once;
 * the table was created once, with its comment.
 */
class ConcurrentAppendsTest {
    private static final int WRITERS = 4;
    private static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false, "The writer")
            .add("n", DataTypes.IntegerType, false, "Its row")
            .add("at", DataTypes.TimestampType, false, "When");
    private static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
    }

    @Test
    void appendRowsToANewTableFromFourWritersKeepsEveryRow() throws Exception {
        TableName table = new TableName("conc_records", "job_runs");
        together(w -> Catalog.appendRows(spark, table, SCHEMA, rows(w), TableDoc.of("records of a test")));
        assertEveryRowOnce(table);
        assertThat(spark.sql("DESCRIBE HISTORY " + table.sql()).where("operation LIKE 'CREATE%'").count())
                .as("created by one commit").isEqualTo(1);
    }

    @Test
    void appendDeltaToANewTableFromFourWritersKeepsEveryRow() throws Exception {
        TableName table = new TableName("conc_records", "training_sets");
        together(w -> Catalog.appendDelta(spark.createDataFrame(rows(w), SCHEMA), table, TableDoc.of("records"),
                Map.of()));
        assertEveryRowOnce(table);
    }

    private static List<Row> rows(int writer) {
        return List.of(RowFactory.create("w" + writer, 0, Timestamp.from(Instant.now())),
                RowFactory.create("w" + writer, 1, Timestamp.from(Instant.now())));
    }

    private static void assertEveryRowOnce(TableName table) {
        List<String> got = spark.table(table.sql()).selectExpr("concat(run_id, '/', n)").orderBy("run_id", "n")
                .collectAsList().stream().map(r -> r.getString(0)).toList();
        List<String> expected = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            expected.add("w" + w + "/0");
            expected.add("w" + w + "/1");
        }
        assertThat(got).as("every writer's rows, each once").containsExactlyElementsOf(expected);
    }

    /** Runs {@code write} for writers 0..3, each on its own thread, started together; fails on any writer's error. */
    static void together(IntConsumer write) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                runs.add(pool.submit(() -> {
                    go.await();
                    write.accept(writer);
                    return null;
                }));
            }
            go.countDown();
            List<Throwable> failed = new ArrayList<>();
            for (Future<?> f : runs) {
                try {
                    f.get(3, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException e) {
                    failed.add(e.getCause());
                }
            }
            assertThat(failed).as("writers that failed").isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
