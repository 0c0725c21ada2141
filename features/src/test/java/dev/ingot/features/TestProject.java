package dev.ingot.features;

import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A project directory written by a test: {@code ingot.yaml} on the shared test warehouse, sources and feature views
 * as YAML text. Every test class uses its own view and table names, because the registry and the lineage table are
 * shared by the whole test JVM.
 */
final class TestProject {
    /** 2026-01-01T00:00:00Z, the first day of every test data set. */
    static final Instant JAN1 = Instant.parse("2026-01-01T00:00:00Z");

    private final Path dir;

    TestProject(Path dir) {
        this.dir = dir;
        write("ingot.yaml", "name: test\nwarehouse: " + TestSpark.warehouse() + "\n");
    }

    /** Writes (or rewrites) {@code sources/<name>.yaml} for a catalog table. */
    TestProject source(String name, String table, String eventTime) {
        return write("sources/" + name + ".yaml", "table: " + table + "\nevent_time: " + eventTime + "\n");
    }

    /** Writes (or rewrites) {@code feature_views/<name>.yaml}. */
    TestProject view(String name, String yaml) {
        return write("feature_views/" + name + ".yaml", yaml);
    }

    TestProject write(String file, String text) {
        TestFiles.write(dir, file, text);
        return this;
    }

    Path dir() {
        return dir;
    }

    /** Loads the project as it is on disk now. */
    Project load() {
        return ProjectLoader.load(dir);
    }

    /** A feature store over the project as it is on disk now. */
    FeatureStore store() {
        return FeatureStore.of(TestSpark.session(), load());
    }

    /** The start of day {@code n} of the test data (day 0 is 2026-01-01). */
    static Instant day(int n) {
        return JAN1.plusSeconds(86400L * n);
    }

    /** Rows of {@code a} not in {@code b} and rows of {@code b} not in {@code a} (with duplicates), at most 20 each. */
    static List<List<Row>> differences(Dataset<Row> a, Dataset<Row> b) {
        return List.of(a.exceptAll(b).limit(20).collectAsList(), b.exceptAll(a).limit(20).collectAsList());
    }

    /** Creates a database for a test class's tables. */
    static SparkSession sparkWithDatabase(String db) {
        SparkSession spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS " + db);
        return spark;
    }
}
