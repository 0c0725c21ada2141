package dev.ingot.features;

import dev.ingot.core.TableName;
import java.time.Instant;

/**
 * What a materialization did.
 *
 * @param view the feature view
 * @param version its definition version
 * @param change how the version was decided: {@code new} (first or incompatible definition), {@code evolved}
 *     (features added; schema evolved in place) or {@code unchanged}
 * @param table the feature table written
 * @param deltaVersion the table's Delta version after the last commit
 * @param from start of the event-time range (inclusive)
 * @param to end of the range (exclusive)
 * @param rowsWritten feature rows written for the range
 * @param chunks how many chunks (one Delta commit each) the range took
 * @param rawTilesComputed tiles computed from raw events (history tiles computed because they were missing included)
 * @param seconds wall time of the whole call (reading the source and the registry, every chunk, the registry update)
 */
public record MaterializeResult(String view, int version, String change, TableName table, long deltaVersion,
                                Instant from, Instant to, long rowsWritten, int chunks, long rawTilesComputed,
                                double seconds) {}
