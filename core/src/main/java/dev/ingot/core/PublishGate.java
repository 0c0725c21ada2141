package dev.ingot.core;

import dev.ingot.core.config.CheckSuiteDef;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Write-audit-publish: the seam through which a writer (a feature materialization, later a scoring run) lets
 * quality suites decide which candidate rows reach a table. The {@code validation} module implements it with Deequ;
 * modules that write tables depend only on this interface.
 *
 * <pre>{@code
 * try (PublishGate.Admission a = gate.admit(candidate, suites, target)) {   // throws (exit code 1) when it says no
 *     a.rows().write()...;                                                   // the candidate without quarantined rows
 * }
 * }</pre>
 */
public interface PublishGate {

    /**
     * Runs the suites over candidate rows of {@code target}.
     *
     * @return the rows that may be published; close it once they are written
     * @throws IngotException with {@link ExitCode#GATE_FAILED} when an error-level check failed (nothing may be
     *     published), or {@link ExitCode#BAD_INPUT} when a check does not fit the candidate's schema
     */
    Admission admit(Dataset<Row> candidate, List<CheckSuiteDef> suites, TableName target);

    /** What a gate let through. */
    interface Admission extends AutoCloseable {
        /** The rows to publish: the candidate without the rows moved to quarantine. */
        Dataset<Row> rows();

        /** Rows moved to {@code quality.<target>__quarantine}. */
        long quarantinedRows();

        /** Warning-level checks that failed (recorded; the rows are published anyway), one line each. */
        List<String> warnings();

        /** The HTML report of the run, when the gate writes reports. */
        Optional<Path> report();

        /** Releases what the gate cached for the write. */
        @Override
        void close();
    }

    /** Makes the gate of a session; the {@code validation} module registers one with {@link ServiceLoader}. */
    interface Provider {
        PublishGate create(SparkSession spark);
    }

    /** The gate of the first {@link Provider} on the class path, if any. */
    static Optional<PublishGate> discover(SparkSession spark) {
        for (Provider p : ServiceLoader.load(Provider.class, PublishGate.class.getClassLoader())) {
            return Optional.of(p.create(spark));
        }
        return Optional.empty();
    }
}
