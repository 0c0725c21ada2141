package dev.ingot.jobs;

import dev.ingot.core.Catalog;
import dev.ingot.core.IngotSessions;
import dev.ingot.core.Location;
import dev.ingot.core.PostgresServerExtension;
import dev.ingot.core.TableDoc;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CatalogSettings;
import dev.ingot.core.config.GpuPolicy;
import dev.ingot.core.config.ProjectSettings;
import dev.ingot.core.config.TrackingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One process of {@link SharedMetastoreCreationIT}: on a PostgreSQL metastore and a warehouse that other processes
 * share, new at first (the processes start their sessions at the same moment), creates the tables {@code race.t0 .. t<n-1>} one by one, each at its agreed moment (so that every process
 * creates table i at the same time), with {@link Catalog#createOrWrite} (appending its rows when another process
 * created the table first). Prints one line per table, {@code <i> created|wrote|failed <message>}, then, once every
 * process is done, {@code read <i> <ids>} for every table as this process reads it through the catalog.
 *
 * <p>Arguments: warehouse, JDBC URL, writer number, a folder shared by the processes (to start together), seconds
 * between tables, tables, processes. The password comes from {@code INGOT_TEST_PG_PASSWORD}.
 */
public final class CreateRace {
    private CreateRace() {}

    /** Writes {@code <prefix><writer>} into the barrier folder and waits for every process's; the last one's time. */
    private static long awaitAll(Path barrier, String prefix, int writer, int processes) throws Exception {
        Files.writeString(Files.createDirectories(barrier).resolve(prefix + writer), "");
        long last = 0;
        for (int w = 0; w < processes; w++) {
            Path other = barrier.resolve(prefix + w);
            while (!Files.exists(other)) {
                Thread.sleep(20);
            }
            last = Math.max(last, Files.getLastModifiedTime(other).toMillis());
        }
        return last;
    }

    public static void main(String[] args) throws Exception {
        Path warehouse = Path.of(args[0]);
        String url = args[1];
        int writer = Integer.parseInt(args[2]);
        Path barrier = Path.of(args[3]);
        int processes = Integer.parseInt(args[6]);
        long step = Long.parseLong(args[4]) * 1000;
        int n = Integer.parseInt(args[5]);
        CatalogSettings catalog = new CatalogSettings(CatalogSettings.Metastore.JDBC, Optional.of(url),
                Optional.empty(), Optional.of(PostgresServerExtension.USER),
                Optional.of(System.getenv("INGOT_TEST_PG_PASSWORD")));
        // Start together: on the new metastore, every process's session start creates Hive's tables and the default
        // database at the same moment (IngotSessions takes one at a time).
        awaitAll(barrier, "begin-", writer, processes);
        SparkSession spark = IngotSessions.builder(new ProjectSettings("race", "", Location.of(warehouse), catalog,
                        TrackingSettings.local(), Map.of(), GpuPolicy.OFF))
                .appName("create-race-" + writer).master("local[1]")
                .conf("spark.ui.enabled", "false").conf("spark.sql.shuffle.partitions", "2")
                .build();
        // Warm up (Hive creates the metastore's tables on first use, Delta and Spark load their classes), then wait
        // for the others: the races start two seconds after the last process is ready.
        Catalog.createOrWrite(spark.range(1).toDF("id"), new TableName("warm", "w" + writer), TableDoc.of("warm-up"),
                Map.of(), List.of(), () -> { });
        long start = awaitAll(barrier, "ready-", writer, processes) + 2000;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long at = start + i * step;
            while (System.currentTimeMillis() < at) {
                Thread.sleep(Math.min(50, Math.max(1, at - System.currentTimeMillis())));
            }
            TableName table = new TableName("race", "t" + i);
            Dataset<Row> rows = spark.range(writer * 1000L, writer * 1000L + 3).toDF("id");
            String line;
            long began = System.currentTimeMillis();
            try {
                boolean created = Catalog.createOrWrite(rows, table, TableDoc.of("raced"), Map.of(), List.of(),
                        () -> rows.write().format("delta").mode("append").saveAsTable(table.sql()));
                line = i + " " + (created ? "created" : "wrote") + " (began " + (began - at) + " ms late, took "
                        + (System.currentTimeMillis() - began) + " ms)";
            } catch (RuntimeException e) {
                line = i + " failed " + e.toString().replace('\n', ' ');
            }
            System.out.println(line);
            lines.add(line);
        }
        // Once every process is done: each reads every table through the catalog (a name registered twice fails
        // every lookup), and prints its ids.
        awaitAll(barrier, "done-", writer, processes);
        for (int i = 0; i < n; i++) {
            String line;
            try {
                line = "read " + i + " " + spark.table("race.t" + i).orderBy("id").collectAsList().stream()
                        .map(r -> Long.toString(r.getLong(0))).collect(java.util.stream.Collectors.joining(","));
            } catch (RuntimeException e) {
                line = i + " failed to read: " + e.toString().replace('\n', ' ');
            }
            System.out.println(line);
            lines.add(line);
        }
        spark.stop();
        System.exit(lines.stream().anyMatch(l -> l.contains(" failed ")) ? 1 : 0);
    }
}
