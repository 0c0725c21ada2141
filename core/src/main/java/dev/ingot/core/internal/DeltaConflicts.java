package dev.ingot.core.internal;

import dev.ingot.core.Errors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delta's optimistic concurrency, as Ingot's writers meet it: a commit that lost a race to another writer's commit
 * throws one of Delta's {@code io.delta.exceptions.Concurrent*}, {@code MetadataChangedException} or
 * {@code ProtocolChangedException}, and nothing of it was committed. What to do then depends on what the other
 * writer changed:
 * <ul>
 * <li>{@link #retry}: the whole write is done again (a new transaction on the newest version), at most
 *     {@value #MAX_RETRIES} more times with a backoff from {@value #FIRST_BACKOFF_MILLIS} ms. For writes that are
 *     right whatever the other writer did: appends of rows of their own (records, lineage), a MERGE keyed on its rows,
 *     a whole replacement, tiles (partial aggregates: any run writes the same tiles of the same range).</li>
 * <li>{@link #retryRange}: a range write ({@code replaceWhere}) is done again only when the conflict left its rows
 *     alone (the other writer changed the table's metadata or created it); when the other writer added or removed
 *     files of the range itself (two runs of one range at once), running again would silently replace what that run
 *     just published, so it ends as {@link Errors#concurrentWrite}: a failure (exit 3) that committed nothing.</li>
 * </ul>
 */
public final class DeltaConflicts {
    /** Retries after the first attempt. */
    public static final int MAX_RETRIES = 5;
    /** The first backoff; it doubles on each retry (50, 100, 200, 400, 800 ms). */
    public static final long FIRST_BACKOFF_MILLIS = 50;
    private static final Logger LOG = LoggerFactory.getLogger(DeltaConflicts.class);

    /** What a lost commit conflicted with. */
    public enum Kind {
        /** Not a conflict between writers. */
        NONE,
        /** Another writer changed the table's metadata or protocol, or created it: no row of this write was touched. */
        TABLE,
        /** Another writer added or removed files this write read or replaces: its rows. */
        ROWS
    }

    private DeltaConflicts() {}

    /** What {@code e} (or one of its causes) says about a lost commit. */
    public static Kind kind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            if (name.equals("io.delta.exceptions.MetadataChangedException")
                    || name.equals("io.delta.exceptions.ProtocolChangedException")) {
                return Kind.TABLE;
            }
            if (name.startsWith("io.delta.exceptions.Concurrent")
                    || name.endsWith("ConcurrentModificationException")) {
                return Kind.ROWS;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Kind.NONE;
    }

    /** Whether {@code e} is a commit that lost a race to another writer. */
    public static boolean isConflict(Throwable e) {
        return kind(e) != Kind.NONE;
    }

    /**
     * Runs {@code write}, and runs it again whole when its commit lost to another writer's.
     *
     * @param doing what the write does, for the log and the error ("append to ingot.job_runs")
     * @throws dev.ingot.core.IngotException (exit 3) when it still conflicts after {@value #MAX_RETRIES} retries
     */
    public static <T> T retry(String doing, Supplier<T> write) {
        return run(doing, write, false);
    }

    /** As {@link #retry(String, Supplier)}, for a write that returns nothing. */
    public static void retry(String doing, Runnable write) {
        run(doing, () -> {
            write.run();
            return null;
        }, false);
    }

    /**
     * Runs a range write ({@code replaceWhere}) and runs it again only when its commit lost to a writer that left its
     * rows alone ({@link Kind#TABLE}); a conflict on its rows ({@link Kind#ROWS}) is {@link Errors#concurrentWrite}.
     */
    public static void retryRange(String doing, Runnable write) {
        run(doing, () -> {
            write.run();
            return null;
        }, true);
    }

    private static <T> T run(String doing, Supplier<T> write, boolean range) {
        for (int attempt = 0; ; attempt++) {
            try {
                return write.get();
            } catch (RuntimeException e) {
                Kind kind = kind(e);
                if (kind == Kind.NONE) {
                    throw e;
                }
                if (range && kind == Kind.ROWS) {
                    throw Errors.concurrentWrite(doing, "another run wrote rows of the same range", e);
                }
                if (attempt >= MAX_RETRIES) {
                    throw Errors.concurrentWrite(doing, "other writers kept committing first (" + (attempt + 1)
                            + " attempts)", e);
                }
                long backoff = FIRST_BACKOFF_MILLIS << attempt;
                LOG.info("Could not {}: another writer committed first ({}); trying again in {} ms (retry {} of {})",
                        doing, firstLine(e), backoff, attempt + 1, MAX_RETRIES);
                sleep(backoff);
            }
        }
    }

    /** The first line of the conflict's message, for a log line or an error. */
    public static String firstLine(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (kind(t) != Kind.NONE && t.getClass().getName().startsWith("io.delta") && t.getMessage() != null) {
                return t.getMessage().lines().findFirst().orElse("").strip();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getName() : m.lines().findFirst().orElse("").strip();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry a Delta write", e);
        }
    }
}
