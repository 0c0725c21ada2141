package dev.ingot.jobs.cli;

import dev.ingot.core.TestFiles;
import java.nio.file.Path;

/** A project directory a test writes file by file. */
final class ProjectFiles {
    private final Path dir;

    ProjectFiles(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Writes (or rewrites) a file of the project. */
    ProjectFiles write(String file, String text) {
        TestFiles.write(dir, file, text);
        return this;
    }

    /** {@code feature_views/<name>.yaml}: the daily sum of {@code amount} per {@code customer_id} of a source. */
    ProjectFiles spendView(String name, String source, String more) {
        return write("feature_views/" + name + ".yaml", "source: " + source + "\nentities: [customer_id]\n"
                + "aggregations:\n  - {name: spend, function: sum, column: amount, windows: [1d]}\n" + more);
    }
}
