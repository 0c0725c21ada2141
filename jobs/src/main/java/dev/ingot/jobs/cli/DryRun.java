package dev.ingot.jobs.cli;

/**
 * {@code --dry-run}: a command parses its arguments and checks them and the project exactly as a real run does (the
 * definitions load and validate, named views, suites, models and tables exist in them, dates parse), then stops at the
 * first point where it would start doing something: starting Spark, opening the tracking store, writing a file. Every
 * command does all it can check without Spark before that point, so a dry run exits 0 when the line would run, and 2
 * with the usual message when it would not; nothing is started or written.
 *
 * <p>One command at a time per JVM, as {@code IngotMain} runs them.
 */
public final class DryRun {
    private static volatile boolean active;

    private DryRun() {}

    /** Turns dry-run mode on or off for the command about to run. */
    public static void set(boolean on) {
        active = on;
    }

    /** Stops the command here in a dry run: what it checked before this point is all it can check without running. */
    static void stopBefore(String what) {
        if (active) {
            throw new Stop(what);
        }
    }

    /** How a dry run ends a command that passed its checks; {@code IngotMain} turns it into exit code 0. */
    public static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop(String what) {
            super("dry run: stopped before " + what, null, false, false);
        }
    }
}
