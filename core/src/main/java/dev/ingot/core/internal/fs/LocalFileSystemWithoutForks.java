package dev.ingot.core.internal.fs;

import org.apache.hadoop.fs.LocalFileSystem;

/**
 * Hadoop's {@code file:} {@link org.apache.hadoop.fs.FileSystem} (checksums included) over
 * {@link ForklessRawLocalFileSystem}; Ingot's sessions set it as {@code fs.file.impl}.
 */
public class LocalFileSystemWithoutForks extends LocalFileSystem {
    public LocalFileSystemWithoutForks() {
        super(new ForklessRawLocalFileSystem());
    }
}
