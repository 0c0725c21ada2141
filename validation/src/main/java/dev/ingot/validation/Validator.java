package dev.ingot.validation;

import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.validation.internal.DeequRun;
import dev.ingot.validation.internal.Preflight;
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

    private Validator(SparkSession spark, Optional<TableName> table, OptionalLong deltaVersion) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.table = table;
        this.deltaVersion = deltaVersion;
    }

    /** A validator on a session. */
    public static Validator of(SparkSession spark) {
        return new Validator(spark, Optional.empty(), OptionalLong.empty());
    }

    /**
     * Names the table the data is (or will be published to), and its Delta version, for results and history.
     *
     * @param table the table
     * @param deltaVersion its Delta version: the one read, or for data about to be published, the version before
     */
    public Validator withTable(TableName table, long deltaVersion) {
        return new Validator(spark, Optional.of(table), OptionalLong.of(deltaVersion));
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
        try (DeequRun run = start(data, suites)) {
            return result(run);
        }
    }

    DeequRun start(Dataset<Row> data, List<CheckSuiteDef> suites) {
        Objects.requireNonNull(data, "data");
        if (suites.isEmpty()) {
            throw new IllegalArgumentException("no suites to validate with");
        }
        Preflight.check(data, suites, table.map(TableName::toString).orElse("the data"));
        return DeequRun.run(data, suites);
    }

    ValidationResult result(DeequRun run) {
        return new ValidationResult(UUID.randomUUID().toString(), table.map(TableName::toString), deltaVersion,
                System.currentTimeMillis(), run.rows(), run.quarantinedRows(), run.results(), run.metrics());
    }

    SparkSession spark() {
        return spark;
    }
}
