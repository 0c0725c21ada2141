package dev.ingot.core.config.internal;

import dev.ingot.core.config.internal.ConfigKeys.FileKind;
import dev.ingot.core.config.internal.ConfigKeys.Key;
import dev.ingot.core.config.internal.ConfigKeys.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the reference tables of {@code docs/configuration.md} from {@link ConfigKeys}. Each table sits between
 * {@code <!-- generated: keys of FILE [MAPPING [GROUP]] -->} and {@code <!-- end generated -->} (e.g.
 * {@code keys of feature_views/*.yaml aggregations[]}, {@code keys of checks/*.yaml checks[] anomaly}); the prose
 * around them is written by hand.
 * {@code ConfigDocTest} fails when the file is not what this writes, and rewrites it when asked to.
 */
public final class ConfigDoc {
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- generated: keys of (\\S+)(?: (\\S+))?(?: (\\S+))? -->\\n.*?<!-- end generated -->", Pattern.DOTALL);

    private ConfigDoc() {}

    /**
     * The tables the docs must have: a file's top level, and each mapping whose keys have a table of their own; one
     * per group of keys, when a mapping's keys are in groups.
     */
    public static List<String> sections() {
        List<String> out = new ArrayList<>();
        for (FileKind kind : FileKind.values()) {
            groups(out, kind, "");
            for (Key k : ConfigKeys.all()) {
                if (k.file() == kind && k.type().below()) {
                    groups(out, kind, childPath(k));
                }
            }
        }
        return out;
    }

    private static void groups(List<String> out, FileKind kind, String mapping) {
        ConfigKeys.of(kind, mapping).stream().map(Key::group).distinct().forEach(g -> out.add(marker(kind, mapping, g)));
    }

    /**
     * {@code markdown} with every generated table written anew.
     *
     * @throws IllegalArgumentException when a marker names a mapping that {@link ConfigKeys} does not declare, or a
     *     table of {@link #sections()} has no marker
     */
    public static String render(String markdown) {
        Matcher m = BLOCK.matcher(markdown);
        StringBuilder out = new StringBuilder();
        Set<String> seen = new LinkedHashSet<>();
        while (m.find()) {
            String file = m.group(1);
            String mapping = m.group(2) == null ? "" : m.group(2);
            String group = m.group(3) == null ? "" : m.group(3);
            FileKind kind = Arrays.stream(FileKind.values()).filter(k -> k.pattern().equals(file)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("'" + file + "' in a generated-table marker is"
                            + " not a kind of file: write one of " + Arrays.stream(FileKind.values()).map(FileKind::pattern).toList()));
            String marker = marker(kind, mapping, group);
            if (!sections().contains(marker)) {
                throw new IllegalArgumentException("'" + marker + "': ConfigKeys declares no table for it");
            }
            seen.add(marker);
            m.appendReplacement(out, Matcher.quoteReplacement(marker + "\n" + table(kind, mapping, group)
                    + "<!-- end generated -->"));
        }
        m.appendTail(out);
        List<String> missing = sections().stream().filter(s -> !seen.contains(s)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no place for " + String.join(", ", missing)
                    + ": add the marker and a '<!-- end generated -->' line where the table belongs");
        }
        return out.toString();
    }

    /** The table of one mapping (of one group of its keys), a Markdown table ending in a new line. */
    static String table(FileKind kind, String mapping, String group) {
        StringBuilder t = new StringBuilder("| key | type | default | meaning |\n|---|---|---|---|\n");
        rows(t, ConfigKeys.of(kind, mapping).stream().filter(k -> k.group().equals(group)).toList(),
                mapping.isEmpty() ? "" : mapping + ".");
        return t.toString();
    }

    private static void rows(StringBuilder t, List<Key> keys, String prefix) {
        for (Key k : keys) {
            String type = k.type().doc() + (k.requirement().isEmpty() ? "" : ", **" + k.requirement() + "**");
            t.append('|');
            for (String cell : List.of("`" + k.path().substring(prefix.length()) + "`", type, k.dflt(), k.doc())) {
                t.append(cell.isEmpty() ? " |" : " " + cell + " |");
            }
            t.append('\n');
            if (k.type().shape() == Shape.MAPPING && !k.type().below()) {
                rows(t, ConfigKeys.of(k.file(), k.path()), prefix);
            }
        }
    }

    private static String childPath(Key k) {
        return k.type().shape() == Shape.LIST_OF_MAPPINGS ? k.path() + "[]" : k.path();
    }

    private static String marker(FileKind kind, String mapping, String group) {
        return "<!-- generated: keys of " + kind.pattern() + (mapping.isEmpty() ? "" : " " + mapping)
                + (group.isEmpty() ? "" : " " + group) + " -->";
    }
}
