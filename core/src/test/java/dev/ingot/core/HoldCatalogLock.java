package dev.ingot.core;

import dev.ingot.core.internal.CatalogLock;
import java.nio.file.Path;
import java.time.Duration;

/** A child process that takes the embedded catalog's lock of a warehouse, says "held", and keeps it until killed. */
public final class HoldCatalogLock {
    private HoldCatalogLock() {}

    public static void main(String[] args) throws InterruptedException {
        CatalogLock.acquire(Path.of(args[0]), "test holder", Duration.ofSeconds(30), "test", System.err::println);
        System.out.println("held");
        System.out.flush();
        Thread.sleep(120_000);
    }
}
