package dev.ingot.core;

import java.util.Locale;

/**
 * The population stability index between two distributions given as counts over the same bins:
 * {@code sum over bins of (a - e) * ln(a / e)}, where {@code e} and {@code a} are each bin's share of the expected
 * (reference) and actual counts. A bin's share of zero is taken as {@value #EPSILON}, so that an empty bin counts as a
 * large shift rather than an infinity (the same floor as the quality suites' drift checks). Which bins to use is the
 * caller's choice and should be documented with the figure; 0.1 and 0.25 are the usual "watch" and "act" levels.
 */
public final class Psi {
    /** The share assumed for an empty bin. */
    public static final double EPSILON = 1e-4;
    /** Below this, stable ({@link #verdict}). */
    public static final double STABLE = 0.1;
    /** From this on, shifted; between {@link #STABLE} and this, moderate. */
    public static final double SHIFTED = 0.25;

    private Psi() {}

    /**
     * The PSI of {@code actual} against {@code expected}; 0 when either has no counts at all.
     *
     * @param expected counts per bin of the reference
     * @param actual counts per bin of the data compared, over the same bins
     * @throws IngotException (bad input) when the arrays differ in length or hold a negative count
     */
    public static double of(long[] expected, long[] actual) {
        Errors.required(expected, "Psi.of(expected, actual): expected");
        Errors.required(actual, "Psi.of(expected, actual): actual");
        if (expected.length != actual.length) {
            throw Errors.badArgument("PSI bins", expected.length + " and " + actual.length,
                    "counts over the same bins for both distributions");
        }
        long e = 0;
        long a = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] < 0 || actual[i] < 0) {
                throw Errors.badArgument("PSI bin " + i, expected[i] + " and " + actual[i], "counts of 0 or more");
            }
            e += expected[i];
            a += actual[i];
        }
        if (e == 0 || a == 0) {
            return 0;
        }
        double psi = 0;
        for (int i = 0; i < expected.length; i++) {
            double pe = Math.max(expected[i] / (double) e, EPSILON);
            double pa = Math.max(actual[i] / (double) a, EPSILON);
            psi += (pa - pe) * Math.log(pa / pe);
        }
        return psi;
    }

    /** {@code stable}, {@code moderate} or {@code shifted}, by {@link #STABLE} and {@link #SHIFTED}. */
    public static String verdict(double psi) {
        return psi < STABLE ? "stable" : psi < SHIFTED ? "moderate" : "shifted";
    }

    /** A value as a command prints it: {@code 0.034, stable (stable < 0.1 <= moderate < 0.25 <= shifted)}. */
    public static String describe(double psi) {
        return String.format(Locale.ROOT, "%.3f, %s (stable < %s <= moderate < %s <= shifted)", psi, verdict(psi),
                STABLE, SHIFTED);
    }
}
