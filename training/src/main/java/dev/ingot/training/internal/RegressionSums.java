package dev.ingot.training.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * RMSE, MAE and R² with sums taken per partition and merged on the driver in partition order (Chan's formula for the
 * label's variance), so the same predictions give the same digits; Spark's {@code RegressionEvaluator} merges in the
 * order tasks finish.
 */
final class RegressionSums {
    private long n;
    private double mean;
    private double m2;
    private double squaredErrors;
    private double absoluteErrors;

    private RegressionSums() {}

    /** Sums over (label, prediction) pairs: the first two columns of {@code pred}. */
    static RegressionSums of(Dataset<Row> pred) {
        List<double[]> parts = pred.javaRDD().mapPartitions(RegressionSums::partition).collect();
        RegressionSums s = new RegressionSums();
        for (double[] p : parts) {
            s.merge((long) p[0], p[1], p[2], p[3], p[4]);
        }
        return s;
    }

    private static Iterator<double[]> partition(Iterator<Row> rows) {
        RegressionSums s = new RegressionSums();
        while (rows.hasNext()) {
            Row r = rows.next();
            double y = r.getDouble(0);
            double e = y - r.getDouble(1);
            s.merge(1, y, 0, e * e, Math.abs(e));
        }
        List<double[]> out = new ArrayList<>();
        out.add(new double[] {s.n, s.mean, s.m2, s.squaredErrors, s.absoluteErrors});
        return out.iterator();
    }

    private void merge(long n2, double mean2, double m22, double se, double ae) {
        if (n2 == 0) {
            return;
        }
        long total = n + n2;
        double delta = mean2 - mean;
        m2 = m2 + m22 + delta * delta * n * n2 / total;
        mean = mean + delta * n2 / total;
        n = total;
        squaredErrors += se;
        absoluteErrors += ae;
    }

    double rmse() {
        return Math.sqrt(squaredErrors / n);
    }

    double mae() {
        return absoluteErrors / n;
    }

    double r2() {
        return 1 - squaredErrors / m2;
    }
}
