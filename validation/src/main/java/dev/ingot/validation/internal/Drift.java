package dev.ingot.validation.internal;

import dev.ingot.core.Catalog;
import dev.ingot.core.Psi;
import dev.ingot.core.config.CheckSuiteDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Distance between the distribution of a numeric column in a reference and in new data: population stability index
 * (PSI) and Kolmogorov-Smirnov distance (KS).
 *
 * <p>PSI uses {@code bins} bins cut at quantiles of the reference, so each holds about the same share of it; a share
 * of zero is taken as {@value Psi#EPSILON} ({@link Psi}) so that an empty bin counts as a large shift rather than an infinity. KS is
 * the largest gap between the two cumulative distributions, evaluated at the percentiles of both data sets (exact
 * counts at those points, so at most one percentile away from the exact statistic). Each data set is read twice:
 * once for its quantiles, once for its counts at every point.
 */
public final class Drift {
    private static final double QUANTILE_ERROR = 0.001;
    private static final int GRID = 100;

    private Drift() {}

    /**
     * @param psi population stability index
     * @param ks Kolmogorov-Smirnov distance, 0 to 1
     * @param referenceRows non-null values in the reference
     * @param rows non-null values in the new data
     */
    public record Distance(double psi, double ks, long referenceRows, long rows) {}

    /**
     * A drift check measured.
     *
     * @param distance the distance from the reference; empty when there is no reference yet (or no values in it)
     * @param reference what the data was compared with, for messages
     */
    record Measured(Optional<Distance> distance, String reference) {}

    /**
     * Measures a column's drift from the rule's reference: a named table; else, for rows about to be published, the
     * target's current rows; else the table's previous Delta version.
     */
    static Measured measure(String column, CheckSuiteDef.DriftDef rule, Dataset<Row> data, RunContext cx) {
        Optional<Dataset<Row>> reference;
        String name;
        if (rule.reference().isPresent()) {
            name = rule.reference().get().toString();
            reference = Optional.of(cx.spark().table(name));
        } else if (cx.table().isPresent() && cx.candidate()) {
            name = cx.table().get() + " (current rows)";
            reference = Catalog.tableExists(cx.spark(), cx.table().get())
                    ? Optional.of(cx.spark().table(cx.table().get().toString())) : Optional.empty();
        } else if (cx.table().isPresent() && cx.deltaVersion().orElse(-1) > 0) {
            long previous = cx.deltaVersion().getAsLong() - 1;
            name = cx.table().get() + " version " + previous;
            reference = Optional.of(cx.spark().sql("SELECT * FROM " + cx.table().get().sql() + " VERSION AS OF " + previous));
        } else {
            name = "no previous version";
            reference = Optional.empty();
        }
        Optional<Distance> d = Optional.empty();
        if (reference.isPresent()) {
            try {
                d = Optional.of(between(reference.get(), data, column, rule.bins()));
            } catch (IllegalArgumentException e) {
                name = name + ": " + e.getMessage();
            }
        }
        return new Measured(d, name);
    }

    /** The distance between the column's distributions; both data sets need at least one non-null value. */
    public static Distance between(Dataset<Row> reference, Dataset<Row> current, String column, int bins) {
        Dataset<Row> ref = reference.select(functions.col(column).cast("double").as("v")).where("v IS NOT NULL");
        Dataset<Row> cur = current.select(functions.col(column).cast("double").as("v")).where("v IS NOT NULL");
        double[] probs = new double[GRID];
        for (int i = 0; i < GRID; i++) {
            probs[i] = (i + 1) / (double) GRID;
        }
        double[] refQ = ref.stat().approxQuantile("v", probs, QUANTILE_ERROR);
        double[] curQ = cur.stat().approxQuantile("v", probs, QUANTILE_ERROR);
        if (refQ.length == 0 || curQ.length == 0) {
            throw new IllegalArgumentException("no values of " + column + " in the " + (refQ.length == 0 ? "reference" : "new data"));
        }
        TreeSet<Double> edges = new TreeSet<>();
        for (int i = 1; i < bins; i++) {
            edges.add(refQ[Math.max(0, (int) Math.round(i * GRID / (double) bins) - 1)]);
        }
        TreeSet<Double> grid = new TreeSet<>(edges);
        for (double q : refQ) {
            grid.add(q);
        }
        for (double q : curQ) {
            grid.add(q);
        }
        List<Double> points = new ArrayList<>(grid);
        long[] refCum = cumulative(ref, points);
        long[] curCum = cumulative(cur, points);
        long refN = refCum[points.size()];
        long curN = curCum[points.size()];

        double ks = 0;
        for (int i = 0; i < points.size(); i++) {
            ks = Math.max(ks, Math.abs(refCum[i] / (double) refN - curCum[i] / (double) curN));
        }
        List<Double> cuts = new ArrayList<>(edges);
        long[] refBins = new long[cuts.size() + 1];
        long[] curBins = new long[cuts.size() + 1];
        long refPrev = 0;
        long curPrev = 0;
        for (int b = 0; b <= cuts.size(); b++) {
            long refAt = b < cuts.size() ? refCum[points.indexOf(cuts.get(b))] : refN;
            long curAt = b < cuts.size() ? curCum[points.indexOf(cuts.get(b))] : curN;
            refBins[b] = refAt - refPrev;
            curBins[b] = curAt - curPrev;
            refPrev = refAt;
            curPrev = curAt;
        }
        return new Distance(Psi.of(refBins, curBins), ks, refN, curN);
    }

    /**
     * Counts of values at most each point, then the total: one grouped count by the index of the first point at or
     * above each value (a binary search), summed up on the driver. Cheaper than one conditional count per point.
     */
    private static long[] cumulative(Dataset<Row> values, List<Double> points) {
        double[] grid = points.stream().mapToDouble(Double::doubleValue).toArray();
        UserDefinedFunction bucket = functions.udf((UDF1<Double, Integer>) v -> {
            int i = Arrays.binarySearch(grid, v);
            return i >= 0 ? i : -i - 1;
        }, DataTypes.IntegerType);
        long[] perBucket = new long[grid.length + 1];
        for (Row r : values.groupBy(bucket.apply(functions.col("v")).as("b")).count().collectAsList()) {
            perBucket[r.getInt(0)] += r.getLong(1);
        }
        long[] out = new long[grid.length + 1];
        long sum = 0;
        for (int i = 0; i <= grid.length; i++) {
            sum += perBucket[i];
            out[i] = sum;
        }
        return out;
    }
}
