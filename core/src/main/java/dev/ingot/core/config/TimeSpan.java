package dev.ingot.core.config;

import dev.ingot.core.Errors;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A span of time written as a whole number and a unit: {@code 30m}, {@code 1h}, {@code 7d}. Used for windows,
 * cadences and ttls, where calendar months make no sense (a "30d" window is always 30 x 24 hours).
 *
 * @param seconds the length in seconds, positive
 * @param text how it was written, for messages and table metadata
 */
public record TimeSpan(long seconds, String text) implements Comparable<TimeSpan> {
    private static final Pattern FORM = Pattern.compile("([1-9][0-9]{0,5})([mhd])");

    /** @throws dev.ingot.core.IngotException (bad input) when the span is not positive or has no text */
    public TimeSpan {
        Errors.required(text, "TimeSpan.text");
        if (seconds <= 0) {
            throw Errors.badArgument("time span", text + " (" + seconds + " s)", "a positive span such as 30m, 1h or 7d");
        }
    }

    /** Parses {@code <n>m}, {@code <n>h} or {@code <n>d}; empty when it is not of that form (or null). */
    public static Optional<TimeSpan> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        Matcher m = FORM.matcher(s.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2)) {
            case "m" -> 60L;
            case "h" -> 3600L;
            default -> 86400L;
        };
        return Optional.of(new TimeSpan(n * unit, s.trim()));
    }

    /** One hour. */
    public static TimeSpan hour() {
        return new TimeSpan(3600, "1h");
    }

    /** One day. */
    public static TimeSpan day() {
        return new TimeSpan(86400, "1d");
    }

    /** Whether this is a whole multiple of {@code other}. */
    public boolean isMultipleOf(TimeSpan other) {
        return seconds % other.seconds == 0;
    }

    @Override
    public int compareTo(TimeSpan o) {
        return Long.compare(seconds, o.seconds);
    }

    @Override
    public String toString() {
        return text;
    }
}
