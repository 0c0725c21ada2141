package dev.ingot.features.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tile coverage record: merging, a round trip through its file, and files it must not trust. */
class TileCoverageTest {
    private static final Set<String> AB = Set.of("a", "b");
    private static final Set<String> A = Set.of("a");

    @Test
    void rangesWithTheSameStatesMergeWhenTheyTouchAndRangesInsideRicherOnesAreDropped() {
        List<TileCoverage.Range> merged = TileCoverage.merge(List.of(
                new TileCoverage.Range(10, 20, AB), new TileCoverage.Range(20, 30, AB), new TileCoverage.Range(40, 50, AB),
                new TileCoverage.Range(12, 18, A), new TileCoverage.Range(25, 45, A), new TileCoverage.Range(0, 5, A)));
        assertThat(merged).containsExactly(new TileCoverage.Range(0, 5, A), new TileCoverage.Range(10, 30, AB),
                new TileCoverage.Range(25, 45, A), new TileCoverage.Range(40, 50, AB));
    }

    @Test
    void roundTripAndUntrustedFiles(@TempDir Path dir) throws Exception {
        Configuration conf = new Configuration();
        String location = dir.toUri().toString();
        assertThat(TileCoverage.read(conf, location)).isEmpty();
        TileCoverage.add(conf, location, new TileCoverage.Range(0, 10, A));
        assertThat(TileCoverage.read(conf, location)).as("no record is started by an add").isEmpty();

        TileCoverage.write(conf, location, List.of(new TileCoverage.Range(0, 10, AB)));
        TileCoverage.add(conf, location, new TileCoverage.Range(10, 20, AB));
        assertThat(TileCoverage.read(conf, location)).contains(List.of(new TileCoverage.Range(0, 20, AB)));
        try (var files = Files.list(dir)) {
            // (Hadoop's local file system keeps a hidden .crc file beside each file.)
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith("."))).as("no temporary file left")
                    .containsExactly(TileCoverage.FILE);
        }

        Path file = dir.resolve(TileCoverage.FILE);
        Files.writeString(file, "{\"format\": 2, \"ranges\": []}");
        assertThat(TileCoverage.read(conf, location)).as("another format").isEmpty();
        Files.writeString(file, "[1, 2");
        assertThat(TileCoverage.read(conf, location)).as("truncated").isEmpty();
    }
}
