package dev.ingot.features.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which tile ranges a tiles table holds, with which tile states: an index of the tiles writes that {@code ingot.lineage}
 * records, kept as one small file in the tiles table's directory ({@value #FILE}; Delta and VACUUM leave files whose
 * names start with an underscore alone). A daily run reads it in a millisecond, where the lineage scan it replaces is
 * a Delta snapshot and two Spark jobs, slower as the lineage table grows.
 *
 * <p>The file is only a cache: a range is added after its tiles commit, and when the file is missing or unreadable the
 * lineage table is read instead and the file rebuilt from it. Lost updates (two runs of one view at once) only drop
 * ranges, which makes a later run recompute those tiles from raw events; the file never claims tiles that were not
 * committed.
 */
final class TileCoverage {
    static final String FILE = "_ingot_tile_coverage.json";
    private static final Logger LOG = LoggerFactory.getLogger(TileCoverage.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FORMAT = 1;

    /** Tiles of [from, to) (epoch seconds) written with {@code states}. */
    record Range(long from, long to, Set<String> states) {}

    private TileCoverage() {}

    /** The ranges recorded for the tiles table at {@code location}; empty when there is no readable record. */
    static Optional<List<Range>> read(Configuration conf, String location) {
        Path file = new Path(location, FILE);
        try {
            FileSystem fs = file.getFileSystem(conf);
            if (!fs.exists(file)) {
                return Optional.empty();
            }
            JsonNode root;
            try (InputStream in = fs.open(file)) {
                root = JSON.readTree(in);
            }
            if (root == null || root.path("format").asInt(-1) != FORMAT || !root.path("ranges").isArray()) {
                LOG.warn("Ignoring {}: not a tile coverage record of format {}", file, FORMAT);
                return Optional.empty();
            }
            List<Range> out = new ArrayList<>();
            for (JsonNode r : root.get("ranges")) {
                Set<String> states = new TreeSet<>();
                r.path("states").forEach(s -> states.add(s.asText()));
                out.add(new Range(r.path("from").asLong(), r.path("to").asLong(), states));
            }
            return Optional.of(out);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring unreadable tile coverage record {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /** Replaces the record with {@code ranges} (merged): written to a temporary file, then renamed over the old one. */
    static void write(Configuration conf, String location, List<Range> ranges) {
        Path file = new Path(location, FILE);
        Path tmp = new Path(location, FILE + ".tmp-" + UUID.randomUUID());
        try {
            FileSystem fs = file.getFileSystem(conf);
            ObjectNode root = JSON.createObjectNode();
            root.put("format", FORMAT);
            ArrayNode arr = root.putArray("ranges");
            for (Range r : merge(ranges)) {
                ObjectNode n = arr.addObject();
                n.put("from", r.from());
                n.put("to", r.to());
                ArrayNode s = n.putArray("states");
                r.states().forEach(s::add);
            }
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
            }
            fs.delete(file, false);
            if (!fs.rename(tmp, file)) {
                throw new IOException("cannot rename " + tmp + " to " + file);
            }
        } catch (IOException | RuntimeException e) {
            // Only a cache: the next run reads ingot.lineage instead.
            LOG.warn("Could not record tile coverage in {}: {}", file, e.toString());
            try {
                FileSystem fs = file.getFileSystem(conf);
                fs.delete(tmp, false);
                fs.delete(file, false);
            } catch (IOException | RuntimeException again) {
                LOG.debug("Cleanup of {} failed: {}", tmp, again.toString());
            }
        }
    }

    /** Adds a committed range to the record, when there is one (a missing record is rebuilt from lineage when read). */
    static void add(Configuration conf, String location, Range range) {
        read(conf, location).ifPresent(ranges -> {
            List<Range> all = new ArrayList<>(ranges);
            all.add(range);
            write(conf, location, all);
        });
    }

    /**
     * Ranges with the same states that touch or overlap become one; a range inside another one whose states include
     * its own is dropped.
     */
    static List<Range> merge(List<Range> ranges) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparing((Range r) -> String.join(",", r.states())).thenComparingLong(Range::from));
        List<Range> merged = new ArrayList<>();
        for (Range r : sorted) {
            Range last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && last.states().equals(r.states()) && r.from() <= last.to()) {
                merged.set(merged.size() - 1, new Range(last.from(), Math.max(last.to(), r.to()), last.states()));
            } else {
                merged.add(r);
            }
        }
        List<Range> out = new ArrayList<>();
        for (Range r : merged) {
            // Ranges with equal states were merged above, so a range never contains a copy of itself here.
            boolean inside = merged.stream().anyMatch(o -> o != r && o.from() <= r.from() && o.to() >= r.to()
                    && o.states().containsAll(r.states()));
            if (!inside) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingLong(Range::from).thenComparingLong(Range::to));
        return out;
    }
}
