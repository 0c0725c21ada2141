package dev.ingot.jobs.cli;

import dev.ingot.core.Catalog;
import dev.ingot.core.IngotSessions;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.Project;
import org.apache.spark.sql.SparkSession;

/** Opens the session a command runs in: the project's settings, progress for a terminal, Ingot's databases. */
final class Sessions {
    private Sessions() {}

    static SparkSession open(Project project, String command, GpuPolicy gpu) {
        SparkSession spark = IngotSessions.builder(project.settings())
                .appName("ingot " + command + " (" + project.settings().name() + ")")
                .consoleProgress(System.console() != null)
                .gpu(gpu)
                .build();
        Catalog.ensureDatabases(spark, project.settings().warehouse());
        return spark;
    }
}
