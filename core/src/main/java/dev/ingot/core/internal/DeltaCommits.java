package dev.ingot.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;

/**
 * A commit just made, read from the table's own commit files ({@code _delta_log/<version>.json}) rather than from
 * {@code DESCRIBE HISTORY}, which reads and parses the last N commits through a Spark query: the newest version
 * comes from the table's Delta log (already updated by the write), and only the commits from there back to the one
 * carrying the write's metadata are read. Shared by the writers that must name their own commit in the lineage while
 * other runs may commit to the same table (materialize, score, training sets).
 */
public final class DeltaCommits {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeltaCommits() {}

    /**
     * @param version the commit carrying the metadata looked for, if any of the last few does
     * @param outputRows its {@code numOutputRows} metric (0 when it has none)
     * @param latest the table's newest version
     */
    public record Found(Optional<Long> version, long outputRows, long latest) {}

    /** Looks for the commit whose {@code userMetadata} is {@code meta} among the newest {@code depth} commits. */
    public static Found find(SparkSession spark, String location, String meta, int depth) {
        Path log = new Path(location, "_delta_log");
        Configuration conf = spark.sessionState().newHadoopConf();
        try {
            FileSystem fs = log.getFileSystem(conf);
            long latest = DeltaLog.forTable(spark, location).unsafeVolatileSnapshot().version();
            // Another writer may have committed after the snapshot the log holds: look ahead.
            while (fs.exists(commitFile(log, latest + 1))) {
                latest++;
            }
            for (long v = latest; v >= 0 && v > latest - depth; v--) {
                Path f = commitFile(log, v);
                if (!fs.exists(f)) {
                    break;
                }
                JsonNode info = commitInfo(fs, f);
                if (info != null && meta.equals(info.path("userMetadata").asText(null))) {
                    String rows = info.path("operationMetrics").path("numOutputRows").asText("0");
                    return new Found(Optional.of(v), Long.parseLong(rows), latest);
                }
            }
            return new Found(Optional.empty(), 0, latest);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the Delta log of " + location, e);
        }
    }

    private static Path commitFile(Path log, long version) {
        return new Path(log, String.format("%020d.json", version));
    }

    private static JsonNode commitInfo(FileSystem fs, Path f) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(f), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.contains("\"commitInfo\"")) {
                    JsonNode n = JSON.readTree(line).get("commitInfo");
                    if (n != null) {
                        return n;
                    }
                }
            }
        }
        return null;
    }
}
