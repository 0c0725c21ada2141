package dev.ingot.training.internal;

import dev.ingot.training.CurvePoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Binary-classification metrics from the test window's scores, counted exactly: the rows are grouped by (score,
 * label, prediction) in one Spark job, and every sum is then taken on the driver in a fixed order. Spark's own
 * evaluators add doubles in the order tasks finish, which moves the last digits from one run to the next; these do
 * not. The formulas are Spark's (ROC and PR curves as {@code BinaryClassificationMetrics} without binning, trapezoidal
 * areas, F1 of the positive class), so the values agree with Spark's evaluators to rounding.
 */
public final class Scores {
    /** Log loss clips probabilities to [EPS, 1 - EPS], as Spark does. */
    static final double EPS = 1e-15;

    /** Rows with one score, label and prediction. */
    public record Cell(double score, double label, double prediction, long rows) {}

    private final List<Cell> cells;
    private final long rows;
    private final long positives;

    /** Cells in any order; they are sorted here by score, highest first, and at one score negatives first. */
    public Scores(List<Cell> cells) {
        List<Cell> sorted = new ArrayList<>(cells);
        sorted.sort(Comparator.comparingDouble(Cell::score).reversed().thenComparingDouble(Cell::label)
                .thenComparingDouble(Cell::prediction));
        this.cells = sorted;
        this.rows = sorted.stream().mapToLong(Cell::rows).sum();
        this.positives = sorted.stream().filter(c -> c.label() == 1.0).mapToLong(Cell::rows).sum();
    }

    public long rows() {
        return rows;
    }

    public long positives() {
        return positives;
    }

    /** (false-positive rate, true-positive rate) at every distinct score, from (0, 0) to (1, 1). */
    public List<CurvePoint> roc() {
        List<CurvePoint> out = new ArrayList<>();
        out.add(new CurvePoint(0, 0));
        long negatives = rows - positives;
        forEachThreshold((tp, fp) -> out.add(new CurvePoint(negatives == 0 ? 0 : (double) fp / negatives,
                positives == 0 ? 0 : (double) tp / positives)));
        out.add(new CurvePoint(1, 1));
        return out;
    }

    /** (recall, precision) at every distinct score, starting at recall 0 with the first threshold's precision. */
    public List<CurvePoint> pr() {
        List<CurvePoint> out = new ArrayList<>();
        forEachThreshold((tp, fp) -> {
            double precision = tp + fp == 0 ? 1 : (double) tp / (tp + fp);
            if (out.isEmpty()) {
                out.add(new CurvePoint(0, precision));
            }
            out.add(new CurvePoint(positives == 0 ? 0 : (double) tp / positives, precision));
        });
        return out;
    }

    private interface Threshold {
        void at(long truePositives, long falsePositives);
    }

    private void forEachThreshold(Threshold t) {
        long tp = 0;
        long fp = 0;
        for (int i = 0; i < cells.size(); i++) {
            Cell c = cells.get(i);
            if (c.label() == 1.0) {
                tp += c.rows();
            } else {
                fp += c.rows();
            }
            if (i == cells.size() - 1 || cells.get(i + 1).score() != c.score()) {
                t.at(tp, fp);
            }
        }
    }

    /** The trapezoidal area under a curve. */
    public static double area(List<CurvePoint> curve) {
        double a = 0;
        for (int i = 1; i < curve.size(); i++) {
            CurvePoint p = curve.get(i - 1);
            CurvePoint q = curve.get(i);
            a += (q.x() - p.x()) * (q.y() + p.y()) / 2.0;
        }
        return a;
    }

    public double auc() {
        return area(roc());
    }

    public double prAuc() {
        return area(pr());
    }

    /** Mean of -log(p) of the true label, with p the score for label 1 and 1 - score for label 0. */
    public double logLoss() {
        double sum = 0;
        for (Cell c : cells) {
            double p = c.label() == 1.0 ? c.score() : 1 - c.score();
            sum += c.rows() * -Math.log(Math.max(Math.min(p, 1 - EPS), EPS));
        }
        return sum / rows;
    }

    public double accuracy() {
        return (double) cells.stream().filter(c -> c.label() == c.prediction()).mapToLong(Cell::rows).sum() / rows;
    }

    /** True-positive rate: predicted 1 among labels 1; NaN without positives. */
    public double tpr() {
        return positives == 0 ? Double.NaN : (double) truePositives() / positives;
    }

    /** Predicted 1 among all. */
    public double positiveRate() {
        return (double) predictedPositives() / rows;
    }

    /** F1 of label 1, as Spark's {@code fMeasureByLabel}: 0 when precision and recall are both 0. */
    public double f1() {
        long pp = predictedPositives();
        double precision = pp == 0 ? 0 : (double) truePositives() / pp;
        double recall = positives == 0 ? 0 : (double) truePositives() / positives;
        return precision + recall == 0 ? 0 : 2.0 * precision * recall / (precision + recall);
    }

    /** Share of positives among the k highest scores (all rows when fewer); at a tie on the k-th score, negatives first. */
    public double precisionAt(int k) {
        long taken = 0;
        long hits = 0;
        for (Cell c : cells) {
            long n = Math.min(c.rows(), k - taken);
            taken += n;
            hits += c.label() == 1.0 ? n : 0;
            if (taken == k) {
                break;
            }
        }
        return taken == 0 ? Double.NaN : (double) hits / taken;
    }

    private long truePositives() {
        return cells.stream().filter(c -> c.label() == 1.0 && c.prediction() == 1.0).mapToLong(Cell::rows).sum();
    }

    private long predictedPositives() {
        return cells.stream().filter(c -> c.prediction() == 1.0).mapToLong(Cell::rows).sum();
    }

    /** At most {@code max} points of a curve, evenly by index, keeping the first and the last. */
    public static List<CurvePoint> thin(List<CurvePoint> curve, int max) {
        if (curve.size() <= max) {
            return curve;
        }
        List<CurvePoint> out = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            out.add(curve.get((int) Math.round((double) i * (curve.size() - 1) / (max - 1))));
        }
        return out;
    }
}
