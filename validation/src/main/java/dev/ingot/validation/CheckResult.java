package dev.ingot.validation;

import dev.ingot.core.Errors;
import dev.ingot.core.config.CheckSuiteDef;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The outcome of one check of one suite on one run, traceable to the line of YAML that asked for it.
 *
 * @param suite the suite's name
 * @param suiteFile the suite's file, relative to the project (e.g. {@code checks/<suite>.yaml})
 * @param checkIndex the check's position in the suite's {@code checks} list, from 0 (its key path is
 *     {@code checks[checkIndex]})
 * @param kind the kind of check
 * @param columns the columns it checks (empty for size and predicate checks)
 * @param severity error or warning
 * @param description the check's description from the suite
 * @param status passed, failed, quarantined or error
 * @param metric the name of the metric the check is decided on (e.g. {@code Completeness})
 * @param value the metric's value; empty when it could not be computed
 * @param failingRows rows failing the check's row condition, for row-level checks evaluated per row; -1 otherwise
 * @param message one line a person can read: what was measured, against what bound
 */
public record CheckResult(String suite, String suiteFile, int checkIndex, CheckSuiteDef.Kind kind, List<String> columns,
                          CheckSuiteDef.Severity severity, String description, CheckStatus status, String metric,
                          OptionalDouble value, long failingRows, String message) {
    public CheckResult {
        Errors.required(suite, "CheckResult.suite");
        Errors.required(kind, "CheckResult.kind");
        Errors.required(severity, "CheckResult.severity");
        Errors.required(status, "CheckResult.status");
        Errors.required(value, "CheckResult.value (OptionalDouble.empty() for none)");
        if (checkIndex < 0) {
            throw Errors.badArgument("CheckResult.checkIndex", checkIndex, "a position in the suite's checks, from 0");
        }
        columns = List.copyOf(Errors.required(columns, "CheckResult.columns"));
    }

    /** {@code <suite>#<index>}: the identifier of the check in metrics, results and quarantined rows. */
    public String checkId() {
        return suite + "#" + checkIndex;
    }

    /** Whether this result stops a publish: an error-level check that failed or could not be computed. */
    public boolean blocks() {
        return severity == CheckSuiteDef.Severity.ERROR && (status == CheckStatus.FAILED || status == CheckStatus.ERROR);
    }

    /** Whether this result is a warning to report: a warning-level check that failed or could not be computed. */
    public boolean warns() {
        return severity == CheckSuiteDef.Severity.WARNING && (status == CheckStatus.FAILED || status == CheckStatus.ERROR);
    }
}
