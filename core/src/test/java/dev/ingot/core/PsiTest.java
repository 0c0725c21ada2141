package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

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
}
