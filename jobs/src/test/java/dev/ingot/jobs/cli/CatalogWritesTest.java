package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.ChildJvm;
import dev.ingot.core.internal.CatalogLock;
import dev.ingot.jobs.IngotMain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What commands do to the catalog, seen from a fresh process as a user's shell or a scheduler starts it: bad input
 * writes nothing, and a second process on an embedded catalog waits for the first with one line.
 */
class CatalogWritesTest {

    @Test
    void badInputOnAFreshWarehouseLeavesItAbsent(@TempDir Path dir) throws Exception {
        Path project = new ProjectFiles(dir.resolve("shop")).write("ingot.yaml", "name: shop\nwarehouse: wh\n")
                .write("sources/orders.yml", "path: data/orders\nformat: parquet\nevent_time: ts\n")
                .spendView("spend", "orders", "").dir();
        Path warehouse = project.resolve("wh");

        ChildJvm.Result offCadence = ChildJvm.run(dir.resolve("run1"), IngotMain.class.getName(), "features", "materialize",
                "--project", project.toString(), "--from", "2026-01-01T06:00:00Z", "--to", "2026-01-02");
        assertThat(offCadence.code()).as(offCadence.err()).isEqualTo(2);
        assertThat(offCadence.err()).contains("--from/--to").contains("whole UTC days");
        assertThat(warehouse).as("no metastore, database or lock file").doesNotExist();

        ChildJvm.Result noFiles = ChildJvm.run(dir.resolve("run2"), IngotMain.class.getName(), "features", "materialize",
                "--project", project.toString(), "--from", "2026-01-01", "--to", "2026-01-02");
        assertThat(noFiles.code()).as(noFiles.err()).isEqualTo(2);
        assertThat(noFiles.err()).contains("read source 'orders' (sources/orders.yml)")
                .contains("path '" + project.resolve("data/orders") + "' does not exist").contains("fix 'path' in sources/orders.yml");
        assertThat(warehouse).doesNotExist();
    }

    @Test
    void aSecondCommandOnTheEmbeddedCatalogWaitsWithOneLineThenGivesUp(@TempDir Path dir) throws Exception {
        Path warehouse = dir.resolve("wh");
        Path project = new ProjectFiles(dir.resolve("shop")).write("ingot.yaml", "name: shop\nwarehouse: " + warehouse
                        + "\nspark:\n  conf:\n    spark.ingot.catalog.waitSeconds: 2\n")
                .write("sources/orders.yaml", "table: raw.orders\nevent_time: ts\n")
                .spendView("spend", "orders", "").dir();
        // This JVM plays the first command: it holds the catalog of that warehouse until it exits.
        CatalogLock.acquire(warehouse, "ingot features materialize (shop)", Duration.ofSeconds(5), "test", s -> { });

        ChildJvm.Result second = ChildJvm.run(dir.resolve("second"), IngotMain.class.getName(), "features", "history",
                "--project", project.toString(), "--view", "spend");
        assertThat(second.code()).as("a busy catalog is a failure a scheduler retries, not bad input: " + second.err())
                .isEqualTo(3);
        assertThat(second.err()).contains("Waiting for the embedded catalog at " + warehouse.resolve("metastore_db")
                        + ", held by pid " + ProcessHandle.current().pid() + " (ingot features materialize (shop)) since ")
                .contains("Cannot start: the embedded catalog at " + warehouse.resolve("metastore_db") + " is held by pid")
                .contains("(waited 2 s; nothing was written)");
        assertThat(second.err().toLowerCase(Locale.ROOT)).as("Derby never booted: no XSDB6, no stack trace")
                .doesNotContain("xsdb6").doesNotContain("derby").doesNotContain("\tat ");
        assertThat(second.err().lines().filter(l -> !l.isBlank()).count()).as(second.err()).isLessThanOrEqualTo(4);
        assertThat(warehouse.resolve("metastore_db")).doesNotExist();
    }
}
