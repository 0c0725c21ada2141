package dev.ingot.core.config;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import dev.ingot.core.Secrets;
import dev.ingot.core.config.internal.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;

/**
 * A secret of {@code ingot.yaml} (a password, a token, a private key) that is resolved only by the commands that use
 * it: written as {@code ${env:NAME}}, its variable need only be set where such a command runs. So an Airflow worker
 * that runs {@code features materialize} does not need {@code airflow.password}'s variable, while
 * {@code ingot airflow trigger} refuses to start without it.
 *
 * <p>It remembers where it was written (file and key path), the text as written, and the values that the
 * environment the project was loaded with ({@link ProjectLoader#load(java.nio.file.Path, Map)}) holds for the
 * variables it names (only those: never the whole environment). {@link #problems()} says what is missing, as the same
 * {@link ConfigProblem} the loader used to report; {@link #resolve()} gives the value or throws those problems (exit
 * code 2). Values taken from the environment are registered with {@link Secrets} as soon as they are known, so a
 * secret is masked in every message whether or not the command resolves it. {@link #toString()} names the key and
 * the variables, never the value.
 */
public final class Secret {
    private final String file;
    private final String keyPath;
    /** As written: text with {@code ${env:NAME}} parts, or the secret itself when it has none. */
    private final String text;
    /** The value of each variable {@link #text} names that the environment held; an unset one is absent. */
    private final Map<String, String> values;
    /** Whether {@link #text} is a value given as such ({@link #literal}), not text to interpolate. */
    private final boolean literal;

    private Secret(String file, String keyPath, String text, Map<String, String> values, boolean literal) {
        this.file = file;
        this.keyPath = keyPath;
        this.text = text;
        this.values = values;
        this.literal = literal;
    }

    /**
     * A secret as written in {@code file} at {@code keyPath}: {@code text} may hold {@code ${env:NAME}} parts, which
     * take their values from {@code env} when resolved. {@code text} must be well formed: every '${' starts a
     * {@code ${env:NAME}} (the loader reports other text as a file error before it builds a secret).
     */
    public static Secret of(String file, String keyPath, String text, Map<String, String> env) {
        Errors.required(file, "Secret.file");
        Errors.required(keyPath, "Secret.keyPath");
        Errors.required(text, "Secret.text");
        Errors.required(env, "Secret env");
        if (Node.ENV.matcher(text).replaceAll("").contains("${")) {
            throw Errors.invalidDefinition("secret " + keyPath + " of " + file, "it has a '${' that is not ${env:NAME}",
                    "write ${env:NAME} to read the environment variable NAME");
        }
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = Node.ENV.matcher(text);
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value != null) {
                Secrets.register(value);
                values.put(m.group(1), value);
            }
        }
        return new Secret(file, keyPath, text, Map.copyOf(values), false);
    }

    /** A secret given as its value, e.g. by Java code: nothing to resolve, never printed. */
    public static Secret literal(String value) {
        return literal("", "", value);
    }

    /** A value read from {@code file} at {@code keyPath} as it is (a key file's content): no {@code ${env:...}} in it. */
    static Secret literal(String file, String keyPath, String value) {
        Errors.required(value, "Secret value");
        // No ${env:...} is looked at in a value given as such: '${' is then just text.
        return new Secret(file, keyPath, value, Map.of(), true);
    }

    /** The file it was written in, relative to the project ({@code ingot.yaml}); empty for a {@link #literal(String)}. */
    public String file() {
        return file;
    }

    /** Its key path in {@link #file()} ({@code airflow.password}); empty for a {@link #literal(String)}. */
    public String keyPath() {
        return keyPath;
    }

    /** The environment variables it reads, in the order written; empty when it is written out in the file. */
    public List<String> variables() {
        List<String> out = new ArrayList<>();
        if (!literal) {
            Matcher m = Node.ENV.matcher(text);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** What stops it from resolving: one problem per variable that was not set; empty when it resolves. */
    public List<ConfigProblem> problems() {
        List<ConfigProblem> out = new ArrayList<>();
        for (String var : variables()) {
            if (!values.containsKey(var)) {
                out.add(new ConfigProblem(file, keyPath, "environment variable " + var + " (from ${env:" + var
                        + "}) is not set", "export " + var + " before running Ingot"));
            }
        }
        return out;
    }

    /**
     * The value, with every {@code ${env:NAME}} replaced; registered with {@link Secrets} when it came from the
     * environment.
     *
     * @throws dev.ingot.core.InvalidConfigException (exit code 2) naming the file, the key path and every variable
     *     that is not set
     */
    public String resolve() {
        List<ConfigProblem> problems = problems();
        if (!problems.isEmpty()) {
            throw Errors.invalidConfig("read " + keyPath + " of " + file, problems);
        }
        if (literal) {
            return text;
        }
        String value = Node.ENV.matcher(text).replaceAll(r -> Matcher.quoteReplacement(values.get(r.group(1))));
        if (!variables().isEmpty()) {
            Secrets.register(value);
        }
        return value;
    }

    /** Names the key and the variables it reads, never the value. */
    @Override
    public String toString() {
        if (literal) {
            return "Secret[" + (file.isEmpty() ? "" : file + ": " + keyPath + ", ") + Secrets.MASK + "]";
        }
        List<String> vars = variables();
        return "Secret[" + file + ": " + keyPath + (vars.isEmpty() ? ", written in the file" : ", from "
                + String.join(", ", vars.stream().map(v -> "${env:" + v + "}").toList())) + "]";
    }

    /** Equal when written the same at the same place and resolving to the same value. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && literal == s.literal && file.equals(s.file) && keyPath.equals(s.keyPath)
                && text.equals(s.text) && values.equals(s.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(file, keyPath, text, values, literal);
    }
}
