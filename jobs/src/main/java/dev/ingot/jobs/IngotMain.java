package dev.ingot.jobs;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.Secrets;
import dev.ingot.jobs.cli.AirflowCommand;
import dev.ingot.jobs.cli.DemoCommand;
import dev.ingot.jobs.cli.FeaturesCommand;
import dev.ingot.jobs.cli.GpuReportCommand;
import dev.ingot.jobs.cli.ModelsCommand;
import dev.ingot.jobs.cli.ScoreCommand;
import dev.ingot.jobs.cli.SparkConfCommand;
import dev.ingot.jobs.cli.SqlCommand;
import dev.ingot.jobs.cli.SqlServerCommand;
import dev.ingot.jobs.cli.TrainCommand;
import dev.ingot.jobs.cli.TrainingSetCommand;
import dev.ingot.jobs.cli.PlanCommand;
import dev.ingot.jobs.cli.ValidateCommand;
import dev.ingot.core.Errors;
import dev.ingot.jobs.cli.DryRun;
import dev.ingot.jobs.cli.JobRuns;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * Ingot's command line, the same for {@code spark-submit --class dev.ingot.jobs.IngotMain <app jar> <command> ...}
 * and {@code bin/ingot <command> ...}.
 *
 * <p>Exit codes (CONTRACT.md): 0 success; 1 a gate said no; 2 bad input, nothing written; 3 the job failed, nothing
 * half-written. Error messages go to stderr, with secrets masked.
 */
@Command(name = "ingot", mixinStandardHelpOptions = true, versionProvider = IngotMain.Version.class,
        description = "Spark batch and feature platform: Delta feature tables, quality gates, models, scoring.",
        subcommands = {DemoCommand.class, PlanCommand.class, FeaturesCommand.class, TrainingSetCommand.class, ValidateCommand.class,
                ModelsCommand.class, TrainCommand.class, ScoreCommand.class, GpuReportCommand.class, AirflowCommand.class,
                SqlCommand.class, SqlServerCommand.class, SparkConfCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 a gate said no, 2 bad input (nothing written), 3 failure (nothing half-written).",
                "On a laptop: bin/ingot <command> (local Spark; --master URL for a cluster).",
                "On a cluster: spark-submit --class dev.ingot.jobs.IngotMain ingot-jobs-<version>.jar <command> ..."})
public final class IngotMain {

    /** Runs a command line and returns its exit code, without exiting (for tests and embedding). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    @Option(names = "--metrics-file", scope = CommandLine.ScopeType.INHERIT, paramLabel = "PATH",
            description = "Also write the run's figures (exit code, timings, rows, data freshness) to PATH in "
                    + "Prometheus' text format, atomically, for a node exporter's textfile collector (e.g. "
                    + "/var/lib/node_exporter/textfile/ingot_daily.prom).")
    Path metricsFile;

    @Option(names = "--dry-run", scope = CommandLine.ScopeType.INHERIT,
            description = "Check the command line and the project (definitions, the views, suites, models and tables "
                    + "named, dates) without starting Spark or writing anything: exit 0 when the command would run, "
                    + "2 with the problem when it would not.")
    boolean dryRun;

    /**
     * Runs a command line with its output and errors going to the given writers; returns the exit code. The run is
     * recorded in {@code ingot.job_runs} when the command got as far as starting Spark, and in {@code --metrics-file}
     * when one is given ({@link JobRuns}).
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Instant started = Instant.now();
        JobRuns.begin();
        IngotMain main = new IngotMain();
        AtomicReference<String> error = new AtomicReference<>();
        CommandLine cli = new CommandLine(main);
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> handle(e, cmd, error));
        cli.setParameterExceptionHandler((e, args2) -> {
            CommandLine cmd = e.getCommandLine();
            error.set("Error: " + e.getMessage());
            cmd.getErr().println(Secrets.redact("Error: " + e.getMessage()));
            cmd.getErr().println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
            return ExitCode.BAD_INPUT.code();
        });
        cli.setExecutionStrategy(parsed -> {
            Optional<String> problem = Optional.ofNullable(main.metricsFile).flatMap(JobRuns::metricsFileProblem);
            if (problem.isPresent()) {
                IngotException e = Errors.badArgument("--metrics-file", main.metricsFile.toString(), problem.get());
                return handle(e, parsed.commandSpec().commandLine(), error);
            }
            DryRun.set(main.dryRun);
            try {
                return new CommandLine.RunLast().execute(parsed);
            } finally {
                DryRun.set(false);
            }
        });
        int code = cli.execute(args);
        if (main.dryRun) {
            JobRuns.discard();  // a dry run leaves no record: it did nothing
            return code;
        }
        JobRuns.Run run = JobRuns.finish(commandName(cli, args), List.of(args), started, code,
                Optional.ofNullable(error.get()), System.getenv(), err);
        if (main.metricsFile != null && JobRuns.metricsFileProblem(main.metricsFile).isEmpty()) {
            try {
                JobRuns.writeMetrics(main.metricsFile, run);
            } catch (UncheckedIOException e) {
                err.println(Secrets.redact("ingot: " + e.getMessage()));
                err.flush();
            }
        }
        return code;
    }

    /** The command the line ran ({@code features materialize}), or what it named when it did not parse. */
    private static String commandName(CommandLine cli, String... args) {
        List<String> names = new ArrayList<>();
        for (ParseResult pr = cli.getParseResult(); pr != null && pr.hasSubcommand(); ) {
            pr = pr.subcommand();
            names.add(pr.commandSpec().name());
        }
        if (names.isEmpty() && args.length > 0 && !args[0].startsWith("-")) {
            names.add(args[0]);
        }
        return String.join(" ", names);
    }

    private static int handle(Exception e, CommandLine cmd, AtomicReference<String> error) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DryRun.Stop stop) {
                cmd.getOut().println("Dry run: '" + cmd.getCommandSpec().qualifiedName() + "' would run: its arguments "
                        + "and the project check out (" + stop.getMessage() + ").");
                cmd.getOut().flush();
                return ExitCode.OK.code();
            }
        }
        IngotException ie = find(e);
        error.set(ie != null ? ie.getMessage() : "Ingot failed: " + e);
        PrintWriter err = cmd.getErr();
        if (ie != null) {
            err.println(Secrets.redact(ie.getMessage()));
            if (ie.exitCode() == ExitCode.FAILURE && ie.getCause() != null) {
                err.println(Secrets.redact(stackTrace(ie.getCause())));
            }
            err.flush();
            return ie.exitCode().code();
        }
        err.println(Secrets.redact("Ingot failed: " + e + " (nothing was committed)"));
        err.println(Secrets.redact(stackTrace(e)));
        err.flush();
        return ExitCode.FAILURE.code();
    }

    /** The IngotException behind {@code e}, when Spark or a library wrapped one. */
    private static IngotException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IngotException ie) {
                return ie;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Entry point for spark-submit and bin/ingot. */
    public static void main(String[] args) {
        int code = run(args);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** The version from the jar's manifest. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Ingot " + version() + " (Spark 3.5.4, Delta 3.3.2, Java " + Runtime.version().feature() + ")"};
        }
    }

    /** Ingot's version, from the app jar's manifest ({@code dev} when run from classes). */
    public static String version() {
        String v = IngotMain.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
