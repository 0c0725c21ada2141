package dev.ingot.validation;

import dev.ingot.core.Errors;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one validation run found: one {@link CheckResult} per check of every suite, in suite and check order, and the
 * metrics they were decided on. Immutable.
 *
 * @param runId identifies the run in {@code quality.metrics} and {@code quality.results}
 * @param table the table validated, or empty for data that is not a table yet
 * @param deltaVersion the Delta version of the table validated (for a gate: of the target before publishing)
 * @param timeMillis when the run started, epoch milliseconds
 * @param rows rows in the data validated
 * @param quarantinedRows rows that failed an error-level row-level check of a {@code quarantine} suite
 * @param checks one result per check
 * @param metrics every metric computed
 * @param report the HTML report of the run, when one was written
 */
public record ValidationResult(String runId, Optional<String> table, OptionalLong deltaVersion, long timeMillis, long rows,
                               long quarantinedRows, List<CheckResult> checks, List<MetricValue> metrics,
                               Optional<Path> report) {
    public ValidationResult {
        Errors.required(runId, "ValidationResult.runId");
        Errors.required(table, "ValidationResult.table (Optional.empty() for none)");
        Errors.required(deltaVersion, "ValidationResult.deltaVersion (OptionalLong.empty() for none)");
        if (rows < 0 || quarantinedRows < 0) {
            throw Errors.badArgument("ValidationResult rows/quarantinedRows", rows + "/" + quarantinedRows,
                    "counts from 0");
        }
        checks = List.copyOf(Errors.required(checks, "ValidationResult.checks"));
        metrics = List.copyOf(Errors.required(metrics, "ValidationResult.metrics"));
        Errors.required(report, "ValidationResult.report (Optional.empty() for none)");
    }

    /** The same result with the path of its report. */
    ValidationResult withReport(Path path) {
        return new ValidationResult(runId, table, deltaVersion, timeMillis, rows, quarantinedRows, checks, metrics,
                Optional.of(path));
    }

    /** Error-level checks that failed: any of them means the data must not be published. */
    public List<CheckResult> errors() {
        return checks.stream().filter(CheckResult::blocks).toList();
    }

    /** Warning-level checks that failed: recorded and reported, the data may be published. */
    public List<CheckResult> warnings() {
        return checks.stream().filter(CheckResult::warns).toList();
    }

    /** Whether no error-level check failed. */
    public boolean passed() {
        return errors().isEmpty();
    }

    /** The result of one check, by suite name and index in its suite. */
    public CheckResult check(String suite, int index) {
        return checks.stream().filter(c -> c.suite().equals(suite) && c.checkIndex() == index).findFirst()
                .orElseThrow(() -> Errors.unknownName("check", suite + "#" + index,
                        checks.stream().map(CheckResult::checkId).toList(), "this result"));
    }

    /** A few lines for a terminal: counts, then each failed check. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        long passed = checks.stream().filter(c -> c.status() == CheckStatus.PASSED).count();
        b.append(checks.size()).append(" checks on ").append(rows).append(" rows").append(table.map(t -> " of " + t).orElse(""))
                .append(": ").append(passed).append(" passed, ").append(errors().size()).append(" errors, ")
                .append(warnings().size()).append(" warnings");
        if (quarantinedRows > 0) {
            b.append(", ").append(quarantinedRows).append(" rows quarantined");
        }
        for (CheckResult c : checks) {
            if (c.status() != CheckStatus.PASSED) {
                b.append("\n  ").append(c.status() == CheckStatus.QUARANTINED ? "QUARANTINE" : c.severity().name())
                        .append(' ').append(c.suiteFile()).append(" checks[").append(c.checkIndex()).append("] ")
                        .append(c.message());
            }
        }
        return b.toString();
    }
}
