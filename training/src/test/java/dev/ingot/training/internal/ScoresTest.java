package dev.ingot.training.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ingot.training.CurvePoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoresTest {
    @Test
    void tiesCountHalfInTheAucAndNegativesFirstInPrecisionAtK() {
        Scores s = new Scores(List.of(new Scores.Cell(0.9, 1, 1, 1), new Scores.Cell(0.8, 0, 1, 1),
                new Scores.Cell(0.8, 1, 1, 1), new Scores.Cell(0.3, 0, 0, 1)));

        assertThat(s.auc()).isEqualTo(0.875);
        assertThat(s.roc()).containsExactly(new CurvePoint(0, 0), new CurvePoint(0, 0.5), new CurvePoint(0.5, 1),
                new CurvePoint(1, 1), new CurvePoint(1, 1));
        assertThat(s.pr()).containsExactly(new CurvePoint(0, 1), new CurvePoint(0.5, 1), new CurvePoint(1, 2.0 / 3),
                new CurvePoint(1, 0.5));
        assertThat(s.precisionAt(2)).as("the 0.8 tie gives its negative first").isEqualTo(0.5);
        assertThat(s.precisionAt(3)).isEqualTo(2.0 / 3);
        assertThat(s.precisionAt(10)).as("all rows when fewer than k").isEqualTo(0.5);
        assertThat(s.accuracy()).isEqualTo(0.75);
        assertThat(s.tpr()).isEqualTo(1.0);
        assertThat(s.positiveRate()).isEqualTo(0.75);
        assertThat(s.f1()).isCloseTo(2 * (2.0 / 3) * 1 / (2.0 / 3 + 1), within(1e-15));
    }

    @Test
    void aucIsTheShareOfPositiveNegativePairsInOrderAndLogLossTheMeanPerRow() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        List<Scores.Cell> cells = new ArrayList<>();
        List<double[]> rows = new ArrayList<>(); // score, label
        for (int i = 0; i < 300; i++) {
            double score = r.nextInt(40) / 40.0; // many ties
            double label = r.nextDouble() < score ? 1 : 0;
            long n = 1 + r.nextInt(3);
            cells.add(new Scores.Cell(score, label, score > 0.5 ? 1 : 0, n));
            for (int j = 0; j < n; j++) {
                rows.add(new double[] {score, label});
            }
        }
        Scores s = new Scores(cells);

        double pairs = 0;
        double ordered = 0;
        double loss = 0;
        for (double[] p : rows) {
            double q = p[1] == 1 ? p[0] : 1 - p[0];
            loss += -Math.log(Math.max(Math.min(q, 1 - 1e-15), 1e-15));
            if (p[1] != 1) {
                continue;
            }
            for (double[] n : rows) {
                if (n[1] == 0) {
                    pairs++;
                    ordered += p[0] > n[0] ? 1 : p[0] == n[0] ? 0.5 : 0;
                }
            }
        }
        assertThat(s.auc()).as("seed " + seed).isCloseTo(ordered / pairs, within(1e-12));
        assertThat(s.logLoss()).as("seed " + seed).isCloseTo(loss / rows.size(), within(1e-12));
        rows.sort(Comparator.<double[]>comparingDouble(x -> -x[0]).thenComparingDouble(x -> x[1]));
        for (int k : new int[] {1, 7, 50, 333}) {
            double hits = rows.subList(0, Math.min(k, rows.size())).stream().mapToDouble(x -> x[1]).sum();
            assertThat(s.precisionAt(k)).as("seed " + seed + ", k " + k).isEqualTo(hits / Math.min(k, rows.size()));
        }
        assertThat(Scores.thin(s.roc(), 10)).hasSize(10).startsWith(new CurvePoint(0, 0)).endsWith(new CurvePoint(1, 1));
    }
}
