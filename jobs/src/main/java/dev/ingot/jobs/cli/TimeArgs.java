package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Parses --from/--to: a UTC date (2026-01-01) or an ISO instant (2026-01-01T06:00:00Z); and --date: a date. */
final class TimeArgs {
    private TimeArgs() {}

    static Instant parse(String option, String value) {
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw Errors.badArgument(option, value, "a UTC date such as 2026-01-01 or an instant such as 2026-01-01T06:00:00Z");
        }
    }

    /** A date {@code YYYY-MM-DD}; bad input naming the option otherwise. */
    static LocalDate date(String option, String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw Errors.badArgument(option, value, "a date YYYY-MM-DD (e.g. 2026-11-30)");
        }
    }
}
