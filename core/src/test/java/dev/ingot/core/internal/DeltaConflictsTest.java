package dev.ingot.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import io.delta.exceptions.ConcurrentAppendException;
import io.delta.exceptions.ConcurrentDeleteReadException;
import io.delta.exceptions.MetadataChangedException;
import io.delta.exceptions.ProtocolChangedException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What {@link DeltaConflicts} does with each of Delta's conflict exceptions (Delta's own classes, as its commits throw
 * them): which are conflicts, how often a write is done again, and when a range write gives up at once.
 */
class DeltaConflictsTest {
    @Test
    void classifiesDeltasConflictsAlsoWhenWrapped() {
        assertThat(DeltaConflicts.kind(new ConcurrentAppendException("added"))).isEqualTo(DeltaConflicts.Kind.ROWS);
        assertThat(DeltaConflicts.kind(new ConcurrentDeleteReadException("read"))).isEqualTo(DeltaConflicts.Kind.ROWS);
        assertThat(DeltaConflicts.kind(new MetadataChangedException("schema"))).isEqualTo(DeltaConflicts.Kind.TABLE);
        assertThat(DeltaConflicts.kind(new RuntimeException("job", new ProtocolChangedException("created"))))
                .isEqualTo(DeltaConflicts.Kind.TABLE);
        assertThat(DeltaConflicts.kind(new IllegalStateException("disk full"))).isEqualTo(DeltaConflicts.Kind.NONE);
    }

    @Test
    void aConflictingWriteIsDoneAgainUntilItCommits() {
        AtomicInteger attempts = new AtomicInteger();
        String out = DeltaConflicts.retry("append to t", () -> {
            if (attempts.incrementAndGet() < 3) {
                throw new ConcurrentAppendException("Files were added by a concurrent update");
            }
            return "committed";
        });
        assertThat(out).isEqualTo("committed");
        assertThat(attempts).hasValue(3);
    }

    @Test
    void givesUpAfterFiveRetriesAsAFailureThatCommittedNothing() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> DeltaConflicts.retry("append to ingot.job_runs", () -> {
            attempts.incrementAndGet();
            throw new MetadataChangedException("The metadata of the Delta table has been changed");
        })).isInstanceOf(IngotException.class)
                .satisfies(e -> assertThat(((IngotException) e).exitCode()).isEqualTo(ExitCode.FAILURE))
                .hasMessageStartingWith("Cannot append to ingot.job_runs: other writers kept committing first (6 attempts)"
                        + " at the same time (The metadata of the Delta table has been changed); nothing was committed.");
        assertThat(attempts).as("the first attempt and five retries").hasValue(1 + DeltaConflicts.MAX_RETRIES);
    }

    @Test
    void otherFailuresAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("disk full");
        assertThatThrownBy(() -> DeltaConflicts.retry("append to t", () -> {
            attempts.incrementAndGet();
            throw boom;
        })).isSameAs(boom);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void aRangeWriteIsDoneAgainOnlyWhenTheConflictLeftItsRowsAlone() {
        AtomicInteger attempts = new AtomicInteger();
        DeltaConflicts.retryRange("replace d of t", () -> {
            if (attempts.incrementAndGet() == 1) {
                throw new ProtocolChangedException("created by a concurrent update");
            }
        });
        assertThat(attempts).as("the table's creation by another run left the range alone").hasValue(2);

        AtomicInteger rows = new AtomicInteger();
        assertThatThrownBy(() -> DeltaConflicts.retryRange("replace d of t", () -> {
            rows.incrementAndGet();
            throw new ConcurrentAppendException("Files were added to partition [d=2026-01-01]");
        })).isInstanceOf(IngotException.class)
                .hasMessage("Cannot replace d of t: another run wrote rows of the same range at the same time (Files "
                        + "were added to partition [d=2026-01-01]); nothing was committed. Fix: run the command again "
                        + "once the other run has finished, or do not run two writes of one range at once.");
        assertThat(rows).as("another run's rows in the range: not replaced silently").hasValue(1);
    }
}
