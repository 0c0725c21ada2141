package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.Location;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every command that works on a project takes. */
public final class ProjectOptions {
    @Option(names = "--project", required = true, paramLabel = "DIR",
            description = "The project directory (ingot.yaml, sources/, feature_views/, checks/, models/).")
    Path project;

    @Option(names = "--warehouse", paramLabel = "PATH|URI",
            description = "Use this warehouse instead of the one in ingot.yaml.")
    String warehouse;

    /** Loads and checks the project; throws a bad-input error listing every problem. */
    public Project load() {
        Project p = ProjectLoader.load(project);
        return warehouse == null ? p : p.withWarehouse(resolve(warehouse));
    }

    /** A warehouse given on the command line: relative paths are taken from the current directory. */
    static Location resolve(String warehouse) {
        Optional<String> problem = Location.problem(warehouse);
        if (problem.isPresent()) {
            throw Errors.badArgument("--warehouse", warehouse, "a directory or a URI such as s3a://bucket/dir: "
                    + problem.get());
        }
        return Location.parse(warehouse, Path.of("").toAbsolutePath());
    }
}
