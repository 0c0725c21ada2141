package dev.ingot.validation;

import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableName;
import dev.ingot.validation.internal.DeequRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a {@link Gate} decided about candidate rows: publish (some of) them or not, and why.
 *
 * <p>Holds the candidate cached while the caller publishes; the caller closes it after writing
 * {@link #published()} (try-with-resources).
 */
public final class GateOutcome implements AutoCloseable {
    private final TableName target;
    private final ValidationResult result;
    private final Dataset<Row> published;
    private final DeequRun run;
    private final Optional<Path> report;

    GateOutcome(TableName target, ValidationResult result, Dataset<Row> published, DeequRun run, Optional<Path> report) {
        this.target = target;
        this.result = result;
        this.published = published;
        this.run = run;
        this.report = report;
    }

    /** Whether no error-level check failed: {@link #published()} may be written to the target. */
    public boolean publishable() {
        return result.passed();
    }

    /**
     * The rows to publish: the candidate without quarantined rows.
     *
     * @throws IngotException (exit code 1) when the gate said no: nothing may be published
     */
    public Dataset<Row> published() {
        if (!publishable()) {
            throw failure();
        }
        return published;
    }

    /** Rows moved to {@code quality.<target>__quarantine} (0 when the gate said no: nothing was moved). */
    public long quarantinedRows() {
        return publishable() ? result.quarantinedRows() : 0;
    }

    /** Failed error-level checks: why nothing may be published. */
    public List<CheckResult> errors() {
        return result.errors();
    }

    /** Failed warning-level checks, recorded; the data may be published. */
    public List<CheckResult> warnings() {
        return result.warnings();
    }

    /** Every check's outcome and metric. */
    public ValidationResult result() {
        return result;
    }

    /** The HTML report of the run, when one was written. */
    public Optional<Path> report() {
        return report;
    }

    /** The exception to end a command with when the gate said no (exit code 1), naming each failed check. */
    public IngotException failure() {
        return Errors.gateFailed("Quality gate of " + target, result.summary()
                + report.map(r -> "\nReport: " + r).orElse(""));
    }

    /** Releases the cached candidate. */
    @Override
    public void close() {
        run.close();
    }
}
