package dev.ingot.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reference test: a map from key to row, changed by the same random inserts, upserts, updates and deletes, decides
 * what the table must hold after each {@link SmallDeltaWrites} call, as Spark reads it (and as Delta Kernel does); on a
 * table with Delta's defaults and one with deletion vectors that Spark's own DELETE wrote (whose files a rewrite must
 * remove with their vectors). Racing writers of one key leave one row. The seed is printed on failure.
 */
class SmallDeltaWritesTest {
    private static final StructType SCHEMA = new StructType()
            .add("name", DataTypes.StringType, false)
            .add("version", DataTypes.LongType, false)
            .add("value", DataTypes.StringType, true)
            .add("at", DataTypes.TimestampType, false);
    private static final Function<Row, Object> KEY = r -> List.of(r.get(0), r.get(1));

    @TempDir
    static Path tmp;

    @ParameterizedTest(name = "deletion vectors: {0}")
    @ValueSource(booleans = {false, true})
    void everyWriteLeavesWhatTheReferenceHolds(boolean deletionVectors) {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        SparkSession spark = TestSpark.session();
        String path = tmp.resolve("t" + deletionVectors + Math.abs(seed % 1000)).toUri().toString();
        spark.sql("CREATE TABLE delta.`" + path + "` (name STRING NOT NULL, version BIGINT NOT NULL, value STRING, "
                + "at TIMESTAMP NOT NULL) USING delta" + (deletionVectors
                ? " TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')" : ""));
        SmallDeltaTables tables = SmallDeltaTables.of(spark.sparkContext().hadoopConfiguration());
        SmallDeltaWrites writes = SmallDeltaWrites.of(spark, tables);
        Map<Object, Row> want = new LinkedHashMap<>();
        List<String> done = new ArrayList<>();
        for (int step = 0; step < 12; step++) {
            int op = step < 3 ? 0 : random.nextInt(deletionVectors ? 5 : 4);
            if (step == 0) {
                want.put(List.of("m0", 1L), row("m0", 1, random));
                want.put(List.of("m1", 2L), row("m1", 2, random));
                writes.insertAbsent(path, SCHEMA, new ArrayList<>(want.values()), KEY);
                done.add("insertAbsent 2");
            }
            String model = "m" + random.nextInt(3);
            long deleted = 1;
            if (deletionVectors && step == 4) {
                op = 2; // a rewrite: every row in one file
            } else if (deletionVectors && step == 5) {
                op = 4; // Spark's DELETE of one row of that file (the inserts made two keys at least): a vector
                model = want.values().iterator().next().getString(0);
                deleted = want.values().iterator().next().getLong(1);
            } else if (deletionVectors && step == 6) {
                assertThat(spark.read().json(path + "/_delta_log/*.json").where("add.deletionVector IS NOT NULL")
                        .count()).as("a file with a deletion vector, to be rewritten next (seed %d)", seed).isPositive();
                op = 1; // rewritten: the file with the vector is removed with it
            }
            String m = model;
            long v = deleted;
            switch (op) {
                case 0 -> {
                    List<Row> rows = new ArrayList<>();
                    for (int i = 0; i < 1 + random.nextInt(3); i++) {
                        rows.add(row(model, 1 + random.nextInt(4), random));
                    }
                    long expected = 0;
                    for (Row r : rows) {
                        if (!want.containsKey(KEY.apply(r))) {
                            want.put(KEY.apply(r), r);
                            expected++;
                        }
                    }
                    assertThat(writes.insertAbsent(path, SCHEMA, rows, KEY)).as("inserted (seed %d)", seed)
                            .isEqualTo(expected);
                    done.add("insertAbsent " + rows.size());
                }
                case 1 -> {
                    List<Row> rows = List.of(row(model, 1 + random.nextInt(4), random));
                    rows.forEach(r -> want.put(KEY.apply(r), r));
                    writes.upsert(path, rows, KEY);
                    done.add("upsert");
                }
                case 2 -> {
                    String value = "u" + step;
                    long expected = 0;
                    for (Map.Entry<Object, Row> e : want.entrySet()) {
                        if (e.getValue().get(0).equals(m)) {
                            Row r = e.getValue();
                            e.setValue(RowFactory.create(r.get(0), r.get(1), value, r.get(3)));
                            expected++;
                        }
                    }
                    assertThat(writes.update(path, r -> r.get(0).equals(m),
                            r -> RowFactory.create(r.get(0), r.get(1), value, r.get(3))))
                            .as("updated (seed %d)", seed).isEqualTo(expected);
                    done.add("update");
                }
                case 3 -> {
                    long version = 1 + random.nextInt(4);
                    long expected = want.values().stream()
                            .filter(r -> r.get(0).equals(m) && r.getLong(1) == version).count();
                    want.values().removeIf(r -> r.get(0).equals(m) && r.getLong(1) == version);
                    assertThat(writes.delete(path, r -> r.get(0).equals(m) && r.getLong(1) == version))
                            .as("deleted (seed %d)", seed).isEqualTo(expected);
                    done.add("delete");
                }
                default -> {
                    // Spark's own DELETE: with deletion vectors, a vector on the file (when the file keeps rows).
                    want.values().removeIf(r -> r.get(0).equals(m) && r.getLong(1) == v);
                    spark.sql("DELETE FROM delta.`" + path + "` WHERE name = '" + m + "' AND version = " + v);
                    done.add("spark delete");
                }
            }
            List<String> expected = SmallDeltaTablesTest.text(new ArrayList<>(want.values()));
            assertThat(SmallDeltaTablesTest.text(spark.read().format("delta").load(path).collectAsList()))
                    .as("Spark's read after %s (seed %d)", done, seed).isEqualTo(expected);
            assertThat(SmallDeltaTablesTest.text(tables.rows(path))).as("Kernel's read after %s (seed %d)", done, seed)
                    .isEqualTo(expected);
        }
        assertThat(spark.sql("DESCRIBE HISTORY delta.`" + path + "`").where("operation <> 'WRITE' AND operation <> "
                + "'DELETE' AND operation <> 'CREATE TABLE'").count()).as("seed %d", seed).isZero();
    }

