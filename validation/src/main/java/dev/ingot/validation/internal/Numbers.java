package dev.ingot.validation.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Numbers as the quality report and check messages print them. */
public final class Numbers {
    private static final String[] SUFFIXES = {"", "k", "M", "G", "T"};
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");

    private Numbers() {}

    /**
     * The fewest significant digits (at least {@code minDigits}) that read back as exactly {@code v}: a failed check's
     * value then differs from its bound on the page as it does in the data (0.999999 is not printed as 1.000).
     */
    public static String exact(double v, int minDigits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        for (int digits = minDigits; ; digits++) {
            String s = plain(v, digits);
            if (digits >= 17 || Double.parseDouble(s) == v) {
                return s;
            }
        }
    }

    /**
     * {@code v} beside the bounds it was checked against (the numbers in {@code bounds}, e.g. {@code ">= 1"} or
     * {@code "in [0, 30]"}): the fewest significant digits, at least {@code minDigits}, that leave it on the same side
     * of each bound as it is, so that a failed value never reads as its bound (0.999999 against >= 1, not 1.000), and
     * no more digits than that (48.33 against <= 30). Without bounds, {@link #exact}.
     */
    public static String beside(double v, String bounds, int minDigits) {
        List<Double> found = new ArrayList<>();
        Matcher m = NUMBER.matcher(bounds);
        while (m.find()) {
            found.add(Double.parseDouble(m.group()));
        }
        if (found.isEmpty() || Double.isNaN(v) || Double.isInfinite(v)) {
            return exact(v, minDigits);
        }
        for (int digits = minDigits; digits < 17; digits++) {
            String s = v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : plain(v, digits);
            double shown = Double.parseDouble(s);
            if (found.stream().allMatch(b -> Double.compare(shown, b) == Double.compare(v, b))) {
                return s;
            }
        }
        return exact(v, minDigits);
    }

    /**
     * Axis labels for {@code low} and {@code high}: short (200k, 1.5M, 0.25), with as many significant digits as it
     * takes for the two to differ when the values do.
     */
    public static String[] axis(double low, double high) {
        for (int digits = 3; ; digits++) {
            String a = compact(low, digits);
            String b = compact(high, digits);
            if (read(a) != read(b) || low == high || digits >= 17) {
                return new String[] {a, b};
            }
        }
    }

    /** {@code v} to {@code digits} significant digits, thousands as k, M, G, T (200000 is 200k). */
    static String compact(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        int i = 0;
        double scaled = v;
        while (Math.abs(scaled) >= 1000 && i < SUFFIXES.length - 1) {
            scaled /= 1000;
            i++;
        }
        return plain(scaled, digits) + SUFFIXES[i];
    }

    /** The number a {@link #compact} label stands for. */
    private static double read(String label) {
        int i = SUFFIXES.length - 1;
        while (i > 0 && !label.endsWith(SUFFIXES[i])) {
            i--;
        }
        return Double.parseDouble(label.substring(0, label.length() - SUFFIXES[i].length())) * Math.pow(1000, i);
    }

    /** Rounded to {@code digits} significant digits, without an exponent for ordinary magnitudes or trailing zeros. */
    private static String plain(double v, int digits) {
        if (v == 0) {
            return "0";
        }
        BigDecimal d = new BigDecimal(v).round(new MathContext(digits)).stripTrailingZeros();
        if (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e15) {
            return String.format(Locale.ROOT, "%." + Math.max(0, d.precision() - 1) + "e", v);
        }
        return d.toPlainString();
    }
}
