package dev.ingot.core;

import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps secrets out of logs, exceptions and reports.
 *
 * <p>Every value that config interpolation takes from the environment ({@code ${env:NAME}}) is registered here, and
 * every message Ingot prints or throws passes through {@link #redact(String)}. Registering by value, not by field,
 * means a secret is caught wherever it ends up: inside a JDBC URL, a stack trace or a Spark conf dump.
 */
public final class Secrets {
    /** What a secret is replaced with. */
    public static final String MASK = "****";
    /** Values shorter than this are too likely to occur by chance in ordinary text to be masked. */
    static final int MIN_LENGTH = 4;

    private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();

    private Secrets() {}

    /** Registers a value that must never be printed. Short values (under 4 characters) are ignored. */
    public static void register(String value) {
        if (value != null && value.length() >= MIN_LENGTH) {
            VALUES.add(value);
        }
    }

    /** The text with every registered secret replaced by {@value #MASK}. Null stays null. */
    public static String redact(String text) {
        if (text == null || VALUES.isEmpty()) {
            return text;
        }
        String out = text;
        // Longest first, so that a secret containing another is masked whole.
        for (String v : VALUES.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            out = out.replace(v, MASK);
        }
        return out;
    }
}
