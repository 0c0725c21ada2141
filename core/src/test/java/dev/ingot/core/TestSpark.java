package dev.ingot.core;

import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ProjectSettings;
import dev.ingot.core.config.TrackingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test JVM: local[2], Delta, an embedded Hive metastore and a warehouse in a temporary
 * directory, built the way Ingot builds every session ({@link IngotSessions}). Starting Spark with a Hive catalog
 * costs seconds, so every test class of a module shares it; tests keep apart by using their own table names.
 */
public final class TestSpark {
    private static SparkSession spark;
    private static Path warehouse;

    private TestSpark() {}

    /** The shared session, built on first use. */
    public static synchronized SparkSession session() {
        if (spark == null) {
            try {
                warehouse = Files.createTempDirectory("ingot-test-warehouse");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            spark = IngotSessions.builder(settings(warehouse))
                    .appName("ingot-tests")
                    .master("local[2]")
                    .conf("spark.ui.enabled", "false")
                    .conf("spark.sql.shuffle.partitions", "4")
                    .conf("spark.default.parallelism", "4")
                    .conf("spark.sql.adaptive.coalescePartitions.initialPartitionNum", "4")
                    .conf("spark.databricks.delta.snapshotPartitions", "2")
                    .conf("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")
                    .build();
            Catalog.ensureDatabases(spark, Location.of(warehouse));
        }
        return spark;
    }

    /** The shared session's warehouse directory. */
    public static synchronized Path warehouse() {
        session();
        return warehouse;
    }

    /** Project settings for a warehouse, with every default. */
    public static ProjectSettings settings(Path warehouse) {
        return new ProjectSettings("test", "", Location.of(warehouse), CatalogSettings.embedded(),
                TrackingSettings.local(), Map.of(), GpuPolicy.OFF);
    }
}
