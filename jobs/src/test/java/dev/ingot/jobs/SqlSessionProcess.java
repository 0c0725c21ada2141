package dev.ingot.jobs;

import dev.ingot.core.IngotSessions;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * A second process with a session of its own on a project's catalog, held open while the test runs other processes:
 * it reads SQL statements from stdin, one a line, and answers each on stdout with one {@code ROW <json>} line per row
 * and then {@code DONE}, or with {@code ERROR <message>}. It prints {@code READY} once the session is up.
 */
public final class SqlSessionProcess {
    private SqlSessionProcess() {}

    /** {@code args[0]}: the project directory. */
    public static void main(String[] args) throws Exception {
        Project project = ProjectLoader.load(Path.of(args[0]));
        long start = System.nanoTime();
        SparkSession spark = IngotSessions.builder(project.settings()).appName("ingot test session").master("local[1]")
                .conf("spark.ui.enabled", "false").conf("spark.sql.shuffle.partitions", "2")
                .conf("spark.databricks.delta.snapshotPartitions", "1").build();
        spark.sql("SHOW DATABASES").collectAsList(); // the metastore client (and, the first time, its schema) starts here
        System.out.printf("READY %.1f%n", (System.nanoTime() - start) / 1e9);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            try {
                for (String row : spark.sql(line).toJSON().collectAsList()) {
                    System.out.println("ROW " + row);
                }
                System.out.println("DONE");
            } catch (RuntimeException e) {
                String m = String.valueOf(e.getMessage());
                System.out.println("ERROR " + m.lines().findFirst().orElse(m));
            }
            System.out.flush();
        }
        spark.stop();
    }
}
