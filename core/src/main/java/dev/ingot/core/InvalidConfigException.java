package dev.ingot.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A project's definitions are wrong. Carries every problem found, so that a user fixes them all in one round.
 *
 * <p>Always exit code 2, and thrown before any Spark job starts.
 */
public final class InvalidConfigException extends IngotException {
    private final List<ConfigProblem> problems;

    InvalidConfigException(String what, List<ConfigProblem> problems) {
        super(ExitCode.BAD_INPUT, format(what, problems), null);
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, in file order. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String format(String what, List<ConfigProblem> problems) {
        String header = what + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems");
        return problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n", header + "\n", ""));
    }
}
