package dev.ingot.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reference test: Spark's own Delta read decides what {@link SmallDeltaTables} must return, on random tables that
 * Spark wrote through appends, UPDATEs, DELETEs, MERGEs and an added column, past a checkpoint (more than 10 commits),
 * with nulls in every type the reader converts; once with Delta's defaults and once with deletion vectors and column
 * mapping (a renamed column), which Kernel must apply as Spark does. The seed is printed on failure.
 */
class SmallDeltaTablesTest {
    @TempDir
    static Path tmp;

    @ParameterizedTest(name = "deletion vectors and column mapping: {0}")
    @ValueSource(booleans = {false, true})
    void everyRowAsSparkReadsItAfterAppendsUpdatesDeletesMergesAndAnAddedColumn(boolean dvAndMapping) {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        SparkSession spark = TestSpark.session();
        String path = tmp.resolve("t" + dvAndMapping + Math.abs(seed % 1000)).toUri().toString();
        String t = "delta.`" + path + "`";
        spark.sql("CREATE TABLE " + t + " (id BIGINT, name STRING, n INT, x DOUBLE, ok BOOLEAN, at TIMESTAMP, "
                + "day DATE) USING delta" + (dvAndMapping ? " TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', "
                + "'delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '3', 'delta.minWriterVersion' = '7')"
                : ""));
        long nextId = 0;
        for (int commit = 0; commit < 12; commit++) { // a checkpoint at version 10
            int op = commit < 3 ? 0 : random.nextInt(4);
            if (commit == 5) {
                spark.sql("ALTER TABLE " + t + " ADD COLUMNS (extra STRING)");
                continue;
            }
            if (commit == 7 && dvAndMapping) {
                spark.sql("ALTER TABLE " + t + " RENAME COLUMN name TO label");
                continue;
            }
            String nameColumn = dvAndMapping && commit > 7 ? "label" : "name";
            switch (op) {
                case 0 -> {
                    List<String> values = new ArrayList<>();
                    for (int i = 0; i < 1 + random.nextInt(6); i++) {
                        values.add(row(nextId++, random, commit > 5));
                    }
                    spark.sql("INSERT INTO " + t + " VALUES " + String.join(", ", values));
                }
                case 1 -> spark.sql("UPDATE " + t + " SET x = x + 1, " + nameColumn + " = 'u" + commit + "' WHERE id % "
                        + (2 + random.nextInt(3)) + " = 0");
                case 2 -> spark.sql("DELETE FROM " + t + " WHERE id % " + (3 + random.nextInt(4)) + " = 1");
                default -> {
                    String columns = "id, " + nameColumn + ", n, x, ok, at, day" + (commit > 5 ? ", extra" : "");
                    spark.sql("SELECT * FROM VALUES " + row(random.nextInt((int) nextId + 1), random, commit > 5)
                            + ", " + row(nextId++, random, commit > 5) + " AS s(" + columns + ")")
                            .createOrReplaceTempView("small_delta_source");
                    spark.sql("MERGE INTO " + t + " t USING small_delta_source s ON t.id = s.id "
                            + "WHEN MATCHED THEN UPDATE SET t.n = s.n WHEN NOT MATCHED THEN INSERT *");
                }
            }
        }
        // Four rows in one file, one of them deleted: with deletion vectors, a vector on that file (not a rewrite).
        String columns = "id, " + (dvAndMapping ? "label" : "name") + ", n, x, ok, at, day, extra";
        long first = nextId;
        spark.sql("INSERT INTO " + t + " SELECT /*+ COALESCE(1) */ * FROM VALUES " + row(nextId++, random, true) + ", "
                + row(nextId++, random, true) + ", " + row(nextId++, random, true) + ", " + row(nextId++, random, true)
                + " AS s(" + columns + ")");
        spark.sql("DELETE FROM " + t + " WHERE id = " + (first + 1));
        List<String> want = text(spark.read().format("delta").load(path).collectAsList());
        List<String> got = text(SmallDeltaTables.of(spark.sparkContext().hadoopConfiguration()).rows(path));
        assertThat(got).as("rows of %s (seed %d)", path, seed).isEqualTo(want);
        if (dvAndMapping) {
            assertThat(spark.read().json(path + "/_delta_log/*.json").where("add.deletionVector IS NOT NULL").count())
                    .as("files with deletion vectors, so that the reader's use of them is tested (seed %d)", seed)
                    .isPositive();
        }
        assertThat(spark.read().format("delta").load(path).columns()).as("seed %d", seed)
                .hasSize(8).contains(dvAndMapping ? "label" : "name");
    }

    @Test
    void aColumnOfATypeItDoesNotConvertIsNamedInTheError() {
        SparkSession spark = TestSpark.session();
        String path = tmp.resolve("decimal").toUri().toString();
        spark.sql("SELECT CAST(1.5 AS DECIMAL(10, 2)) AS price").write().format("delta").save(path);
        assertThatThrownBy(() -> SmallDeltaTables.of(spark.sparkContext().hadoopConfiguration()).rows(path))
                .hasMessageContaining("column price").hasMessageContaining("Decimal");
    }

    /** One row of VALUES, each column null one time in five; with the added column when it exists. */
    private static String row(long id, Random random, boolean extra) {
        List<String> v = new ArrayList<>(List.of(Long.toString(id)));
        v.add(random.nextInt(5) == 0 ? "NULL" : "'n" + random.nextInt(50) + "'");
        v.add(random.nextInt(5) == 0 ? "NULL" : Integer.toString(random.nextInt(2000) - 1000));
        v.add(random.nextInt(5) == 0 ? "NULL" : Double.toString(random.nextGaussian() * 1e3));
        v.add(random.nextInt(5) == 0 ? "NULL" : Boolean.toString(random.nextBoolean()));
        v.add(random.nextInt(5) == 0 ? "NULL" : "timestamp_micros(" + (1_700_000_000_000_000L
                + (long) (random.nextDouble() * 1e14)) + ")");
        v.add(random.nextInt(5) == 0 ? "NULL" : "date_add(DATE'1960-01-01', " + random.nextInt(40000) + ")");
        if (extra) {
            v.add(random.nextInt(5) == 0 ? "NULL" : "'e" + random.nextInt(9) + "'");
        }
        return "(" + String.join(", ", v) + ")";
    }

    /** Rows as sorted text: each value's class and value, so that a Long read as an Integer differs. */
    static List<String> text(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.length(); i++) {
                Object v = r.get(i);
                b.append(v == null ? "null" : v.getClass().getSimpleName() + ":" + v).append(' ');
            }
            out.add(b.toString());
        }
        out.sort(null);
        return out;
    }
}
