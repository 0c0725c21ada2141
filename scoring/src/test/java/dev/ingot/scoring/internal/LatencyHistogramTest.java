package dev.ingot.scoring.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The histogram's percentiles against a brute-force sort of the same durations, split across merged copies. */
class LatencyHistogramTest {
    private static final double[] QUANTILES = {0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0};

    @Test
    void percentilesOfMergedHistogramsMatchASortWithinTheBucketPrecision() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int round = 0; round < 20; round++) {
            int n = 1 + random.nextInt(5_000);
            long[] all = new long[n];
            LatencyHistogram[] parts = {new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()};
            for (int i = 0; i < n; i++) {
                // Log-normal around a millisecond with a long tail, from microseconds to seconds: batch times.
                all[i] = Math.max(1_000, Math.min((long) 1e12, (long) (1e6 * Math.exp(2 * random.nextGaussian()))));
                parts[random.nextInt(parts.length)].add(all[i]);
            }
            LatencyHistogram merged = new LatencyHistogram();
            for (LatencyHistogram part : parts) {
                merged.merge(part.copy());
            }
            Arrays.sort(all);
            assertThat(merged.count()).as("seed %d", seed).isEqualTo(n);
            assertThat(merged.totalNanos()).as("seed %d: the sum is exact", seed).isEqualTo(Arrays.stream(all).sum());
            for (double q : QUANTILES) {
                double exact = all[(int) Math.max(1, Math.ceil(q * n)) - 1];
                assertThat(merged.percentile(q)).as("seed %d, %d durations, quantile %s", seed, n, q)
                        .isCloseTo(exact, within(exact * 0.025));
            }
            assertThat(merged.percentile(1.0)).as("seed %d: the maximum is exact", seed).isEqualTo((double) all[n - 1]);
        }
    }

    @Test
    void anEmptyHistogramReadsZeroAndAnAccumulatorCopyIsIndependent() {
        LatencyAccumulator acc = new LatencyAccumulator();
        assertThat(acc.isZero()).isTrue();
        assertThat(acc.value().percentile(0.99)).isZero();
        acc.record(2_000_000, 1_500_000);
        LatencyAccumulator copy = (LatencyAccumulator) acc.copy();
        copy.record(4_000_000);
        acc.merge(copy);
        assertThat(acc.value().count()).isEqualTo(3);
        assertThat(copy.value().count()).isEqualTo(2);
        assertThat(acc.value().percentile(1.0)).isEqualTo(4_000_000.0);
        assertThat(acc.value().totalNanos()).as("2 ms + 2 ms + 4 ms").isEqualTo(8_000_000);
        assertThat(copy.value().totalNanos()).isEqualTo(6_000_000);
        assertThat(acc.value().cpuNanos()).as("the CPU time recorded once, merged once").isEqualTo(3_000_000);
        acc.reset();
        assertThat(acc.isZero()).isTrue();
        assertThat(acc.value().totalNanos()).isZero();
        assertThat(acc.value().cpuNanos()).isZero();
    }
}
