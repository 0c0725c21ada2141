package dev.ingot.validation.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Distance between the distribution of a numeric column in a reference and in new data: population stability index
 * (PSI) and Kolmogorov-Smirnov distance (KS).
 *
 * <p>PSI uses {@code bins} bins cut at quantiles of the reference, so each holds about the same share of it; a share
 * of zero is taken as {@value #EPSILON} so that an empty bin counts as a large shift rather than an infinity. KS is
 * the largest gap between the two cumulative distributions, evaluated at the percentiles of both data sets (exact
 * counts at those points, so at most one percentile away from the exact statistic). Each data set is read twice:
 * once for its quantiles, once for the counts at every point, all in one aggregation.
 */
public final class Drift {
    /** The share assumed for an empty bin. */
    static final double EPSILON = 1e-4;
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
        double psi = 0;
        long refPrev = 0;
        long curPrev = 0;
        List<Double> cuts = new ArrayList<>(edges);
        for (int b = 0; b <= cuts.size(); b++) {
            long refAt = b < cuts.size() ? refCum[points.indexOf(cuts.get(b))] : refN;
            long curAt = b < cuts.size() ? curCum[points.indexOf(cuts.get(b))] : curN;
            double e = Math.max((refAt - refPrev) / (double) refN, EPSILON);
            double a = Math.max((curAt - curPrev) / (double) curN, EPSILON);
            psi += (a - e) * Math.log(a / e);
            refPrev = refAt;
            curPrev = curAt;
        }
        return new Distance(psi, ks, refN, curN);
    }

    /** Counts of values at most each point, then the total, in one aggregation. */
    private static long[] cumulative(Dataset<Row> values, List<Double> points) {
        Column[] aggs = new Column[points.size() + 1];
        for (int i = 0; i < points.size(); i++) {
            aggs[i] = functions.count(functions.when(functions.col("v").leq(points.get(i)), 1));
        }
        aggs[points.size()] = functions.count(functions.lit(1));
        Row r = values.agg(aggs[0], java.util.Arrays.copyOfRange(aggs, 1, aggs.length)).first();
        long[] out = new long[aggs.length];
        for (int i = 0; i < aggs.length; i++) {
            out[i] = r.getLong(i);
        }
        return out;
    }
}
