package dev.ingot.core;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The one factory of Ingot's error messages. Each names what was being done, the offending file, key, column or
 * value, what was available, and the fix.
 *
 * <p>Every bad value that reaches Ingot's public API (a record, a factory, a method) or its command line is reported
 * through here, with {@link ExitCode#BAD_INPUT}: a caller's mistake never ends a command as a failure (exit code 3).
 * {@link IllegalArgumentException} is kept for programming errors inside {@code internal} packages.
 */
public final class Errors {
    private Errors() {}

    /** Bad definitions in a project directory: all of them at once. */
    public static InvalidConfigException invalidProject(Path projectDir, List<ConfigProblem> problems) {
        return new InvalidConfigException("Invalid project " + projectDir, problems);
    }

    /** A single bad definition, outside a full project load. */
    public static InvalidConfigException invalidConfig(String file, String keyPath, String problem, String fix) {
        return new InvalidConfigException("Invalid configuration", List.of(new ConfigProblem(file, keyPath, problem, fix)));
    }

    /** Definitions that are wrong for the data they are applied to (e.g. a check on a missing column): all at once. */
    public static InvalidConfigException invalidConfig(String doing, List<ConfigProblem> problems) {
        return new InvalidConfigException("Cannot " + doing, problems);
    }

    /**
     * A definition built in code (a check, a feature view) is wrong: what it is, what is wrong, and the fix. The
     * records' constructors throw this, so that a value built from Java is as valid as one the loader read from YAML.
     */
    public static IngotException invalidDefinition(String what, String problem, String fix) {
        return new IngotException(ExitCode.BAD_INPUT, "Invalid " + what + ": " + problem + ". Fix: " + fix + ".", null);
    }

    /** A command-line argument is wrong. */
    public static IngotException badArgument(String option, Object value, String expected) {
        return new IngotException(ExitCode.BAD_INPUT,
                "Invalid value for " + option + ": '" + shown(String.valueOf(value)) + "'. Expected " + expected + ".", null);
    }

    /** A value as a message quotes it: at most 200 characters, control characters as '?' (one line, no escapes). */
    static String shown(String value) {
        String v = value.length() > 200 ? value.substring(0, 200) + "... (" + value.length() + " characters)" : value;
        return v.replaceAll("\\p{Cntrl}", "?");
    }

    /**
     * Returns {@code value}, or throws a bad-input error when it is null: the API's stand-in for
     * {@link java.util.Objects#requireNonNull}, whose exception would end a command as a failure.
     *
     * @param what what the value is, e.g. {@code SourceDef.name}
     */
    public static <T> T required(T value, String what) {
        if (value == null) {
            throw new IngotException(ExitCode.BAD_INPUT, "Missing value for " + what + ". Fix: pass a value (null given).",
                    null);
        }
        return value;
    }

    /** The one message for an event-time range whose start is not before its end ({@code --from}, {@code --to}). */
    public static IngotException badRange(Instant from, Instant to) {
        return badArgument("--from/--to", from + " .. " + to, "--from before --to (a range whose start is before its end)");
    }

    /**
     * A run asked for GPUs ({@code --gpu on}, {@code gpu: on}) but something a GPU run needs is missing: each one is
     * named, with where to get it.
     */
    public static IngotException gpuUnavailable(List<String> missing) {
        return new IngotException(ExitCode.BAD_INPUT, "GPU policy is 'on' but this run is missing "
                + String.join("; ", missing) + ". Fix: run the GPU distribution (mvn -Pgpu package: onnxruntime_gpu, "
                + "and the RAPIDS jar passed with --jars " + dev.ingot.core.gpu.Gpu.RAPIDS_JAR + ") on a machine or "
                + "cluster with NVIDIA GPUs (docs/gpu.md), or use --gpu auto/off.", null);
    }

    /** A name asked for does not exist; lists what does. */
    public static IngotException unknownName(String kind, String name, Collection<String> known, String where) {
        return new IngotException(ExitCode.BAD_INPUT,
                "Unknown " + kind + " '" + (name == null ? null : shown(name)) + "'" + (where.isEmpty() ? "" : " in " + where)
                        + ". Known: " + (known.isEmpty() ? "(none)" : String.join(", ", known.stream().sorted().toList()))
                        + ".", null);
    }

    /** As {@link #unknownName(String, String, Collection, String)}, with the fix. */
    public static IngotException unknownName(String kind, String name, Collection<String> known, String where, String fix) {
        String msg = unknownName(kind, name, known, where).getMessage();
        return new IngotException(ExitCode.BAD_INPUT, msg + " Fix: " + fix + ".", null);
    }

    /** Input data does not have the shape a definition expects (a missing column, a wrong type). */
    public static IngotException badData(String doing, String problem, String fix) {
        return new IngotException(ExitCode.BAD_INPUT, "Cannot " + doing + ": " + problem + ". Fix: " + fix + ".", null);
    }

    /** A job failed for a reason that is not the user's input. Nothing was committed. */
    public static IngotException jobFailed(String doing, Throwable cause) {
        String why = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        return new IngotException(ExitCode.FAILURE,
                "Failed to " + doing + ": " + why + " (nothing was committed)", cause);
    }

    /**
     * A write lost a race to another run writing the same table at the same time, in a way that cannot be retried
     * safely (both wrote rows of one range), or kept losing. Not the user's input: nothing of this write was
     * committed, and the same command run again replaces what the other run wrote for that range.
     *
     * @param doing what the write was doing, e.g. "replace [2026-01-01, 2026-01-05) of features.spend_v1"
     * @param why what the other run did
     */
    public static IngotException concurrentWrite(String doing, String why, Throwable cause) {
        String delta = dev.ingot.core.internal.DeltaConflicts.firstLine(cause);
        // Delta's exception is kept as suppressed, not as the cause: a failure with a cause prints its stack trace
        // (IngotMain), and this one is understood, its first line already in the message.
        IngotException e = new IngotException(ExitCode.FAILURE, "Cannot " + doing + ": " + why + " at the same time ("
                + shown(delta) + "); nothing was committed. Fix: run the command again once the other run has finished,"
                + " or do not run two writes of one range at once.", null);
        e.addSuppressed(cause);
        return e;
    }

    /**
     * Something the command needs is held by another process for longer than it waits. Not the user's input: the
     * same command succeeds later, so a scheduler should retry it.
     */
    public static IngotException busy(String what, String holder, String waited, String fix) {
        return new IngotException(ExitCode.FAILURE, "Cannot start: " + what + " is held by " + holder + " (waited "
                + waited + "; nothing was written). Fix: " + fix + ".", null);
    }

    /**
     * A service Ingot calls (Airflow, a tracking server) cannot do what was asked for a reason that is not the user's
     * input: it is unreachable, it failed, or it did not finish in time. Exit code 3, so a scheduler retries.
     */
    public static IngotException serviceFailed(String doing, String problem, String fix) {
        return new IngotException(ExitCode.FAILURE, "Cannot " + doing + ": " + problem + ". Fix: " + fix + ".", null);
    }

    /**
     * The catalog's metastore database ({@code metastore: jdbc}) cannot be used: unreachable, login refused, no such
     * database. Bad input, since each cause is in {@code ingot.yaml} or the environment it reads.
     *
     * @param printableUrl the JDBC URL with every secret masked
     */
    public static IngotException metastoreUnavailable(String printableUrl, String problem, String fix) {
        return new IngotException(ExitCode.BAD_INPUT, "Cannot open the catalog's metastore database " + printableUrl
                + " (ingot.yaml catalog.url): " + problem + ". Fix: " + fix + ".", null);
    }

    /** A gate (quality, promotion) said no. */
    public static IngotException gateFailed(String gate, String why) {
        return new IngotException(ExitCode.GATE_FAILED, gate + " failed: " + why, null);
    }

    /**
     * A gate's refusal ({@link #gateFailed}) as a writer reports it: the gate's words, then what the writer left as
     * it was and where the refused rows are kept.
     */
    public static IngotException gateFailed(IngotException refusal, String consequence) {
        return new IngotException(ExitCode.GATE_FAILED, refusal.getMessage() + "\n" + consequence, refusal);
    }
}
