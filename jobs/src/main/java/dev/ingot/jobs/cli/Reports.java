package dev.ingot.jobs.cli;

import dev.ingot.core.Location;
import dev.ingot.core.config.Project;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a command writes its HTML reports: {@code --reports DIR}, else {@code <warehouse>/_reports} for a local warehouse. */
public final class Reports {
    /** The reports' directory under a local warehouse. */
    public static final String UNDER_WAREHOUSE = "_reports";

    @Option(names = "--reports", paramLabel = "DIR",
            description = "Where HTML reports go (default: <warehouse>/_reports for a local warehouse, else ./ingot-reports).")
    Path dir;

    /** The directory: the option's, else under a local warehouse, else {@code ./ingot-reports}. */
    public Path resolve(Project project) {
        if (dir != null) {
            return dir.toAbsolutePath().normalize();
        }
        return defaultFor(project.settings().warehouse());
    }

    static Path defaultFor(Location warehouse) {
        return warehouse.isLocal() ? warehouse.localPath().resolve(UNDER_WAREHOUSE) : Path.of("ingot-reports").toAbsolutePath();
    }
}
