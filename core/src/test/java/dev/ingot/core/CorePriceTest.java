package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CorePriceTest {
    private static final CorePrice PRICE = new CorePrice(0.05, "USD");

    @Test
    void aCoreHourIs3600CpuSecondsAtThePrice() {
        assertThat(PRICE.cost(3600).amount()).isEqualTo(0.05);
        assertThat(PRICE.cost(1800)).hasToString("0.025 USD");
        assertThat(PRICE.cost(0).amountText()).isEqualTo("0");
        assertThat(PRICE.cost(10).amountText()).as("10 s = 0.05 / 360, four significant digits, no exponent")
                .isEqualTo("0.0001389");
        assertThat(new CorePrice(2.5, "EUR").cost(7 * 3600.0)).hasToString("17.5 EUR");
        assertThat(PRICE).hasToString("0.05 USD per core-hour");
    }

    @Test
    void perMillionScalesTheCpuTimeOfTheRowsCounted() {
        // 36 CPU seconds for 100,000 rows: 360 s for a million, a tenth of a core-hour.
        assertThat(PRICE.perMillion(36, 100_000).amount()).isCloseTo(0.005, within(1e-15));
        assertThat(PRICE.perMillion(36, 100_000)).hasToString("0.005 USD");
        assertThatThrownBy(() -> PRICE.perMillion(36, 0)).isInstanceOf(IngotException.class)
                .hasMessageContaining("0 rows").hasMessageContaining("at least one row");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -0.05, Double.NaN, Double.POSITIVE_INFINITY})
    void aPriceMustBePositive(double price) {
        assertThatThrownBy(() -> new CorePrice(price, "USD")).isInstanceOf(IngotException.class)
                .satisfies(e -> assertThat(((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("not a positive number").hasMessageContaining("0.05");
    }

    @Test
    void cpuSecondsMustBeAFiniteNumberAtLeastZero() {
        assertThatThrownBy(() -> PRICE.cost(-1)).isInstanceOf(IngotException.class).hasMessageContaining("-1.0 seconds");
        assertThatThrownBy(() -> PRICE.cost(Double.NaN)).isInstanceOf(IngotException.class);
    }

    @Test
    void theCurrencyIsAnUpperCaseIso4217Code() {
        assertThat(CorePrice.currencyProblem("EUR")).isEmpty();
        assertThat(CorePrice.currencyProblem("eur")).contains("'eur' is not a three-letter currency code in upper case");
        assertThat(CorePrice.currencyProblem("EURO")).contains("'EURO' is not a three-letter currency code");
        assertThat(CorePrice.currencyProblem("ABC")).contains("'ABC' is not an ISO 4217 currency code");
        assertThatThrownBy(() -> new CorePrice(0.05, "usd")).isInstanceOf(IngotException.class)
                .hasMessageContaining("'usd'").hasMessageContaining("ISO 4217");
        assertThatThrownBy(() -> new CorePrice(0.05, null)).isInstanceOf(IngotException.class)
                .hasMessageContaining("CorePrice.currency");
    }
}
