package dev.ingot.core.gpu;

import dev.ingot.core.Errors;
import java.util.Locale;

/** Where executors run, as Spark's master URL says; the GPU settings differ per cluster manager. */
public enum ClusterManager {
    /** {@code local}, {@code local[N]}, {@code local[*]}, {@code local-cluster[...]}: one JVM, no resource scheduling. */
    LOCAL,
    /** {@code spark://host:port}: Spark's standalone master; workers discover their GPUs themselves. */
    STANDALONE,
    /** {@code yarn}. */
    YARN,
    /** {@code k8s://https://host:port}. */
    KUBERNETES;

    /**
     * The cluster manager of a Spark master URL.
     *
     * @throws dev.ingot.core.IngotException (bad input) for a master URL Spark would not take either
     */
    public static ClusterManager ofMaster(String master) {
        String m = Errors.required(master, "a Spark master URL").trim().toLowerCase(Locale.ROOT);
        if (m.startsWith("local")) {
            return LOCAL;
        }
        if (m.startsWith("spark://")) {
            return STANDALONE;
        }
        if (m.equals("yarn")) {
            return YARN;
        }
        if (m.startsWith("k8s://")) {
            return KUBERNETES;
        }
        throw Errors.invalidDefinition("Spark master '" + master + "'", "not a master URL Spark knows",
                "use local[*], spark://host:7077, yarn or k8s://https://host:443");
    }
}
