package dev.ingot.validation;

import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.validation.internal.DeequRun;
import dev.ingot.validation.internal.Preflight;
import dev.ingot.validation.internal.QualityTables;
import dev.ingot.core.Tables;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Runs quality suites ({@code checks/*.yaml}) over any data, with Deequ underneath and no Scala in sight.
 *
 * <pre>{@code
 * ValidationResult r = Validator.of(spark).validate(spark.table("features.customer_spend_v1"), suite);
 * if (!r.passed()) System.err.println(r.summary());
 * }</pre>
 *
 * <p>Every check of every suite is computed in one shared scan of the data. Suites are checked against the data's
 * schema first: a check on a missing column, or a predicate that does not resolve, is reported (exit code 2) before
 * any job starts. Immutable and thread-safe; configure with the {@code with...} methods, which return a new validator.
 */
public final class Validator {
    private final SparkSession spark;
    private final Optional<TableName> table;
    private final OptionalLong deltaVersion;
    private final boolean candidate;
    private final boolean history;

    private Validator(SparkSession spark, Optional<TableName> table, OptionalLong deltaVersion, boolean candidate,
                      boolean history) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.table = table;
        this.deltaVersion = deltaVersion;
        this.candidate = candidate;
        this.history = history;
    }

    /** A validator on a session. */
    public static Validator of(SparkSession spark) {
        return new Validator(spark, Optional.empty(), OptionalLong.empty(), false, false);
    }

    /**
     * Validates a table as it is now: its current Delta version is recorded, and drift checks with
     * {@code reference: previous} compare with the version before.
     */
    public Validator withTable(TableName table) {
        return new Validator(spark, Optional.of(table), OptionalLong.of(Gate.currentVersion(spark, table)), false, history);
    }

    /** Appends every run's metrics to {@code quality.metrics} and check outcomes to {@code quality.results}. */
    public Validator withHistory() {
        return new Validator(spark, table, deltaVersion, candidate, true);
    }

    Validator asCandidateFor(TableName target) {
        return new Validator(spark, Optional.of(target), OptionalLong.of(Gate.currentVersion(spark, target)), true, true);
    }

    /**
     * Names the table the data is (or will be published to), and its Delta version, for results and history.
     *
     * @param table the table
     * @param deltaVersion its Delta version: the one read, or for data about to be published, the version before
     */
    public Validator withTable(TableName table, long deltaVersion) {
        return new Validator(spark, Optional.of(table), OptionalLong.of(deltaVersion), false, history);
    }

    /** Runs one suite over the data. */
    public ValidationResult validate(Dataset<Row> data, CheckSuiteDef suite) {
        return validate(data, List.of(suite));
    }

    /**
     * Runs suites over the data in one scan (two reads of a cached projection when a {@code quarantine} suite has
     * row-level checks). Rows failing quarantining checks are counted, not moved: {@link Gate} moves them.
     *
     * @throws dev.ingot.core.InvalidConfigException (exit code 2) when a check does not fit the data's schema
     */
    public ValidationResult validate(Dataset<Row> data, List<CheckSuiteDef> suites) {
        long time = System.currentTimeMillis();
        try (DeequRun run = start(data, suites, time)) {
            ValidationResult result = result(run, time);
            if (history) {
                QualityTables.record(spark, result, run);
            }
            return result;
        }
    }

    DeequRun start(Dataset<Row> data, List<CheckSuiteDef> suites, long time) {
        Objects.requireNonNull(data, "data");
        if (suites.isEmpty()) {
            throw new IllegalArgumentException("no suites to validate with");
        }
        Preflight.check(data, suites, table.map(TableName::toString).orElse("the data"));
        return DeequRun.run(data, suites, new DeequRun.Context(spark, table, deltaVersion, candidate, time,
                Tables.QUALITY_METRICS));
    }

    ValidationResult result(DeequRun run, long time) {
        return new ValidationResult(UUID.randomUUID().toString(), table.map(TableName::toString), deltaVersion,
                time, run.rows(), run.quarantinedRows(), run.results(), run.metrics());
    }

    SparkSession spark() {
        return spark;
    }
}
