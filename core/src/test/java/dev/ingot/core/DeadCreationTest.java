package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A run killed while creating a table leaves its folder in the warehouse without a catalog entry: data files before
 * its first Delta commit, or a Delta log after it but before the catalog entry (found by the crash harness, CrashIT,
 * seed 20261201). The next run must create the table all the same, with its own rows only, and never wait without
 * end or fail on what the dead run left. Each case builds the leftovers by hand, in the table's default location.
 */
class DeadCreationTest {
    private static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS dead LOCATION '" + TestSpark.warehouse().resolve("dead.db") + "'");
    }

    @AfterEach
    void defaultWait() {
        spark.conf().unset(Catalog.CREATION_WAIT);
    }

    @Test
    void aDeltaLogWithoutCatalogEntryFromADeadRunIsMovedAsideAndTheTableCreated() throws Exception {
        TableName table = new TableName("dead", "after_first_commit");
        Path folder = folder(table);
        rows(100, 5).write().format("delta").option("userMetadata", "{\"ingot_run_id\":\"dead-run-1\"}")
                .save(folder.toString());
        age(folder.resolve("_delta_log"), 3600);
        long t0 = System.nanoTime();
        Catalog.createDeltaTable(rows(0, 3), table, TableDoc.of("a table"), Map.of(), List.of(), false);
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(ids(table)).as("the new run's rows only").containsExactly(0L, 1L, 2L);
        assertThat(spark.sql("DESCRIBE HISTORY " + table.sql()).count()).as("a new table: one version").isEqualTo(1);
        List<Path> aside = besides(folder);
        assertThat(aside).as("the dead run's folder, moved aside").hasSize(1);
        assertThat(spark.read().format("delta").load(aside.get(0).toString()).count()).as("kept whole").isEqualTo(5);
        // An hour-old commit needs no waiting for a creator that might still register it.
        assertThat(seconds).as("seconds to create").isLessThan(Catalog.CREATION_WAIT_DEFAULT);
    }

    @Test
    void aFreshDeltaLogWithoutCatalogEntryIsWaitedForFirst() throws Exception {
        spark.conf().set(Catalog.CREATION_WAIT, "3");
        TableName table = new TableName("dead", "fresh_first_commit");
        Path folder = folder(table);
        rows(100, 5).write().format("delta").save(folder.toString());
        long t0 = System.nanoTime();
        Catalog.createDeltaTable(rows(0, 2), table, TableDoc.of("a table"), Map.of(), List.of(), false);
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(ids(table)).containsExactly(0L, 1L);
        assertThat(besides(folder)).hasSize(1);
        assertThat(seconds).as("a commit seconds old may be a live creator's: its catalog entry is waited for")
                .isGreaterThanOrEqualTo(2.0);
    }

    @Test
    void dataFilesWithoutADeltaLogAreLeftToVacuumAndTheTableCreated() throws Exception {
        TableName table = new TableName("dead", "before_first_commit");
        Path folder = folder(table);
        rows(100, 5).write().parquet(folder.resolve("part-dead").toString());
        Path junk;
        try (Stream<Path> s = Files.list(folder.resolve("part-dead"))) {
            junk = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        Files.move(junk, folder.resolve(junk.getFileName()));
        deleteTree(folder.resolve("part-dead"));

        Catalog.createDeltaTable(rows(0, 4), table, TableDoc.of("a table"), Map.of(), List.of(), false);

        assertThat(ids(table)).as("the new run's rows only").containsExactly(0L, 1L, 2L, 3L);
        assertThat(besides(folder)).as("nothing moved: the files may be a live creator's").isEmpty();
    }

    @Test
    void aLiveCreatorsTableIsWrittenIntoNotMoved() throws Exception {
        TableName table = new TableName("dead", "live");
        Catalog.createDeltaTable(rows(0, 2), table, TableDoc.of("a table"), Map.of(), List.of(), false);
        boolean created = Catalog.createOrWrite(rows(10, 2), table, TableDoc.of("a table"), Map.of(), List.of(),
                () -> rows(10, 2).write().format("delta").mode("append").saveAsTable(table.sql()));
        assertThat(created).isFalse();
        assertThat(ids(table)).containsExactly(0L, 1L, 10L, 11L);
        assertThat(besides(folder(table))).isEmpty();
    }

    private static Dataset<Row> rows(long from, long n) {
        return spark.range(from, from + n).toDF("id");
    }

    private static List<Long> ids(TableName table) {
        return spark.table(table.sql()).orderBy("id").collectAsList().stream().map(r -> r.getLong(0)).toList();
    }

    private static Path folder(TableName table) {
        return TestSpark.warehouse().resolve(table.database() + ".db").resolve(table.table());
    }

    /** The folders moved aside next to {@code folder}. */
    private static List<Path> besides(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(folder.getFileName() + ".dead-")).toList();
        }
    }

    private static void age(Path dir, long seconds) throws IOException {
        FileTime old = FileTime.from(Instant.now().minusSeconds(seconds));
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, old);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
