package dev.ingot.jobs;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs Ingot's command line in-process, as {@code bin/ingot} would, and keeps what it printed. */
final class Cli {
    private Cli() {}

    /** A finished command: its exit code, standard output and standard error. */
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = IngotMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }
}
