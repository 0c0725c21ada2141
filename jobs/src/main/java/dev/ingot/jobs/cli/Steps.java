package dev.ingot.jobs.cli;

import dev.ingot.core.RunFigures;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Supplier;

/** Numbered steps of a command, each printed when it starts and ends, with its time (also a stage of its job run). */
final class Steps {
    private final PrintWriter out;
    private org.apache.spark.SparkContext sc;
    private final int total;
    private int current;

    Steps(PrintWriter out, int total) {
        this.out = out;
        this.total = total;
    }

    /** Labels the Spark jobs of each step (Spark UI, progress lines) with the step. */
    Steps labelJobsOf(org.apache.spark.sql.SparkSession spark) {
        this.sc = spark.sparkContext();
        return this;
    }

    <T> T run(String what, Supplier<T> step) {
        current++;
        if (sc != null) {
            sc.setJobDescription("[" + current + "/" + total + "] " + what);
        }
        out.printf(Locale.ROOT, "[%d/%d] %s ...%n", current, total, what);
        out.flush();
        long t0 = System.nanoTime();
        T result = RunFigures.timed(what, step);
        out.printf(Locale.ROOT, "[%d/%d] %s: done in %.1f s%n", current, total, what, (System.nanoTime() - t0) / 1e9);
        out.flush();
        return result;
    }
}
