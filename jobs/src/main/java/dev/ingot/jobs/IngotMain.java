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
import dev.ingot.jobs.cli.TrainCommand;
import dev.ingot.jobs.cli.TrainingSetCommand;
import dev.ingot.jobs.cli.PlanCommand;
import dev.ingot.jobs.cli.ValidateCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 a gate said no, 2 bad input (nothing written), 3 failure (nothing half-written).",
                "On a laptop: bin/ingot <command> (local Spark; --master URL for a cluster).",
                "On a cluster: spark-submit --class dev.ingot.jobs.IngotMain ingot-jobs-<version>.jar <command> ..."})
public final class IngotMain {

    /** Runs a command line and returns its exit code, without exiting (for tests and embedding). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with its output and errors going to the given writers; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new IngotMain());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> handle(e, cmd));
        cli.setParameterExceptionHandler((e, args2) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println(Secrets.redact("Error: " + e.getMessage()));
            cmd.getErr().println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
            return ExitCode.BAD_INPUT.code();
        });
        return cli.execute(args);
    }

    private static int handle(Exception e, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        IngotException ie = find(e);
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
