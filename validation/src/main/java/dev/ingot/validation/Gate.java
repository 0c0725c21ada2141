package dev.ingot.validation;

import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.PublishGate;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.validation.internal.DeequRun;
import dev.ingot.validation.internal.QualityTables;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Write-audit-publish: decides whether candidate rows may reach a table.
 *
 * <pre>{@code
 * try (GateOutcome gate = Gate.of(spark).check(candidate, suites, target)) {
 *     if (!gate.publishable()) throw gate.failure();       // exit code 1, the candidate stays staged
 *     gate.published().write().format("delta").mode("append").saveAsTable(target.toString());
 * }
 * }</pre>
 *
 * <p>One run of the suites over the candidate. Rows failing an error-level row-level check of a {@code quarantine}
 * suite are appended to {@code quality.<target>__quarantine} with the ids of the checks they fail, and left out of
 * {@link GateOutcome#published()}; the other checks are decided on the rows left. Metrics go to
 * {@code quality.metrics}, check outcomes to {@code quality.results}, whatever the decision.
 */
public final class Gate implements PublishGate {
    private final SparkSession spark;
    private final Optional<Path> reportDir;

    private Gate(SparkSession spark, Optional<Path> reportDir) {
        this.spark = Errors.required(spark, "the SparkSession of a gate");
        this.reportDir = reportDir;
    }

    /** A gate on a session; it writes no report until {@link #withReports(Path)}. */
    public static Gate of(SparkSession spark) {
        return new Gate(spark, Optional.empty());
    }

    /** Writes an HTML report of every check into {@code dir} ({@link GateOutcome#report()}). */
    public Gate withReports(Path dir) {
        return new Gate(spark, Optional.of(Errors.required(dir, "the reports directory of a gate")));
    }

    /**
     * Runs the suites over the candidate rows of a table.
     *
     * @param candidate rows about to be published
     * @param suites the suites the target's definition names
     * @param target the table they would be published to (for results, history and the quarantine table's name)
     * @return the decision; close it after publishing
     * @throws dev.ingot.core.InvalidConfigException (exit code 2) when a check does not fit the candidate's schema
     */
    public GateOutcome check(Dataset<Row> candidate, List<CheckSuiteDef> suites, TableName target) {
        Errors.required(target, "the target table of a gate");
        Validator validator = Validator.of(spark).asCandidateFor(target);
        long time = System.currentTimeMillis();
        DeequRun run = validator.start(candidate, suites, time);
        try {
            ValidationResult result = validator.result(run, time);
            QualityTables.record(spark, result, run);
            if (result.passed() && run.quarantined().isPresent() && result.quarantinedRows() > 0) {
                QualityTables.quarantine(spark, target, run.quarantined().get(), result.runId());
            }
            Optional<Path> report = reportDir.map(dir -> QualityReport.write(spark, result,
                    run.quarantined().map(q -> q.withColumnRenamed(DeequRun.FAILED, "failed_checks")
                            .limit(QualityReport.EXAMPLES).collectAsList()).orElse(List.of()),
                    result.passed(), dir));
            return new GateOutcome(target, report.map(result::withReport).orElse(result), run.published(candidate), run, report);
        } catch (IngotException e) {
            run.close();
            throw e;
        } catch (RuntimeException e) {
            run.close();
            throw Errors.jobFailed("check the quality of the rows for " + target, e);
        }
    }

    /**
     * {@link PublishGate}: {@link #check} that throws {@link GateOutcome#failure()} (exit code 1) when the gate says
     * no, so that writers outside this module ({@code features materialize}) gate their writes without Deequ types.
     */
    @Override
    public PublishGate.Admission admit(Dataset<Row> candidate, List<CheckSuiteDef> suites, TableName target) {
        GateOutcome outcome = check(candidate, suites, target);
        if (!outcome.publishable()) {
            outcome.close();
            throw outcome.failure();
        }
        return new PublishGate.Admission() {
            @Override
            public Dataset<Row> rows() {
                return outcome.published();
            }

            @Override
            public long quarantinedRows() {
                return outcome.quarantinedRows();
            }

            @Override
            public List<String> warnings() {
                return outcome.warnings().stream()
                        .map(c -> c.suiteFile() + " checks[" + c.checkIndex() + "] " + c.message()).toList();
            }

            @Override
            public Optional<Path> report() {
                return outcome.report();
            }

            @Override
            public void close() {
                outcome.close();
            }
        };
    }

    /** Registers {@link Gate} as the {@link PublishGate} of a session (META-INF/services); it writes no report. */
    public static final class Provider implements PublishGate.Provider {
        @Override
        public PublishGate create(SparkSession spark) {
            return Gate.of(spark);
        }
    }
}
