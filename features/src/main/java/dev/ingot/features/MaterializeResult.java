package dev.ingot.features;

import dev.ingot.core.Errors;
import dev.ingot.core.TableName;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a materialization did.
 *
 * @param view the feature view
 * @param version its definition version
 * @param change how the version was decided
 * @param table the feature table written
 * @param deltaVersion the table's Delta version after the last commit
 * @param from start of the event-time range (inclusive)
 * @param to end of the range (exclusive)
 * @param rowsWritten feature rows written for the range
 * @param chunks how many chunks (one Delta commit each) the range took
 * @param rawTilesComputed tiles computed from raw events (history tiles computed because they were missing included)
 * @param seconds wall time of the whole call (reading the source and the registry, every chunk, the registry update)
 * @param gate what the view's quality gate said, when it names {@code checks}
 */
public record MaterializeResult(String view, int version, Change change, TableName table, long deltaVersion,
                                Instant from, Instant to, long rowsWritten, int chunks, long rawTilesComputed,
                                double seconds, Optional<GateSummary> gate) {
    public MaterializeResult {
        Errors.required(view, "MaterializeResult.view");
        Errors.required(change, "MaterializeResult.change");
        Errors.required(table, "MaterializeResult.table");
        Errors.required(gate, "MaterializeResult.gate (Optional.empty() for none)");
    }

    /** How a materialization decided the definition version it wrote. */
    public enum Change {
        /** A first or incompatible definition: a new version, a new table. */
        NEW,
        /** Features were added to a compatible definition: the version's table schema evolved in place. */
        EVOLVED,
        /** The definition of an existing version, unchanged. */
        UNCHANGED;

        /** The lower-case word printed by the command line ({@code new}, {@code evolved}, {@code unchanged}). */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What the quality gate let through over every chunk of a run.
     *
     * @param suites the suites the view names
     * @param quarantinedRows rows moved to {@code quality.<table>__quarantine} instead of being published
     * @param warnings warning-level checks that failed (the rows were published), one line each
     * @param reports the HTML reports written, one per chunk
     */
    public record GateSummary(List<String> suites, long quarantinedRows, List<String> warnings, List<Path> reports) {
        public GateSummary {
            suites = List.copyOf(Errors.required(suites, "GateSummary.suites"));
            if (quarantinedRows < 0) {
                throw Errors.badArgument("GateSummary.quarantinedRows", quarantinedRows, "a count from 0");
            }
            warnings = List.copyOf(Errors.required(warnings, "GateSummary.warnings"));
            reports = List.copyOf(Errors.required(reports, "GateSummary.reports"));
        }
    }
}
