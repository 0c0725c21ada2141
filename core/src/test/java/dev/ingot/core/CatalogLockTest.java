package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.internal.CatalogLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two processes on one embedded catalog: the second waits with one line naming the first, then gives up. */
class CatalogLockTest {

    @Test
    void aSecondProcessWaitsNamingTheHolderAndGivesUpAfterItsTimeout(@TempDir Path dir) throws Exception {
        Path warehouse = dir.resolve("wh");
        Process holder = ChildJvm.start(dir.resolve("child"), HoldCatalogLock.class.getName(), warehouse.toString());
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (!ChildJvm.read(dir.resolve("child"), "out.txt").contains("held")) {
                assertThat(holder.isAlive()).as(ChildJvm.read(dir.resolve("child"), "err.txt")).isTrue();
                assertThat(System.currentTimeMillis()).as("the child takes the lock within a minute").isLessThan(deadline);
                Thread.sleep(100);
            }
            List<String> notices = new ArrayList<>();
            long t0 = System.nanoTime();
            IngotException e = catchThrowableOfType(() -> CatalogLock.acquire(warehouse, "second", Duration.ofSeconds(1),
                    "spark.ingot.catalog.waitSeconds", notices::add), IngotException.class);
            double waited = (System.nanoTime() - t0) / 1e9;

            assertThat(notices).as("one line, once").hasSize(1);
            assertThat(notices.get(0)).startsWith("Waiting for the embedded catalog at " + warehouse.resolve("metastore_db"))
                    .contains("held by pid " + holder.pid() + " (test holder) since ")
                    .contains("giving up after 1 s; spark.ingot.catalog.waitSeconds sets how long");
            assertThat(e.exitCode()).as("busy is not bad input: a scheduler's retry succeeds").isEqualTo(ExitCode.FAILURE);
            assertThat(e.getMessage()).contains("is held by pid " + holder.pid()).contains("nothing was written")
                    .contains("metastore: jdbc");
            assertThat(waited).as("it waited for its timeout").isGreaterThanOrEqualTo(1.0).isLessThan(30.0);
        } finally {
            holder.destroyForcibly().waitFor();
        }
        // The OS releases a dead holder's lock: the next process gets the catalog at once.
        List<String> notices = new ArrayList<>();
        CatalogLock.acquire(warehouse, "third", Duration.ofSeconds(5), "test", notices::add);
        assertThat(notices).isEmpty();
        assertThat(Files.readString(warehouse.resolve(CatalogLock.FILE)))
                .startsWith("pid " + ProcessHandle.current().pid() + " (third) since ");
    }
}
