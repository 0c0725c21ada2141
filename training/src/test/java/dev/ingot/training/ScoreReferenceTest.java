package dev.ingot.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ingot.core.IngotException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreReferenceTest {
    @Test
    void distinctScoresGiveTenBinsOfATenthWithEdgesHalfwayBetweenNeighbours() {
        double[] v = new double[100];
        long[] n = new long[100];
        for (int i = 0; i < 100; i++) {
            v[99 - i] = i / 100.0; // given in any order
            n[i] = 1;
        }
        ScoreReference r = ScoreReference.of(ScoreReference.PROBABILITY, v, n).orElseThrow();
        assertThat(r.counts()).containsExactly(10L, 10L, 10L, 10L, 10L, 10L, 10L, 10L, 10L, 10L);
        assertThat(r.edges()).hasSize(9);
        assertThat(r.edges().get(0)).isCloseTo(0.095, within(1e-12));
        assertThat(r.edges().get(8)).isCloseTo(0.895, within(1e-12));
        assertThat(r.bin(0.09)).isZero();
        assertThat(r.bin(0.0951)).isEqualTo(1);
        assertThat(r.bin(-5)).isZero();
        assertThat(r.bin(7)).isEqualTo(9);
        assertThat(r.label(0)).isEqualTo("(-inf, 0.09500]");
        assertThat(r.label(9)).isEqualTo("(0.8950, +inf)");
        assertThat(r.psi(r.counts().stream().mapToLong(Long::longValue).toArray())).isZero();
    }

    @Test
    void tiesAreNeverSplitSoFewDistinctScoresGiveFewerBins() {
        // A shallow tree: three leaves holding 50, 30 and 20 rows; the second value is given twice (two labels).
        ScoreReference r = ScoreReference.of(ScoreReference.PROBABILITY, new double[] {0.2, 0.7, 0.5, 0.5},
                new long[] {50, 20, 10, 20}).orElseThrow();
        assertThat(r.edges()).containsExactly(0.35, 0.6);
        assertThat(r.counts()).containsExactly(50L, 30L, 20L);
        assertThat(Arrays.stream(r.fractions()).boxed().toList()).containsExactly(0.5, 0.3, 0.2);
        ScoreReference one = ScoreReference.of(ScoreReference.PREDICTION, new double[] {3.0}, new long[] {8}).orElseThrow();
        assertThat(one.edges()).isEmpty();
        assertThat(one.counts()).containsExactly(8L);
        assertThat(ScoreReference.of(ScoreReference.PREDICTION, new double[] {Double.NaN}, new long[] {3})).isEmpty();
    }

    @Test
    void randomScoresBinAsALinearScanDoesWithSharesNearATenth() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int round = 0; round < 100; round++) {
            int distinct = 1 + random.nextInt(300);
            double[] v = random.doubles(distinct).map(x -> Math.floor(x * 1000) / 1000).toArray();
            long[] n = random.longs(distinct, 1, random.nextBoolean() ? 2 : 40).toArray();
            ScoreReference r = ScoreReference.of(ScoreReference.PROBABILITY, v, n).orElseThrow();
            String why = "seed " + seed + ", round " + round;
            long[] counts = new long[r.bins()];
            for (int i = 0; i < v.length; i++) {
                int b = 0;
                while (b < r.edges().size() && v[i] > r.edges().get(b)) {
                    b++;
                }
                assertThat(r.bin(v[i])).as(why).isEqualTo(b);
                counts[b] += n[i];
            }
            assertThat(r.counts()).as(why).containsExactly(Arrays.stream(counts).boxed().toArray(Long[]::new));
            assertThat(r.bins()).as(why).isBetween(1, ScoreReference.BINS);
            long total = Arrays.stream(n).sum();
            // Each edge sits right after the value at which the cumulative share reaches a decile: the rows at or
            // below it reach the decile, the rows below that value do not.
            for (double e : r.edges()) {
                double below = e;
                long atOrBelow = 0;
                long atValue = 0;
                double value = Arrays.stream(v).filter(x -> x < below).max().orElseThrow();
                for (int i = 0; i < v.length; i++) {
                    atOrBelow += v[i] < e ? n[i] : 0;
                    atValue += v[i] == value ? n[i] : 0;
                }
                long before = atOrBelow - atValue;
                boolean decile = false;
                for (int k = 1; k < ScoreReference.BINS; k++) {
                    decile |= before * ScoreReference.BINS < k * total && atOrBelow * ScoreReference.BINS >= k * total;
                }
                assertThat(decile).as(why + ": edge " + e + " after " + before + " to " + atOrBelow + " of " + total).isTrue();
            }
            for (double e : r.edges()) {
                assertThat(Arrays.stream(v).anyMatch(x -> x == e)).as(why + ": edge " + e + " is between scores").isFalse();
            }
        }
    }

    @Test
    void jsonRoundTripsAndBadTextIsBadInputNamingTheSource() {
        ScoreReference r = new ScoreReference(ScoreReference.PREDICTION, List.of(-1.5, 0.25), List.of(3L, 4L, 5L));
        assertThat(ScoreReference.parse(r.toJson(), "x")).isEqualTo(r);
        assertThat(r.toJson()).contains("\"fractions\"").contains("\"rows\" : 12");
        assertThatThrownBy(() -> ScoreReference.parse("{\"score\": \"p\", \"edges\": [1], \"counts\": [1]}", "runs:/r/d.json"))
                .isInstanceOf(IngotException.class).hasMessageContaining("runs:/r/d.json")
                .hasMessageContaining("one more bin than inner edges");
        assertThatThrownBy(() -> new ScoreReference("p", List.of(0.5, 0.5), List.of(1L, 1L, 1L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("increasing");
    }
}
