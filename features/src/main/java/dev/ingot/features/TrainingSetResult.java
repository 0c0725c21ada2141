package dev.ingot.features;

import dev.ingot.core.TableName;
import java.util.List;

/**
 * A training set written to a Delta table.
 *
 * @param table the table written
 * @param deltaVersion its Delta version
 * @param rows spine rows (every one kept exactly once)
 * @param featureTables the feature tables joined, each as {@code table@deltaVersion}
 * @param nonNullFraction per feature, the fraction of spine rows that found a value
 * @param seconds wall time
 */
public record TrainingSetResult(TableName table, long deltaVersion, long rows, List<String> featureTables,
                                java.util.Map<String, Double> nonNullFraction, double seconds) {}
