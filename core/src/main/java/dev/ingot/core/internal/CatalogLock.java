package dev.ingot.core.internal;

import dev.ingot.core.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One process at a time on an embedded (Derby) metastore. Derby refuses a second process with pages of stack traces
 * while Hive retries; instead, a process takes an OS file lock on {@code metastore_db.lock} beside the metastore before
 * its session boots Derby, and holds it until it exits (the OS releases it then, also after a crash). A second process
 * waits, says once what holds the catalog (the holder writes its pid and command into the file), and gives up after
 * a time.
 */
public final class CatalogLock {
    /** The lock file's name, beside {@code metastore_db}. */
    public static final String FILE = "metastore_db.lock";

    /** Locks this JVM holds, by lock file: held until the JVM exits. */
    private static final Map<Path, FileLock> HELD = new ConcurrentHashMap<>();
    private static final long POLL_MILLIS = 200;

    private CatalogLock() {}

    /**
     * Takes the lock of the embedded metastore in {@code warehouseDir} (creating the directory), waiting up to
     * {@code timeout} while another process holds it. Returns at once when this JVM holds it already.
     *
     * @param holder what this process is, for a process that waits (e.g. the Spark application's name)
     * @param notice gets one line when the lock is busy, before the wait starts
     * @throws dev.ingot.core.IngotException (failure, exit code 3) when the lock is still busy after {@code timeout}
     */
    public static synchronized void acquire(Path warehouseDir, String holder, Duration timeout, String timeoutSetting,
                                            Consumer<String> notice) {
        Path file = warehouseDir.toAbsolutePath().normalize().resolve(FILE);
        if (HELD.containsKey(file)) {
            return;
        }
        try {
            Files.createDirectories(warehouseDir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            Instant deadline = Instant.now().plus(timeout);
            boolean told = false;
            for (;;) {
                FileLock lock = ch.tryLock();
                if (lock != null) {
                    String me = "pid " + ProcessHandle.current().pid() + " (" + holder + ") since "
                            + Instant.now().truncatedTo(ChronoUnit.SECONDS);
                    ch.truncate(0);
                    ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
                    ch.force(false);
                    HELD.put(file, lock);
                    return;
                }
                String other = holderOf(file);
                if (!told) {
                    notice.accept("Waiting for the embedded catalog at " + warehouseDir.resolve("metastore_db")
                            + ", held by " + other + " (giving up after " + timeout.toSeconds() + " s; "
                            + timeoutSetting + " sets how long) ...");
                    told = true;
                }
                if (!Instant.now().isBefore(deadline)) {
                    ch.close();
                    throw Errors.busy("the embedded catalog at " + warehouseDir.resolve("metastore_db"), other,
                            timeout.toSeconds() + " s", "run the commands one after the other, raise " + timeoutSetting
                                    + ", or share the catalog between processes with 'catalog: metastore: jdbc' in ingot.yaml");
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock " + file, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + file, e);
        }
    }

    /** What the holder wrote into the lock file; it may not have written yet. */
    private static String holderOf(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "another process" : s;
        } catch (IOException | RuntimeException e) {
            return "another process";
        }
    }
}
