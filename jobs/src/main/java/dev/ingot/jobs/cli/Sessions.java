package dev.ingot.jobs.cli;

import dev.ingot.core.IngotSessions;
import dev.ingot.core.RunFigures;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.Project;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * Opens the session a command runs in: the project's settings, progress for a terminal. Commands open it only once
 * everything that can be checked without Spark has been; databases are created right before the first write to each
 * ({@link dev.ingot.core.Catalog#ensureDatabaseOf}), so bad input leaves the catalog as it was.
 */
final class Sessions {
    /** The stage of {@code ingot.job_runs.stage_seconds} that starting Spark takes. */
    static final String STAGE = "spark_session";

    private Sessions() {}

    /**
     * Opens the session; its start is timed as the {@value #STAGE} stage, and the command's row of
     * {@code ingot.job_runs} will be written in it ({@link JobRuns}).
     *
     * @param gpu overrides the project's GPU policy when present (the {@code --gpu} option)
     */
    static SparkSession open(Project project, String command, Optional<GpuPolicy> gpu) {
        DryRun.stopBefore("starting Spark");
        SparkSession spark = RunFigures.timed(STAGE, () -> IngotSessions.builder(project.settings())
                .appName("ingot " + command + " (" + project.settings().name() + ")")
                .consoleProgress(System.console() != null)
                .gpu(gpu.orElse(null))
                .build());
        JobRuns.opened(spark, project);
        return spark;
    }
}