    @Test
    void writersRacingOnOneKeyLeaveOneRowAndEveryOtherKeyOnce() throws Exception {
        SparkSession spark = TestSpark.session();
        String path = tmp.resolve("race").toUri().toString();
        spark.sql("CREATE TABLE delta.`" + path + "` (name STRING NOT NULL, version BIGINT NOT NULL, value STRING, "
                + "at TIMESTAMP NOT NULL) USING delta");
        SmallDeltaWrites writes = SmallDeltaWrites.of(spark,
                SmallDeltaTables.of(spark.sparkContext().hadoopConfiguration()));
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong inserted = new AtomicLong();
        List<Future<?>> done = new ArrayList<>();
        Random random = new Random(1);
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Row shared = row("m", 1, random);
            Row own = row("own" + writer, 1, random);
            done.add(pool.submit(() -> {
                go.await();
                // Each writer's rows go in whatever the others commit first: retried on a conflict.
                inserted.addAndGet(DeltaConflicts.retry("race", () ->
                        writes.insertAbsent(path, SCHEMA, List.of(shared, own), KEY)));
                DeltaConflicts.retry("race", () -> writes.update(path, r -> r.get(0).equals("m"),
                        r -> RowFactory.create(r.get(0), r.get(1), "w" + writer, r.get(3))));
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        List<Row> rows = spark.read().format("delta").load(path).collectAsList();
        assertThat(rows).hasSize(writers + 1);
        assertThat(inserted.get()).isEqualTo(writers + 1);
        assertThat(rows.stream().filter(r -> r.getString(0).equals("m")).map(r -> r.getString(2)))
                .singleElement().asString().startsWith("w");
    }

    private static Row row(String model, long version, Random random) {
        return RowFactory.create(model, version, random.nextInt(4) == 0 ? null : "v" + random.nextInt(100),
                new Timestamp(1_700_000_000_000L + random.nextInt(1_000_000)));
    }
}
