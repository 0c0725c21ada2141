package dev.ingot.training.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * RMSE, MAE and R² with sums taken per partition and merged on the driver in partition order (Chan's formula for the
 * label's variance), so the same predictions give the same digits; Spark's {@code RegressionEvaluator} merges in the
 * order tasks finish. On request the same pass also brings back each distinct prediction with its rows (as a
 * classifier's evaluation brings back each distinct score), for the test window's score reference.
 */
final class RegressionSums {
    private long n;
    private double mean;
    private double m2;
    private double squaredErrors;
    private double absoluteErrors;
    private final TreeMap<Double, Long> predictions = new TreeMap<>();

    private RegressionSums() {}

    /**
     * Sums over (label, prediction) pairs: the first two columns of {@code pred}; with {@code keepPredictions}, the
     * distinct predictions and their rows too.
     */
    static RegressionSums of(Dataset<Row> pred, boolean keepPredictions) {
        List<double[]> parts = pred.javaRDD().mapPartitions(rows -> partition(rows, keepPredictions)).collect();
        RegressionSums s = new RegressionSums();
        for (double[] p : parts) {
            s.merge((long) p[0], p[1], p[2], p[3], p[4]);
            // After the five sums: (prediction, rows) pairs.
            for (int i = 5; i < p.length; i += 2) {
                s.predictions.merge(p[i], (long) p[i + 1], Long::sum);
            }
        }
        return s;
    }

    private static Iterator<double[]> partition(Iterator<Row> rows, boolean keepPredictions) {
        RegressionSums s = new RegressionSums();
        while (rows.hasNext()) {
            Row r = rows.next();
            double y = r.getDouble(0);
            double e = y - r.getDouble(1);
            s.merge(1, y, 0, e * e, Math.abs(e));
            if (keepPredictions) {
                s.predictions.merge(r.getDouble(1), 1L, Long::sum);
            }
        }
        double[] out = Arrays.copyOf(new double[] {s.n, s.mean, s.m2, s.squaredErrors, s.absoluteErrors},
                5 + 2 * s.predictions.size());
        int i = 5;
        for (Map.Entry<Double, Long> p : s.predictions.entrySet()) {
            out[i++] = p.getKey();
            out[i++] = p.getValue();
        }
        List<double[]> list = new ArrayList<>();
        list.add(out);
        return list.iterator();
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

    /** The distinct predictions, ascending (empty unless asked for). */
    double[] predictions() {
        return predictions.keySet().stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The rows of each of {@link #predictions()}. */
    long[] predictionRows() {
        return predictions.values().stream().mapToLong(Long::longValue).toArray();
    }
}
