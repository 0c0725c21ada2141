package dev.ingot.core.internal.fs;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.apache.hadoop.fs.FSLinkResolver;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system without its child processes. Without Hadoop's native library (Spark ships none),
 * {@link RawLocalFileSystem} runs {@code chmod} for every file it creates and {@code readlink} for every status of a
 * link, which a rename asks twice (a Delta commit renames two files, its JSON and its checksum, each with a .crc). That
 * is about 20 processes per commit (counted with JFR's jdk.ProcessStart), each a few milliseconds of CPU. This class answers
 * both with {@code java.nio}, with the same results:
 *
 * <ul>
 *   <li>{@link #setPermission}: the same mode, set with {@link Files#setPosixFilePermissions} (which, like
 *       {@code chmod}, follows a link). Modes beyond {@code rwx} (sticky, setuid) and non-POSIX file systems keep
 *       Hadoop's own way.
 *   <li>{@link #getFileLinkStatus}: Hadoop's default implementation, with the link's target read by
 *       {@link Files#readSymbolicLink} instead of {@code readlink}. Like Hadoop's, it reads the path as written
 *       ({@code new File(path.toString())}): a qualified {@code file:} path is never taken for a link, as before.
 * </ul>
 *
 * <p>Used through {@link LocalFileSystemWithoutForks} and {@link LocalFsWithoutForks}, which Ingot's sessions set for
 * the {@code file} scheme ({@code fs.file.impl}, {@code fs.AbstractFileSystem.file.impl}).
 */
public class ForklessRawLocalFileSystem extends RawLocalFileSystem {
    private static final boolean POSIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews()
            .contains("posix");

    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
        short mode = permission.toShort();
        if (!POSIX || (mode & ~0777) != 0) {
            super.setPermission(p, permission);
            return;
        }
        Files.setPosixFilePermissions(pathToFile(p).toPath(), permissions(mode));
    }

    /** The POSIX permissions of the {@code rwxrwxrwx} bits of a mode. */
    static Set<PosixFilePermission> permissions(int mode) {
        return PosixFilePermissions.fromString(new FsPermission((short) mode).toString());
    }

    @Override
    public FileStatus getFileLinkStatus(Path f) throws IOException {
        FileStatus fi = linkStatus(f);
        if (fi.isSymlink()) {
            fi.setSymlink(FSLinkResolver.qualifySymlinkTarget(getUri(), fi.getPath(), fi.getSymlink()));
        }
        return fi;
    }

    @Override
    public Path getLinkTarget(Path f) throws IOException {
        FileStatus fi = linkStatus(f);
        if (fi.isSymlink()) {
            return fi.getSymlink();
        }
        throw new IOException("Path " + f + " is not a symbolic link");
    }

    /** Hadoop's {@code deprecatedGetFileLinkStatusInternal}, reading the link with java.nio. */
    private FileStatus linkStatus(Path f) throws IOException {
        String target = readLink(f.toString());
        try {
            FileStatus fs = getFileStatus(f);
            if (target.isEmpty()) {
                return fs;
            }
            return new FileStatus(fs.getLen(), false, fs.getReplication(), fs.getBlockSize(),
                    fs.getModificationTime(), fs.getAccessTime(), fs.getPermission(), fs.getOwner(), fs.getGroup(),
                    new Path(target), f);
        } catch (FileNotFoundException e) {
            if (!target.isEmpty()) { // a dangling link, or a link deleted meanwhile
                return new FileStatus(0, false, 0, 0, 0, 0, FsPermission.getDefault(), "", "", new Path(target), f);
            }
            throw e;
        }
    }

    /** What {@code readlink PATH} prints, or "" when it fails (not a link, no such file): Hadoop's FileUtil.readLink. */
    static String readLink(String path) {
        try {
            return Files.readSymbolicLink(new File(path).toPath()).toString();
        } catch (IOException | UnsupportedOperationException | java.nio.file.InvalidPathException e) {
            return "";
        }
    }
}
