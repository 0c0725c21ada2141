package dev.ingot.jobs.cli;

import dev.ingot.core.Errors;
import dev.ingot.core.ExitCode;
import dev.ingot.core.TableName;
import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.Project;
import dev.ingot.features.FeatureStore;
import dev.ingot.features.TrainingSetResult;
import java.io.PrintWriter;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ingot training-set}: a point-in-time correct join of a spine to features, written as Delta. */
@Command(name = "training-set", mixinStandardHelpOptions = true,
        description = "Point-in-time correct join of a spine (entity keys, event time, label, ...) to features: each value "
                + "from the latest feature row at or before the spine's time and within the view's ttl, else null.")
public final class TrainingSetCommand implements Callable<Integer> {
    @Mixin
    ProjectOptions options;

    @Mixin
    GpuOption gpu;

    @Option(names = "--spine", required = true, paramLabel = "TABLE", description = "The spine table (database.table).")
    String spine;

    @Option(names = "--timestamp", paramLabel = "COL", defaultValue = "ts",
            description = "The spine's event-time column (default: ${DEFAULT-VALUE}).")
    String timestamp;

    @Option(names = "--time-zone", paramLabel = "ZONE", defaultValue = "UTC",
            description = "Where the spine's time column is a timestamp_ntz (local times, as pandas writes them): their "
                    + "time zone, e.g. Europe/Paris (default: ${DEFAULT-VALUE}).")
    String timeZone;

    @Option(names = "--features", required = true, arity = "1..*", split = "\\s+", paramLabel = "V[:f1,f2]",
            description = "Feature views, or some of their features (repeatable; one argument may also hold several, "
                    + "separated by spaces, as a scheduler's templated argument does).")
    List<String> features;

    @Option(names = "--full-names", description = "Name feature columns <view>__<feature> (for views whose feature names clash).")
    boolean fullNames;

    @Option(names = "--out", required = true, paramLabel = "TABLE", description = "The table to write (database.table).")
    String out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Project p = options.load();
        TableName spineTable = TableName.parse(spine);
        TableName outTable = TableName.parse(out);
        List<FeatureRef> refs = new ArrayList<>();
        for (String f : features) {
            refs.add(FeatureRef.parse(f, "--features"));
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw Errors.badArgument("--time-zone", timeZone, "a time zone id such as UTC, Europe/Paris or +02:00");
        }
        // Everything that can be refused without Spark is refused before a session starts.
        FeatureStore.checkTrainingSetArguments(p, timestamp, refs);
        SparkSession spark = Sessions.open(p, "training-set", gpu.policy());
        TrainingSetResult r = FeatureStore.of(spark, p).writeTrainingSet(spineTable, timestamp, zone, refs, fullNames,
                outTable);
        PrintWriter w = spec.commandLine().getOut();
        w.println(render(r));
        w.flush();
        return ExitCode.OK.code();
    }

    static String render(TrainingSetResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s: %,d rows (Delta version %d) from %s in %.1f s%n",
                r.table(), r.rows(), r.deltaVersion(), String.join(", ", r.featureTables()), r.seconds()));
        r.nonNullFraction().forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %-32s %5.1f%% of rows have a value%n", k, 100 * v)));
        return b.toString();
    }
}
