package dev.ingot.core;

import java.lang.reflect.Field;
import java.util.Map;

/** Plants variables in the environment the JVM holds, for tests of {@code ${env:NAME}} read by the CLI. */
public final class TestEnvironment {
    private TestEnvironment() {}

    /**
     * The process environment as the JVM holds it, writable: the CLI reads {@code System.getenv()}, and a planted
     * variable must reach it as a user's export would (the test JVM opens {@code java.util} to reflection for Spark).
     */
    @SuppressWarnings("unchecked")
    public static Map<String, String> writable() throws ReflectiveOperationException {
        Map<String, String> env = System.getenv();
        Field m = env.getClass().getDeclaredField("m");
        m.setAccessible(true);
        return (Map<String, String>) m.get(env);
    }
}
