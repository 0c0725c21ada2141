package dev.ingot.jobs.cli;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import dev.ingot.core.Location;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.core.config.ProjectSettings.SecretUse;
import java.nio.file.Path;
import java.util.List;
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

    /**
     * Loads and checks the project, and the secrets of {@code ingot.yaml} the command uses (only those: see
     * {@link SecretUse}); throws a bad-input error listing every problem.
     */
    public Project load(SecretUse... uses) {
        Project p = ProjectLoader.load(project);
        requireSecrets(p, uses);
        return warehouse == null ? p : p.withWarehouse(resolve(warehouse));
    }

    /**
     * Refuses, with exit code 2 and every problem at once, a command whose secrets ({@code uses}) do not resolve:
     * called before anything starts (Spark, a server, a connection), also in a dry run.
     */
    static void requireSecrets(Project p, SecretUse... uses) {
        List<ConfigProblem> problems = p.settings().secretProblems(uses);
        if (!problems.isEmpty()) {
            throw Errors.invalidConfig("read the secrets this command needs from " + ProjectLoader.PROJECT_FILE,
                    problems);
        }
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
