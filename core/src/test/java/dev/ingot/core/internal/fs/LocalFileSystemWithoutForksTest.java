package dev.ingot.core.internal.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ForklessRawLocalFileSystem} answers as Hadoop's {@link RawLocalFileSystem} (the reference, run side by side
 * on the same random files, links and modes), and Ingot's sessions use it: a Delta commit starts no process.
 */
class LocalFileSystemWithoutForksTest {
    @TempDir
    Path dir;

    @Test
    void aDeltaTableIsCreatedWrittenAndReadWithoutStartingAProcess() throws Exception {
        SparkSession spark = TestSpark.session();
        String table = dir.resolve("t").toString();
        spark.range(10).write().format("delta").save(table); // Delta's and Hadoop's classes loaded, caches warm
        List<String> started = new ArrayList<>();
        Path jfr = dir.resolve("processes.jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.ProcessStart").withStackTrace();
            r.start();
            spark.range(10, 20).write().format("delta").mode("append").save(table);
            spark.sql("UPDATE delta.`" + table + "` SET id = id + 100 WHERE id < 5");
            assertThat(spark.read().format("delta").load(table).count()).isEqualTo(20);
            r.stop();
            r.dump(jfr);
        }
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            // Hadoop's file system's, not others that Spark may start meanwhile (its executor metrics ask
            // 'getconf PAGESIZE' once per JVM, whenever the first poll happens).
            if (e.getStackTrace() != null && e.getStackTrace().getFrames().stream()
                    .anyMatch(f -> f.getMethod().getType().getName().startsWith("org.apache.hadoop.fs."))) {
                started.add(e.getString("command"));
            }
        }
        assertThat(started).as("processes started by Hadoop's file system for two Delta commits and a read (chmod "
                + "and readlink before this file system)").isEmpty();
        assertThat(spark.sparkContext().hadoopConfiguration().get("fs.AbstractFileSystem.file.impl"))
                .isEqualTo(LocalFsWithoutForks.class.getName());
    }

    @Test
    void permissionsAndLinkStatusesAreHadoopsOwn() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        RawLocalFileSystem hadoop = new RawLocalFileSystem();
        ForklessRawLocalFileSystem forkless = new ForklessRawLocalFileSystem();
        Configuration conf = new Configuration(false);
        hadoop.initialize(java.net.URI.create("file:///"), conf);
        forkless.initialize(java.net.URI.create("file:///"), conf);

        // Modes: the same mode set by each on its own twin file gives the same POSIX permissions.
        for (int i = 0; i < 40; i++) {
            int mode = i == 0 ? 0 : i == 1 ? 0777 : rnd.nextInt(01000);
            Path a = Files.createFile(dir.resolve("mode-a-" + i));
            Path b = Files.createFile(dir.resolve("mode-b-" + i));
            hadoop.setPermission(new org.apache.hadoop.fs.Path(a.toString()), new FsPermission((short) mode));
            forkless.setPermission(new org.apache.hadoop.fs.Path(b.toUri()), new FsPermission((short) mode));
            Set<PosixFilePermission> want = Files.getPosixFilePermissions(a);
            assertThat(Files.getPosixFilePermissions(b)).as("seed %d: mode %o (%s)", seed, mode,
                    PosixFilePermissions.toString(want)).isEqualTo(want);
        }

        // Links: files, folders, links to each (absolute and relative), dangling links, missing paths; each asked
        // as a plain path and as a qualified file: URI, as Hadoop's callers do.
        Files.createDirectories(dir.resolve("tree/sub"));
        Files.writeString(dir.resolve("tree/file"), "x".repeat(rnd.nextInt(100)));
        Files.createSymbolicLink(dir.resolve("tree/abs-file"), dir.resolve("tree/file"));
        Files.createSymbolicLink(dir.resolve("tree/rel-file"), Path.of("file"));
        Files.createSymbolicLink(dir.resolve("tree/abs-dir"), dir.resolve("tree/sub"));
        Files.createSymbolicLink(dir.resolve("tree/dangling"), Path.of("gone"));
        List<Path> paths = new ArrayList<>(List.of(dir.resolve("tree/file"), dir.resolve("tree/sub"),
                dir.resolve("tree/abs-file"), dir.resolve("tree/rel-file"), dir.resolve("tree/abs-dir"),
                dir.resolve("tree/dangling"), dir.resolve("tree/missing")));
        for (Path p : paths) {
            for (org.apache.hadoop.fs.Path hp : List.of(new org.apache.hadoop.fs.Path(p.toString()),
                    new org.apache.hadoop.fs.Path(p.toUri()))) {
                assertThat(linkStatus(forkless, hp)).as("seed %d: getFileLinkStatus(%s)", seed, hp)
                        .isEqualTo(linkStatus(hadoop, hp));
                assertThat(linkTarget(forkless, hp)).as("seed %d: getLinkTarget(%s)", seed, hp)
                        .isEqualTo(linkTarget(hadoop, hp));
            }
        }
        assertThat(linkStatus(forkless, new org.apache.hadoop.fs.Path(dir.resolve("tree/rel-file").toString())))
                .as("a link is found as one (the comparison above is not between two blind answers)")
                .contains("symlink=");
    }

    /** What a caller of getFileLinkStatus sees: kind, length, link target, or the exception's class. */
    private static String linkStatus(RawLocalFileSystem fs, org.apache.hadoop.fs.Path p) {
        try {
            FileStatus s = fs.getFileLinkStatus(p);
            return (s.isDirectory() ? "dir" : s.isSymlink() ? "link" : "file") + " len=" + s.getLen() + " path="
                    + s.getPath() + (s.isSymlink() ? " symlink=" + s.getSymlink() : "");
        } catch (IOException e) {
            return e.getClass().getName();
        }
    }

    private static String linkTarget(RawLocalFileSystem fs, org.apache.hadoop.fs.Path p) {
        try {
            return String.valueOf(fs.getLinkTarget(p));
        } catch (IOException e) {
            return e.getClass().getName();
        }
    }
}
