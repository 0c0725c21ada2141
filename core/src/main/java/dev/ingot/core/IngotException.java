package dev.ingot.core;

/**
 * The one root of every exception Ingot throws on purpose.
 *
 * <p>Each carries the {@link ExitCode} the command line exits with. Messages say what was being done, what was
 * wrong and how to fix it; they never contain secrets (see {@link Secrets}). Create them through {@link Errors}.
 */
public class IngotException extends RuntimeException {
    private final ExitCode exitCode;

    /**
     * @param exitCode what the process exits with when this reaches the command line
     * @param message what was being done, what was wrong, and the fix
     * @param cause the underlying failure, or null
     */
    public IngotException(ExitCode exitCode, String message, Throwable cause) {
        super(Secrets.redact(message), cause);
        this.exitCode = exitCode;
    }

    /** What the command line exits with when this exception ends a command. */
    public ExitCode exitCode() {
        return exitCode;
    }
}
