package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The exit-code contract, for the tables of bad values each module's {@code ApiBadInputTest} walks: a bad value given
 * to the public API is an {@link IngotException} with {@link ExitCode#BAD_INPUT} (exit code 2 on the command line),
 * never an IllegalArgumentException or NullPointerException (exit code 3).
 */
public final class BadInput {
    private BadInput() {}

    /** One row of a table: what is wrong, and the call that must refuse it. */
    public static Arguments bad(String what, ThrowingCallable call) {
        return Arguments.of(what, call);
    }

    /** Asserts that {@code call} throws bad input (exit code 2), with a message. */
    public static void assertBadInput(String what, ThrowingCallable call) {
        Throwable e = catchThrowable(call);
        assertThat(e).as(what).isInstanceOf(IngotException.class);
        assertThat(((IngotException) e).exitCode()).as(what + ": " + e.getMessage()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).as(what).isNotBlank();
    }
}
