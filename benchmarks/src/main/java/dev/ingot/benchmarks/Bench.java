package dev.ingot.benchmarks;

import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ProjectSettings;
import dev.ingot.core.config.TrackingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** What the benchmarks share: their project settings, their arguments, and cleaning up after themselves. */
final class Bench {
    private Bench() {}

    /** Settings of a project named {@code bench} on a local warehouse, with every default (embedded metastore, no GPU). */
    static ProjectSettings settings(Path warehouse) {
        return new ProjectSettings("bench", "", warehouse.toAbsolutePath().toString(), CatalogSettings.embedded(),
                TrackingSettings.local(), Map.of(), GpuPolicy.OFF);
    }

    /**
     * Parses {@code --name value} pairs. Every name must be one of {@code defaults}' keys, so that a mistyped size is
     * refused instead of silently running the default (a full-size run can take many minutes).
     *
     * @param defaults each known argument and its value when not given ({@code null}: none)
     * @return every known argument's value, given or default
     */
    static Map<String, String> args(String bench, String[] args, Map<String, String> defaults) {
        Map<String, String> out = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!defaults.containsKey(name)) {
                throw new IllegalArgumentException(bench + ": unknown argument '" + args[i] + "'; known: --"
                        + String.join(" --", defaults.keySet()));
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(bench + ": " + args[i] + " needs a value");
            }
            out.put(name, args[i + 1]);
        }
        return out;
    }

    /** Deletes a directory and everything in it. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
