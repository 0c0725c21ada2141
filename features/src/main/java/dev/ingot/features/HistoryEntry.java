package dev.ingot.features;

import java.time.Instant;
import java.util.Optional;

/**
 * One commit of a feature table, with its lineage.
 *
 * @param view the feature view
 * @param version the definition version (the table {@code features.<view>_v<version>})
 * @param deltaVersion the Delta version of the commit
 * @param time when it committed
 * @param operation Delta's operation (e.g. {@code WRITE}, {@code CREATE TABLE AS SELECT})
 * @param rowsWritten rows the commit wrote
 * @param definitionHash the definition the rows were computed with
 * @param sources what was read, with Delta versions (e.g. {@code transactions=raw.transactions@12})
 * @param range the event-time range written
 * @param runId the Ingot run
 */
public record HistoryEntry(String view, int version, long deltaVersion, Instant time, String operation,
                           long rowsWritten, Optional<String> definitionHash, String sources, String range,
                           Optional<String> runId) {}
