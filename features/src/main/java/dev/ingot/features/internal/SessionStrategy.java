package dev.ingot.features.internal;

import dev.ingot.core.Errors;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/** Which form of a query a session runs, where the CPU's fastest form is not one RAPIDS runs on GPUs. */
final class SessionStrategy {
    private SessionStrategy() {}

    /**
     * The strategy named by the session's setting {@code conf} (any case), else {@code onGpu} when the session runs on
     * GPUs ({@code spark.ingot.gpu}) and {@code onCpu} otherwise. Another value is bad input naming the setting and
     * the strategies.
     */
    static <E extends Enum<E>> E of(SparkSession spark, String conf, Class<E> type, E onGpu, E onCpu) {
        String named = spark.conf().get(conf, "");
        if (named.isEmpty()) {
            return Boolean.parseBoolean(spark.conf().get("spark.ingot.gpu", "false")) ? onGpu : onCpu;
        }
        for (E s : type.getEnumConstants()) {
            if (s.name().equalsIgnoreCase(named)) {
                return s;
            }
        }
        throw Errors.badArgument(conf, named, Arrays.stream(type.getEnumConstants())
                .map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(" or ")));
    }
}
