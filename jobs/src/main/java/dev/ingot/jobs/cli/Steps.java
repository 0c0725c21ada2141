package dev.ingot.jobs.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Supplier;

/** Numbered steps of a command, each printed when it starts and ends, with its time. */
final class Steps {
    private final PrintWriter out;
    private final int total;
    private int current;

    Steps(PrintWriter out, int total) {
        this.out = out;
        this.total = total;
    }

    <T> T run(String what, Supplier<T> step) {
        current++;
        out.printf(Locale.ROOT, "[%d/%d] %s ...%n", current, total, what);
        out.flush();
        long t0 = System.nanoTime();
        T result = step.get();
        out.printf(Locale.ROOT, "[%d/%d] %s: done in %.1f s%n", current, total, what, (System.nanoTime() - t0) / 1e9);
        out.flush();
        return result;
    }
}
