package dev.ingot.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where data lives: a directory on local disk, or a URI of a file system Spark reads ({@code s3a://}, {@code hdfs://},
 * {@code abfss://}, ...). The one rule for telling them apart, used for the warehouse, the embedded metastore, reports
 * and sources:
 * <ul>
 *   <li>a path without a scheme is local; a relative one is taken from a base directory (the project's, or the working
 *       directory for a command-line option), so it means the same wherever a command runs;</li>
 *   <li>{@code file:/abs}, {@code file:///abs} and {@code file://localhost/abs} are local too;</li>
 *   <li>{@code scheme://...} is remote and kept as written;</li>
 *   <li>anything else ({@code C:\data}, {@code ~/data}, {@code file:relative}, {@code s3a:bucket}, {@code file://host/x},
 *       backslashes, blanks) is refused with the reason, instead of being taken for a relative path.</li>
 * </ul>
 * Immutable.
 */
public final class Location {
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:.*");
    private static final Pattern WINDOWS_DRIVE = Pattern.compile("[A-Za-z]:([\\\\/].*)?");

    /** For a local location: the absolute, normalized path; null for a remote one. */
    private final Path path;
    /** For a remote location: the URI as written, without a trailing slash; null for a local one. */
    private final String uri;

    private Location(Path path, String uri) {
        this.path = path;
        this.uri = uri;
    }

    /** A local directory. */
    public static Location of(Path path) {
        return new Location(Objects.requireNonNull(path, "path").toAbsolutePath().normalize(), null);
    }

    /**
     * Parses a location as a user wrote it.
     *
     * @param text a path or a URI
     * @param base the directory a relative path is taken from
     * @throws IngotException (bad input) when the text is neither; {@link #problem} says why
     */
    public static Location parse(String text, Path base) {
        Optional<String> problem = problem(text);
        if (problem.isPresent()) {
            throw Errors.badArgument("location", text, "a path or a URI such as s3a://bucket/dir: " + problem.get());
        }
        if (text.startsWith("file:")) {
            return of(Path.of(URI.create(text.startsWith("file://localhost/") ? "file:" + text.substring(16) : text)));
        }
        if (SCHEME.matcher(text).matches()) {
            return new Location(null, stripSlash(text));
        }
        return of(base.resolve(text));
    }

    /**
     * Why {@code text} is not a location, and how to write it; empty when it is one. For a config loader that reports
     * the problem against a file and key instead of throwing.
     */
    public static Optional<String> problem(String text) {
        if (text == null || text.isBlank()) {
            return Optional.of("it is empty; write a path or a URI");
        }
        if (!text.strip().equals(text)) {
            return Optional.of("it starts or ends with blanks; remove them");
        }
        if (text.indexOf('\\') >= 0 || WINDOWS_DRIVE.matcher(text).matches()) {
            return Optional.of("it looks like a Windows path; write a path with '/' (e.g. /data/warehouse) or a file:/// URI");
        }
        if (text.startsWith("~")) {
            return Optional.of("'~' is not expanded; write the home directory out (e.g. /home/me/warehouse)");
        }
        if (text.startsWith("file:")) {
            if (!text.startsWith("file:/")) {
                return Optional.of("a file: URI holds an absolute path (file:///data/warehouse); "
                        + "write a relative path without 'file:'");
            }
            if (text.startsWith("file://") && !text.startsWith("file:///") && !text.startsWith("file://localhost/")) {
                return Optional.of("a file: URI names no other host; write file:///path (three slashes) or file:/path");
            }
            return uriProblem(text);
        }
        if (SCHEME.matcher(text).matches()) {
            if (!text.matches("[A-Za-z][A-Za-z0-9+.-]*://.+")) {
                return Optional.of("a URI is scheme://authority/path (e.g. s3a://bucket/warehouse)");
            }
            return uriProblem(text);
        }
        try {
            Path.of(text);
        } catch (InvalidPathException e) {
            return Optional.of("it is not a valid path: " + e.getReason());
        }
        return Optional.empty();
    }

    private static Optional<String> uriProblem(String text) {
        try {
            new URI(text);
            return Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.of("it is not a valid URI: " + e.getReason() + " at index " + e.getIndex()
                    + " (spaces and some characters must be percent-encoded)");
        }
    }

    /** Whether this is a directory on local disk (of the driver). */
    public boolean isLocal() {
        return path != null;
    }

    /**
     * The local directory: absolute and normalized.
     *
     * @throws IllegalStateException for a remote location; ask {@link #isLocal()} first
     */
    public Path localPath() {
        if (path == null) {
            throw new IllegalStateException(uri + " is not on local disk");
        }
        return path;
    }

    /** The location as a URI: {@code file:///...} for a local one. */
    public URI uri() {
        return path != null ? path.toUri() : URI.create(uri);
    }

    /** The location {@code child} below this one ({@code child} a relative path with '/'). */
    public Location resolve(String child) {
        if (child.startsWith("/") || child.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("not a relative path: " + child);
        }
        return path != null ? of(path.resolve(child)) : new Location(null, uri + "/" + stripSlash(child));
    }

    /** As Spark and Hadoop take it: the absolute path for a local location, the URI as written for a remote one. */
    @Override
    public String toString() {
        return path != null ? path.toString() : uri;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Location l && Objects.equals(path, l.path) && Objects.equals(uri, l.uri);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, uri);
    }

    private static String stripSlash(String s) {
        return s.length() > 1 && s.endsWith("/") && !s.endsWith("://") ? s.substring(0, s.length() - 1) : s;
    }
}
