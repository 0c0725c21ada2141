package dev.ingot.core;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Currency;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a core-hour of compute costs ({@code cost.price_per_core_hour} and {@code cost.currency} in {@code ingot.yaml}),
 * and the arithmetic that turns CPU seconds into money: a training run's cost, an inference's cost per million
 * predictions. CPU seconds are what Spark's task metrics measure; a core-hour is 3,600 of them.
 *
 * @param perCoreHour the price of one core-hour, positive
 * @param currency its ISO 4217 code, upper case ({@code USD}, {@code EUR})
 */
public record CorePrice(double perCoreHour, String currency) {
    private static final Pattern CODE = Pattern.compile("[A-Z]{3}");
    private static final double SECONDS_PER_HOUR = 3600.0;

    public CorePrice {
        if (!(perCoreHour > 0) || Double.isInfinite(perCoreHour)) {
            throw Errors.invalidDefinition("price per core-hour", perCoreHour + " is not a positive number",
                    "give the price of one core-hour, e.g. 0.05");
        }
        Errors.required(currency, "CorePrice.currency");
        currencyProblem(currency).ifPresent(p -> {
            throw Errors.invalidDefinition("currency", p, "give an ISO 4217 code such as USD or EUR");
        });
    }

    /**
     * Why {@code code} is not a currency this record takes, or empty when it is one: three upper-case letters that
     * ISO 4217 knows. The loader reports it against the key; the constructor throws it.
     */
    public static Optional<String> currencyProblem(String code) {
        if (!CODE.matcher(code).matches()) {
            return Optional.of("'" + code + "' is not a three-letter currency code"
                    + (CODE.matcher(code.toUpperCase(Locale.ROOT)).matches() ? " in upper case" : ""));
        }
        try {
            Currency.getInstance(code);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("'" + code + "' is not an ISO 4217 currency code");
        }
    }

    /** What {@code cpuSeconds} of compute cost at this price. */
    public Money cost(double cpuSeconds) {
        requireSeconds(cpuSeconds);
        return new Money(cpuSeconds / SECONDS_PER_HOUR * perCoreHour, currency);
    }

    /**
     * What a million rows (predictions) cost when {@code rows} of them took {@code cpuSeconds}.
     *
     * @throws IngotException with exit code 2 when {@code rows} is not positive
     */
    public Money perMillion(double cpuSeconds, long rows) {
        requireSeconds(cpuSeconds);
        if (rows <= 0) {
            throw Errors.invalidDefinition("row count of a cost per million", rows + " rows", "count at least one row");
        }
        return cost(cpuSeconds * 1_000_000.0 / rows);
    }

    private static void requireSeconds(double cpuSeconds) {
        if (!(cpuSeconds >= 0) || Double.isInfinite(cpuSeconds)) {
            throw Errors.invalidDefinition("CPU time", cpuSeconds + " seconds", "give a finite number of seconds >= 0");
        }
    }

    /** {@code 0.05 USD per core-hour}. */
    @Override
    public String toString() {
        return Money.plain(perCoreHour) + " " + currency + " per core-hour";
    }

    /**
     * An amount of money.
     *
     * @param amount the amount, >= 0
     * @param currency its ISO 4217 code
     */
    public record Money(double amount, String currency) {
        /** Four significant digits: enough for a cost, and the same text for the same amount. */
        private static final MathContext DIGITS = new MathContext(4);

        public Money {
            Errors.required(currency, "CorePrice.Money.currency");
        }

        /** The amount to four significant digits, without exponent: {@code 0.0001389}, {@code 12.35}, {@code 0}. */
        public String amountText() {
            return plain(amount);
        }

        /** {@code 0.0001389 USD}. */
        @Override
        public String toString() {
            return amountText() + " " + currency;
        }

        static String plain(double d) {
            return d == 0 ? "0" : new BigDecimal(d).round(DIGITS).stripTrailingZeros().toPlainString();
        }
    }
}
