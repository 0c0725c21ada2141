package dev.ingot.validation.internal;

import dev.ingot.core.TableName;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.spark.sql.SparkSession;

/**
 * Where the data of a run comes from, for history and references.
 *
 * @param spark the session
 * @param table the table validated, or the target of a candidate
 * @param deltaVersion the table's Delta version (for a candidate: the target's before publishing; -1 when none)
 * @param candidate whether the data is rows about to be published to {@code table} rather than the table itself
 * @param timeMillis the run's time
 * @param metricsTable where metric history lives
 */
public record RunContext(SparkSession spark, Optional<TableName> table, OptionalLong deltaVersion, boolean candidate,
                         long timeMillis, TableName metricsTable) {}
