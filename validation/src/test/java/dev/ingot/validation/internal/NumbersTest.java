package dev.ingot.validation.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NumbersTest {
    @Test
    void exactPrintsEnoughDigitsToTellAFailedValueFromItsBound() {
        assertThat(Numbers.exact(0.999999, 4)).isEqualTo("0.999999");
        assertThat(Numbers.exact(0.99999999, 4)).isEqualTo("0.99999999");
        assertThat(Numbers.exact(0.25, 4)).isEqualTo("0.25");
        assertThat(Numbers.exact(1.0 / 3, 4)).isEqualTo("0.3333333333333333");
        assertThat(Numbers.exact(200000, 4)).isEqualTo("200000");
        assertThat(Numbers.exact(1.5e-7, 4)).isEqualTo("1.5e-07");
        assertThat(Double.parseDouble(Numbers.exact(0.1 + 0.2, 4))).isEqualTo(0.1 + 0.2);
    }

    @Test
    void besideItsBoundsAValueHasTheDigitsThatKeepItOnItsSide() {
        assertThat(Numbers.beside(0.999999, ">= 1", 4)).isEqualTo("0.999999");
        assertThat(Numbers.beside(48.333333333333336, "<= 30", 4)).isEqualTo("48.33");
        assertThat(Numbers.beside(30.00004, "in [0, 30]", 6)).isEqualTo("30.00004");
        assertThat(Numbers.beside(0.875, ">= 0.9", 4)).isEqualTo("0.875");
        assertThat(Numbers.beside(-0.0000012, ">= 0", 4)).isEqualTo("-1.2e-06");
        assertThat(Numbers.beside(0.999999, "1 (every value)", 4)).isEqualTo("0.999999");
        assertThat(Numbers.beside(0.25, "", 4)).as("no bounds: exact").isEqualTo("0.25");
    }

    @Test
    void axisLabelsAreShortAndDifferWhenTheValuesDo() {
        assertThat(Numbers.axis(180000, 220000)).containsExactly("180k", "220k");
        assertThat(Numbers.axis(0, 1_500_000)).containsExactly("0", "1.5M");
        assertThat(Numbers.axis(199_990, 200_010)).containsExactly("199.99k", "200.01k");
        assertThat(Numbers.axis(-2.5e9, 7e12)).containsExactly("-2.5G", "7T");
        assertThat(Numbers.axis(0.9995, 1.0)).containsExactly("0.9995", "1");
        assertThat(Numbers.axis(999.7, 1000.2)).as("999.7 and 1000 read apart").containsExactly("999.7", "1k");
        assertThat(Numbers.axis(0.25, 0.5)).containsExactly("0.25", "0.5");
    }
}
