package dev.ingot.core;

import java.time.Instant;

/**
 * An event-time range [from, to): what {@code --from} and {@code --to} ask a command to compute. The one place that
 * holds the rule that a range starts before it ends, so that the command line and the Java API refuse the same
 * ranges with the same words.
 *
 * @param from the start, inclusive
 * @param to the end, exclusive; after {@code from}
 */
public record TimeRange(Instant from, Instant to) {
    /** @throws IngotException (bad input) when either end is missing or {@code from} is not before {@code to} */
    public TimeRange {
        Errors.required(from, "the start of a time range (--from)");
        Errors.required(to, "the end of a time range (--to)");
        if (!from.isBefore(to)) {
            throw Errors.badRange(from, to);
        }
    }

    @Override
    public String toString() {
        return "[" + from + ", " + to + ")";
    }
}
