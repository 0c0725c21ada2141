package dev.ingot.core.config.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.ingot.core.Identifiers;
import dev.ingot.core.Secrets;
import dev.ingot.core.config.Secret;
import dev.ingot.core.config.TimeSpan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader over one YAML mapping. The keys a mapping may have are those {@link ConfigKeys} declares for it;
 * {@link #finish()} reports the others. A getter may only ask for a declared key, read as its declared type: asking
 * for another is a bug, thrown as {@link IllegalStateException}, so a key cannot reach the loader without its
 * documentation. (A mapping whose keys depend on its kind, a check, or are not declared, a model, may have the keys
 * its getters asked for.)
 * Problems in the file are collected, never thrown, so a load reports all of them; a getter whose value is wrong
 * returns empty (or the default) and the load goes on.
 */
public final class Node {
    /** {@code ${env:NAME}}: an environment variable's value; group 1 is the name. */
    public static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

    private final String file;
    private final String path;
    private final JsonNode json;
    private final Problems problems;
    private final Map<String, String> env;
    private final Set<String> known = new LinkedHashSet<>();
    /** The kind of file, when it has one, and this mapping's path in {@link ConfigKeys} ({@code aggregations[]}). */
    private final Optional<ConfigKeys.FileKind> kind;
    private final String schemaPath;
    /** The keys declared for this mapping; empty when they are not declared. */
    private final List<ConfigKeys.Key> declared;
    /** Whether the keys this mapping may have are the ones asked for (see {@link ConfigKeys#dependsOnKind}). */
    private final boolean byKind;

    private Node(String file, String path, JsonNode json, Problems problems, Map<String, String> env,
                 Optional<ConfigKeys.FileKind> kind, String schemaPath) {
        this.file = file;
        this.path = path;
        this.json = json;
        this.problems = problems;
        this.env = env;
        this.kind = kind;
        this.schemaPath = schemaPath;
        this.declared = kind.map(k -> ConfigKeys.of(k, schemaPath)).orElse(List.of());
        this.byKind = declared.isEmpty() || ConfigKeys.dependsOnKind(kind.orElseThrow(), schemaPath);
    }

    private Node child(String p, JsonNode v, String childSchemaPath) {
        return new Node(file, p, v, problems, env, kind, childSchemaPath);
    }

    /** The root of a file; reports a problem and reads as empty when the document is not a mapping. */
    public static Node root(String file, JsonNode json, Problems problems, Map<String, String> env) {
        Optional<ConfigKeys.FileKind> kind = ConfigKeys.FileKind.of(file);
        if (json == null || json.isMissingNode() || json.isNull()) {
            problems.add(file, "", "the file is empty", "write a YAML mapping of keys (see docs/configuration.md)");
            return new Node(file, "", MissingNode.getInstance(), problems, env, kind, "");
        }
        if (!json.isObject()) {
            problems.add(file, "", "the document is " + show(json) + ", not a mapping of keys",
                    "write a YAML mapping (key: value lines) at the top level");
            return new Node(file, "", MissingNode.getInstance(), problems, env, kind, "");
        }
        return new Node(file, "", json, problems, env, kind, "");
    }

    public String file() {
        return file;
    }

    public String path() {
        return path;
    }

    /** The key path of a child key, for messages. */
    public String at(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public void problem(String key, String problem, String fix) {
        problems.add(file, key == null ? path : at(key), problem, fix);
    }

    public boolean has(String key) {
        if (!byKind) {
            declaration(key); // where keys depend on the kind, the loader also asks about any key the file has
        }
        known.add(key);
        JsonNode v = json.get(key);
        return v != null && !v.isNull();
    }

    private JsonNode raw(String key, ConfigKeys.Shape shape) {
        declaration(key).ifPresent(k -> {
            if (k.type().shape() != shape) {
                throw new IllegalStateException("the loader reads " + describe(key) + " as " + shape
                        + " but ConfigKeys declares it " + k.type().shape() + ": make them agree");
            }
        });
        known.add(key);
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** The key's declaration, when this mapping's keys are declared; a key they do not declare is a bug. */
    private Optional<ConfigKeys.Key> declaration(String key) {
        if (declared.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(declared.stream().filter(k -> k.name().equals(key)).findFirst().orElseThrow(() ->
                new IllegalStateException("the loader reads " + describe(key) + ", which ConfigKeys does not declare:"
                        + " declare it there with its type, default and doc (docs/configuration.md is made from it)")));
    }

    private String describe(String key) {
        return "'" + (schemaPath.isEmpty() ? key : schemaPath + "." + key) + "' of "
                + kind.map(ConfigKeys.FileKind::pattern).orElse(file);
    }

    // ---- scalars ----

    /** A string; a required one that is missing is a problem. */
    public Optional<String> string(String key, boolean required, String expected) {
        // Empty when a variable is unset: that is reported once, not again as a bad value.
        return text(key, required, expected).map(s -> interpolate(at(key), s));
    }

    /** The text of a scalar as written (not interpolated); a missing required one, a non-scalar or a blank is a problem. */
    private Optional<String> text(String key, boolean required, String expected) {
        JsonNode v = raw(key, ConfigKeys.Shape.SCALAR);
        if (v == null) {
            if (required) {
                missing(key, "add '" + key + ": <" + expected + ">'");
            }
            return Optional.empty();
        }
        if (!v.isValueNode() || v.isBinary()) {
            problem(key, "is " + show(v) + ", not a string", "write " + expected);
            return Optional.empty();
        }
        String s = v.asText();
        if (s.isBlank()) {
            problem(key, "is empty", "write " + expected);
            return Optional.empty();
        }
        return Optional.of(s);
    }

    /**
     * A secret ({@code ${env:NAME}} or text), not resolved: its variables are looked up only by the commands that use
     * it ({@link Secret}). Text with a '${' that is not {@code ${env:NAME}} is a problem of the file, reported
     * now.
     */
    public Optional<Secret> secret(String key, String expected) {
        Optional<String> text = text(key, false, expected);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String s = text.get();
        if (malformed(at(key), s)) {
            return Optional.empty();
        }
        return Optional.of(Secret.of(file, at(key), s, env));
    }

    /** A name (see {@link Identifiers#checkName}). */
    public Optional<String> name(String key, boolean required) {
        Optional<String> s = string(key, required, "a name: " + Identifiers.nameRule());
        if (s.isPresent() && Identifiers.checkName(s.get()).isPresent()) {
            problem(key, "'" + s.get() + "' is not a valid name", "use " + Identifiers.nameRule());
            return Optional.empty();
        }
        return s;
    }

    /** A column name (see {@link Identifiers#checkColumn}). */
    public Optional<String> column(String key, boolean required) {
        Optional<String> s = string(key, required, "a column name");
        if (s.isPresent() && Identifiers.checkColumn(s.get()).isPresent()) {
            problem(key, "'" + s.get() + "' is not a valid column name", "use " + Identifiers.columnRule());
            return Optional.empty();
        }
        return s;
    }

    /** A boolean. */
    public boolean bool(String key, boolean dflt) {
        JsonNode v = raw(key, ConfigKeys.Shape.SCALAR);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            problem(key, "is " + show(v) + ", not a boolean", "write true or false");
            return dflt;
        }
        return v.asBoolean();
    }

    /** A number within [min, max]. */
    public Optional<Double> number(String key, boolean required, double min, double max) {
        JsonNode v = raw(key, ConfigKeys.Shape.SCALAR);
        String range = min <= -Double.MAX_VALUE && max >= Double.MAX_VALUE ? "a number"
                : max >= Double.MAX_VALUE ? "a number from " + fmt(min)
                : min <= -Double.MAX_VALUE ? "a number up to " + fmt(max)
                : "a number from " + fmt(min) + " to " + fmt(max);
        if (v == null) {
            if (required) {
                missing(key, "add '" + key + ": <" + range + ">'");
            }
            return Optional.empty();
        }
        if (!v.isNumber()) {
            problem(key, "is " + show(v) + ", not a number", "write " + range);
            return Optional.empty();
        }
        double d = v.asDouble();
        if (d < min || d > max || Double.isNaN(d)) {
            problem(key, "is " + fmt(d) + ", out of range", "write " + range);
            return Optional.empty();
        }
        return Optional.of(d);
    }

    /** A whole number within [min, max]. */
    public Optional<Long> integer(String key, boolean required, long min, long max) {
        JsonNode v = raw(key, ConfigKeys.Shape.SCALAR);
        String range = "a whole number from " + min + " to " + max;
        if (v == null) {
            if (required) {
                missing(key, "add '" + key + ": <" + range + ">'");
            }
            return Optional.empty();
        }
        if (!v.isIntegralNumber()) {
            problem(key, "is " + show(v) + ", not a whole number", "write " + range);
            return Optional.empty();
        }
        long l = v.asLong();
        if (l < min || l > max) {
            problem(key, "is " + l + ", out of range", "write " + range);
            return Optional.empty();
        }
        return Optional.of(l);
    }

    /** One of an enum's constants, written in lower case with '_' or '-' (e.g. {@code quarantine}). */
    public <E extends Enum<E>> Optional<E> choice(String key, Class<E> type, boolean required) {
        declaration(key).ifPresent(k -> {
            if (!k.type().choices().equals(Optional.of(type))) {
                throw new IllegalStateException("the loader reads " + describe(key) + " as a choice of "
                        + type.getSimpleName() + " but ConfigKeys declares it " + k.type() + ": make them agree");
            }
        });
        List<String> allowed = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        Optional<String> s = string(key, required, "one of " + String.join(", ", allowed));
        if (s.isEmpty()) {
            return Optional.empty();
        }
        String norm = s.get().trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(norm)) {
                return Optional.of(e);
            }
        }
        problem(key, "'" + s.get() + "' is not one of " + String.join(", ", allowed) + suggest(norm, allowed),
                "write one of " + String.join(", ", allowed));
        return Optional.empty();
    }

    /** A duration such as {@code 30m}, {@code 1h}, {@code 7d}. */
    public Optional<TimeSpan> duration(String key, boolean required) {
        Optional<String> s = string(key, required, "a duration such as 30m, 1h or 7d");
        if (s.isEmpty()) {
            return Optional.empty();
        }
        Optional<TimeSpan> d = TimeSpan.parse(s.get());
        if (d.isEmpty()) {
            problem(key, "'" + s.get() + "' is not a duration", "write a whole number and a unit: m, h or d (e.g. 1h, 7d)");
        }
        return d;
    }

    // ---- collections ----

    /** A list of strings; a single string is read as a list of one. */
    public List<String> strings(String key, boolean required, String expected) {
        JsonNode v = raw(key, ConfigKeys.Shape.LIST);
        if (v == null) {
            if (required) {
                missing(key, "add '" + key + ": [" + expected + ", ...]'");
            }
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v.isTextual()) {
            String one = interpolate(at(key), v.asText());
            if (one != null) {
                out.add(one);
            }
            return out;
        }
        if (!v.isArray()) {
            problem(key, "is " + show(v) + ", not a list", "write a list of " + expected);
            return List.of();
        }
        if (v.isEmpty() && required) {
            problem(key, "is an empty list", "list at least one " + expected);
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isValueNode() || e.isNull()) {
                problem(key + "[" + i + "]", "is " + show(e) + ", not a string", "write " + expected);
            } else {
                String one = interpolate(at(key) + "[" + i + "]", e.asText());
                if (one != null) {
                    out.add(one);
                }
            }
        }
        return out;
    }

    /** A list of names, checked as names and for duplicates. */
    public List<String> names(String key, boolean required, String expected, boolean columns) {
        List<String> raw = strings(key, required, expected);
        List<String> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            String s = raw.get(i);
            Optional<String> bad = columns ? Identifiers.checkColumn(s) : Identifiers.checkName(s);
            if (bad.isPresent()) {
                problem(key + "[" + i + "]", bad.get(), "use " + (columns ? Identifiers.columnRule() : Identifiers.nameRule()));
            } else if (!seen.add(s)) {
                problem(key + "[" + i + "]", "'" + s + "' is listed twice", "list each " + expected + " once");
            } else {
                out.add(s);
            }
        }
        return out;
    }

    /** A nested mapping, or empty when absent. */
    public Optional<Node> object(String key, boolean required) {
        JsonNode v = raw(key, ConfigKeys.Shape.MAPPING);
        if (v == null) {
            if (required) {
                missing(key, "add a '" + key + ":' mapping");
            }
            return Optional.empty();
        }
        if (!v.isObject()) {
            problem(key, "is " + show(v) + ", not a mapping", "write '" + key + ":' followed by indented key: value lines");
            return Optional.empty();
        }
        return Optional.of(child(at(key), v, schemaPath.isEmpty() ? key : schemaPath + "." + key));
    }

    /** A list of mappings. */
    public List<Node> objects(String key, boolean required, String expected) {
        JsonNode v = raw(key, ConfigKeys.Shape.LIST_OF_MAPPINGS);
        if (v == null) {
            if (required) {
                missing(key, "add a '" + key + ":' list of " + expected);
            }
            return List.of();
        }
        if (!v.isArray()) {
            problem(key, "is " + show(v) + ", not a list", "write a list of " + expected + " ('- key: value' items)");
            return List.of();
        }
        if (v.isEmpty() && required) {
            problem(key, "is an empty list", "list at least one " + expected);
        }
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            String p = at(key) + "[" + i + "]";
            if (!e.isObject()) {
                problems.add(file, p, "is " + show(e) + ", not a mapping", "write " + expected + " as 'key: value' lines");
            } else {
                out.add(child(p, e, (schemaPath.isEmpty() ? key : schemaPath + "." + key) + "[]"));
            }
        }
        return out;
    }

    /** A mapping of string keys to scalar values, as strings (e.g. Spark conf, algorithm params). */
    public Map<String, String> scalarMap(String key) {
        JsonNode v = raw(key, ConfigKeys.Shape.MAP);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!v.isObject()) {
            problem(key, "is " + show(v) + ", not a mapping", "write '" + key + ":' followed by indented key: value lines");
            return out;
        }
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                problem(key + "." + e.getKey(), "is " + show(e.getValue()) + ", not a single value",
                        "write a string, number or boolean");
            } else {
                String one = interpolate(at(key) + "." + e.getKey(), e.getValue().asText());
                if (one != null) {
                    out.put(e.getKey(), one);
                }
            }
        }
        return out;
    }

    /** Keys of this mapping in file order. */
    public List<String> keys() {
        List<String> out = new ArrayList<>();
        json.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /**
     * Reports every key this mapping may not have, with the ones it may have and a guess at what was meant. A declared
     * key in the file that no getter asked for is a bug (the file would say something the loader ignores).
     */
    public void finish() {
        List<String> allowed = byKind ? List.copyOf(known) : declared.stream().map(ConfigKeys.Key::name).toList();
        for (String k : keys()) {
            if (!allowed.contains(k)) {
                problems.add(file, at(k), "unknown key '" + k + "'" + suggest(k, allowed),
                        "remove it, or use one of: " + String.join(", ", allowed));
            } else if (!known.contains(k)) {
                throw new IllegalStateException("ConfigKeys declares " + describe(k) + " but the loader never reads it");
            }
        }
    }

    // ---- helpers ----

    /** The text with {@code ${env:NAME}} replaced; null (and a problem) when a variable is unset or malformed. */
    private String interpolate(String keyPath, String s) {
        if (!s.contains("${")) {
            return s;
        }
        Matcher m = ENV.matcher(s);
        StringBuilder out = new StringBuilder();
        boolean ok = true;
        while (m.find()) {
            String var = m.group(1);
            String value = env.get(var);
            if (value == null) {
                problems.add(file, keyPath, "environment variable " + var + " (from ${env:" + var + "}) is not set",
                        "export " + var + " before running Ingot");
                value = "";
                ok = false;
            } else {
                Secrets.register(value);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        ok &= !malformed(keyPath, s);
        return ok ? out.toString() : null;
    }

    /** Whether {@code s} has a '${' that is not {@code ${env:NAME}} (reported). */
    private boolean malformed(String keyPath, String s) {
        if (ENV.matcher(s).replaceAll("").contains("${")) {
            problems.add(file, keyPath, "'" + s + "' has a '${' that is not ${env:NAME}",
                    "write ${env:NAME} to read the environment variable NAME");
            return true;
        }
        return false;
    }

    static String kind(JsonNode v) {
        if (v.isObject()) {
            return "mapping";
        }
        if (v.isArray()) {
            return "list";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        if (v.isNull()) {
            return "null";
        }
        return "string";
    }

    /** The value as found, for messages: {@code 'abc' (a string)}, {@code a list [a, b]}. */
    static String show(JsonNode v) {
        if (v.isNull()) {
            return "null";
        }
        if (v.isValueNode()) {
            return "'" + v.asText() + "' (a " + kind(v) + ")";
        }
        String text = render(v);
        return "a " + kind(v) + " " + (text.length() > 80 ? text.substring(0, 77) + "..." : text);
    }

    /** Flow-style YAML of a value as the user wrote it: before interpolation, so it holds no secret. */
    private static String render(JsonNode v) {
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(e -> items.add(render(e)));
            return "[" + String.join(", ", items) + "]";
        }
        if (v.isObject()) {
            List<String> items = new ArrayList<>();
            v.fields().forEachRemaining(e -> items.add(e.getKey() + ": " + render(e.getValue())));
            return "{" + String.join(", ", items) + "}";
        }
        return v.isNull() ? "null" : v.asText();
    }

    /** Reports a required key that is absent, or present with nothing after its ':'. */
    private void missing(String key, String fix) {
        problem(key, json.has(key) ? "has no value" : "is missing", fix);
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** ", did you mean 'x'?" when a known word is close to {@code word}. */
    public static String suggest(String word, Iterable<String> candidates) {
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDist) {
                bestDist = d;
                best = c;
            }
        }
        return best != null && bestDist <= Math.max(1, word.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Sorted copy, for stable messages. */
    static List<String> sorted(Iterable<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(out::add);
        out.sort(Comparator.naturalOrder());
        return out;
    }
}
