package dev.ingot.core;

/**
 * Process exit codes of every Ingot command, as the product contract fixes them.
 *
 * <p>Schedulers (Airflow, cron) branch on these, so they never change meaning.
 */
public enum ExitCode {
    /** The command did what it was asked. */
    OK(0),
    /** The job ran, and a gate said no (a failed error-level quality check, a refused promotion). */
    GATE_FAILED(1),
    /** Bad input (config, arguments, schema, data, model file): nothing was written. */
    BAD_INPUT(2),
    /** The job failed; Delta transactions guarantee that nothing was half-written. */
    FAILURE(3);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    /** The numeric process exit code. */
    public int code() {
        return code;
    }
}
