package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.features.HistoryEntry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FeaturesHistoryTableTest {
    @Test
    void columnsLineUpWhateverTheOperationsLength() {
        Instant t = Instant.parse("2026-01-05T10:00:00Z");
        List<HistoryEntry> h = List.of(
                new HistoryEntry("spend", 1, 0, t, "CREATE OR REPLACE TABLE AS SELECT", 1234567, Optional.of("abcdef0123456789"),
                        "events=raw.events@3", "2026-01-01T00:00:00Z/2026-01-05T00:00:00Z", Optional.of("run-1")),
                new HistoryEntry("spend", 1, 1, t.plusSeconds(60), "WRITE", 12, Optional.empty(), "events=raw.events@4",
                        "2026-01-05T00:00:00Z/2026-01-06T00:00:00Z", Optional.empty()));
        List<String> lines = FeaturesCommand.History.table(h).lines().toList();
        assertThat(lines).hasSize(3);
        for (String column : List.of("delta", "time", "operation", "definition", "range", "sources")) {
            int at = lines.get(0).indexOf(column);
            assertThat(lines.get(1).charAt(at - 1)).as("a space before column " + column + " in\n" + String.join("\n", lines))
                    .isEqualTo(' ');
            assertThat(lines.get(2).charAt(at - 1)).isEqualTo(' ');
            assertThat(lines.get(1).charAt(at)).as(column + " starts at its header").isNotEqualTo(' ');
            assertThat(lines.get(2).charAt(at)).isNotEqualTo(' ');
        }
        assertThat(lines.get(1)).contains("CREATE OR REPLACE TABLE AS SELECT  1,234,567  abcdef012345  2026-01-01/2026-01-05");
        assertThat(lines.get(2)).contains("WRITE  ").contains("       12  -  ");
        int rowsEnd = lines.get(0).indexOf("rows") + 4;
        assertThat(lines.get(1).substring(0, rowsEnd)).endsWith("1,234,567");
        assertThat(lines.get(2).substring(0, rowsEnd)).as("numbers right-aligned").endsWith(" 12");
    }
}
