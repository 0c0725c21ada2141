package dev.ingot.jobs.demo;

import dev.ingot.core.Errors;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The retail example project ({@code examples/retail} in the repository), shipped inside the app jar so that
 * {@code demo} runs wherever spark-submit does.
 */
public final class DemoProject {
    /** Where the build puts the project on the class path. */
    static final String RESOURCE = "dev/ingot/jobs/demo/retail";

    private DemoProject() {}

    /** Copies the project's files into {@code target} (replacing what is there) and returns it. */
    public static Path extractTo(Path target) {
        URL url = DemoProject.class.getClassLoader().getResource(RESOURCE + "/ingot.yaml");
        if (url == null) {
            throw Errors.jobFailed("extract the demo project", new IllegalStateException(
                    RESOURCE + " is not on the class path: rebuild the app jar (mvn package)"));
        }
        try {
            URI dir = URI.create(url.toString().substring(0, url.toString().length() - "/ingot.yaml".length()));
            if ("jar".equals(dir.getScheme())) {
                String s = dir.toString();
                URI jar = URI.create(s.substring(0, s.indexOf("!/")));
                try (FileSystem fs = open(jar)) {
                    copyTree(fs.getPath(s.substring(s.indexOf("!/") + 1)), target);
                }
            } else {
                copyTree(Path.of(dir), target);
            }
            return target;
        } catch (IOException | URISyntaxException e) {
            throw Errors.jobFailed("extract the demo project to " + target, e);
        }
    }

    private static FileSystem open(URI jar) throws IOException, URISyntaxException {
        try {
            return FileSystems.newFileSystem(jar, Map.of());
        } catch (java.nio.file.FileSystemAlreadyExistsException e) {
            // Someone else has it open; copy through a fresh view of the same file instead.
            return FileSystems.newFileSystem(Path.of(new URI(jar.getSchemeSpecificPart())), (ClassLoader) null);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(from)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            Path dest = to.resolve(from.relativize(f).toString());
            Files.createDirectories(dest.getParent());
            try (InputStream in = Files.newInputStream(f)) {
                Files.copy(in, dest, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
