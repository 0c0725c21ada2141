package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PsiTest {
    @Test
    void equalSharesGiveZeroWhateverTheTotals() {
        assertThat(Psi.of(new long[] {10, 20, 30}, new long[] {100, 200, 300})).isEqualTo(0.0);
    }

    @Test
    void sharesGiveTheTextbookSum() {
        // e = (0.5, 0.5), a = (0.25, 0.75): (0.25-0.5)ln(0.5) + (0.75-0.5)ln(1.5)
        double expected = -0.25 * Math.log(0.5) + 0.25 * Math.log(1.5);
        assertThat(Psi.of(new long[] {2, 2}, new long[] {1, 3})).isCloseTo(expected, within(1e-12));
    }

    @Test
    void anEmptyBinIsFlooredAtEpsilonNotInfinite() {
        double expected = (1 - Psi.EPSILON) * Math.log(1 / Psi.EPSILON) + (Psi.EPSILON - 1) * Math.log(Psi.EPSILON);
        assertThat(Psi.of(new long[] {5, 0}, new long[] {0, 5})).as("both bins swap all their mass")
                .isCloseTo(expected, within(1e-9)).isFinite();
    }

    @Test
    void binsOfDifferentLengthsAreBadInput() {
        assertThatThrownBy(() -> Psi.of(new long[] {1}, new long[] {1, 2})).isInstanceOf(IngotException.class)
                .hasMessageContaining("same bins");
    }

    @Test
    void verdictsAtTheUsualThresholds() {
        assertThat(Psi.verdict(0.0)).isEqualTo("stable");
        assertThat(Psi.verdict(0.0999)).isEqualTo("stable");
        assertThat(Psi.verdict(0.1)).isEqualTo("moderate");
        assertThat(Psi.verdict(0.2499)).isEqualTo("moderate");
        assertThat(Psi.verdict(0.25)).isEqualTo("shifted");
        assertThat(Psi.describe(0.0344)).isEqualTo("0.034, stable (stable < 0.1 <= moderate < 0.25 <= shifted)");
    }

    @Test
    void matchesABruteForceComputationOnRandomData() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            int bins = 1 + random.nextInt(12);
            // Raw values binned by a linear scan over random edges: the histograms PSI is usually taken of.
            double[] edges = random.doubles(bins - 1).sorted().toArray();
            long[] e = histogram(random, edges, 1 + random.nextInt(500), 0.0);
            long[] a = histogram(random, edges, 1 + random.nextInt(500), random.nextDouble() * 0.5);
            long eTotal = java.util.Arrays.stream(e).sum();
            long aTotal = java.util.Arrays.stream(a).sum();
            double brute = 0;
            for (int i = 0; i < bins; i++) {
                double es = e[i] == 0 ? Psi.EPSILON : Math.max((double) e[i] / eTotal, Psi.EPSILON);
                double as = a[i] == 0 ? Psi.EPSILON : Math.max((double) a[i] / aTotal, Psi.EPSILON);
                brute += as * Math.log(as / es) + es * Math.log(es / as);
            }
            assertThat(Psi.of(e, a)).as("seed %d, round %d: %s vs %s", seed, round, java.util.Arrays.toString(e),
                    java.util.Arrays.toString(a)).isCloseTo(brute, within(1e-9)).isGreaterThanOrEqualTo(0);
        }
    }

    private static long[] histogram(Random random, double[] edges, int n, double shift) {
        long[] counts = new long[edges.length + 1];
        for (int i = 0; i < n; i++) {
            double v = random.nextDouble() + shift;
            int b = 0;
            while (b < edges.length && v > edges[b]) {
                b++;
            }
            counts[b]++;
        }
        return counts;
    }
}
