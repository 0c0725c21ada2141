package dev.ingot.validation;

import dev.ingot.core.Errors;
import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.validation.internal.DeequRun;
import dev.ingot.validation.internal.Preflight;
import dev.ingot.validation.internal.QualityTables;
import dev.ingot.validation.internal.RunContext;
import dev.ingot.core.Tables;
import java.nio.file.Path;
import java.util.List;
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
    private final Optional<Path> reportDir;

    private Validator(SparkSession spark, Optional<TableName> table, OptionalLong deltaVersion, boolean candidate,
                      boolean history, Optional<Path> reportDir) {
        this.spark = Errors.required(spark, "the SparkSession of a validator");
        this.table = table;
        this.deltaVersion = deltaVersion;
        this.candidate = candidate;
        this.history = history;
        this.reportDir = reportDir;
    }

    /** A validator on a session: no history recorded, no report written, until asked for. */
    public static Validator of(SparkSession spark) {
        return new Validator(spark, Optional.empty(), OptionalLong.empty(), false, false, Optional.empty());
    }

    /** Writes an HTML report of every run into {@code dir} ({@link ValidationResult#report()}). */
    public Validator withReports(Path dir) {
        return new Validator(spark, table, deltaVersion, candidate, history,
                Optional.of(Errors.required(dir, "the reports directory of a validator")));
    }

    /**
     * Validates a table at its current Delta version (pinned, so that a concurrent write does not mix versions),
     * recording metrics and results in the history: what {@code ingot validate --table T} runs.
     *
     * @throws dev.ingot.core.IngotException (exit code 2) when the table does not exist, or a check does not fit it
     */
    public ValidationResult validateTable(TableName table, List<CheckSuiteDef> suites) {
        Errors.required(table, "the table to validate");
        checkSuites(suites);
        if (!dev.ingot.core.Catalog.tableExists(spark, table)) {
            throw dev.ingot.core.Errors.badData("validate " + table, "the table does not exist",
                    "name an existing table, e.g. one listed by SHOW TABLES IN " + table.database());
        }
        Validator v = withTable(table).withHistory();
        long version = v.deltaVersion.getAsLong();
        Dataset<Row> data = version >= 0
                ? spark.sql("SELECT * FROM " + table.sql() + " VERSION AS OF " + version)
                : spark.table(table.toString());
        return v.validate(data, suites);
    }

    /**
     * Validates a table as it is now: its current Delta version is recorded, and drift checks with
     * {@code reference: previous} compare with the version before.
     */
    public Validator withTable(TableName table) {
        Errors.required(table, "the table of a validator");
        return new Validator(spark, Optional.of(table), OptionalLong.of(Lineage.latestVersion(spark, table)), false, history,
                reportDir);
    }

    /** Appends every run's metrics to {@code quality.metrics} and check outcomes to {@code quality.results}. */
    public Validator withHistory() {
        return new Validator(spark, table, deltaVersion, candidate, true, reportDir);
    }

    Validator asCandidateFor(TableName target) {
        return new Validator(spark, Optional.of(target), OptionalLong.of(Lineage.latestVersion(spark, target)), true, true,
                Optional.empty());
    }

    /**
     * Names the table the data is (or will be published to), and its Delta version, for results and history.
     *
     * @param table the table
     * @param deltaVersion its Delta version: the one read, or for data about to be published, the version before
     */
    public Validator withTable(TableName table, long deltaVersion) {
        Errors.required(table, "the table of a validator");
        if (deltaVersion < -1) {
            throw Errors.badArgument("Delta version", deltaVersion, "a Delta version from 0, or -1 for a table not created yet");
        }
        return new Validator(spark, Optional.of(table), OptionalLong.of(deltaVersion), false, history, reportDir);
    }

    /** Runs one suite over the data. */
    public ValidationResult validate(Dataset<Row> data, CheckSuiteDef suite) {
        return validate(data, List.of(Errors.required(suite, "the suite to validate with")));
    }

    /**
     * Runs suites over the data in one scan (two reads of a cached projection when a {@code quarantine} suite has
     * row-level checks). Rows failing quarantining checks are counted, not moved: {@code Gate} moves them.
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
            if (reportDir.isPresent()) {
                result = result.withReport(QualityReport.write(spark, result, run.quarantined()
                        .map(q -> q.withColumnRenamed(DeequRun.FAILED, "failed_checks").limit(QualityReport.EXAMPLES)
                                .collectAsList()).orElse(List.of()), null, reportDir.get()));
            }
            return result;
        }
    }

    DeequRun start(Dataset<Row> data, List<CheckSuiteDef> suites, long time) {
        Errors.required(data, "the data to validate");
        checkSuites(suites);
        Preflight.check(data, suites, table.map(TableName::toString).orElse("the data"));
        return DeequRun.run(data, suites, new RunContext(spark, table, deltaVersion, candidate, time,
                Tables.QUALITY_METRICS));
    }

    /** Refuses no suites, or a null among them: a validation with nothing to check is a caller's mistake. */
    private static void checkSuites(List<CheckSuiteDef> suites) {
        if (Errors.required(suites, "the suites to validate with").isEmpty()) {
            throw Errors.badArgument("suites", "(none)", "at least one quality suite (checks/*.yaml)");
        }
        suites.forEach(s -> Errors.required(s, "a suite to validate with"));
    }

    ValidationResult result(DeequRun run, long time) {
        return new ValidationResult(UUID.randomUUID().toString(), table.map(TableName::toString), deltaVersion,
                time, run.rows(), run.quarantinedRows(), run.results(), run.metrics(), Optional.empty());
    }

    SparkSession spark() {
        return spark;
    }
}
