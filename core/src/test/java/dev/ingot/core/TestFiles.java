package dev.ingot.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files tests write: project definitions, mostly. */
public final class TestFiles {
    private TestFiles() {}

    /** Writes (or rewrites) {@code dir/file}, creating its folders. */
    public static void write(Path dir, String file, String text) {
        try {
            Path p = dir.resolve(file);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
