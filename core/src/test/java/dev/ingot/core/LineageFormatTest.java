package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Lineage owns its JSON: what {@link Lineage#commitMetadata} writes, {@link Lineage#parse} reads back whole. */
class LineageFormatTest {
    private static final List<Lineage.Input> INPUTS = List.of(
            new Lineage.Input("events", "raw.events", Optional.of(12L)),
            new Lineage.Input("files", "/data/files", Optional.empty()));

    @Test
    void commitMetadataReadsBackAsWritten() {
        String json = Lineage.commitMetadata("run-1", "features materialize", INPUTS, Optional.of("abc123"),
                Map.of("range", "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "view", "spend"));
        Lineage.CommitInfo info = Lineage.parse(json).orElseThrow();
        assertThat(info.runId()).isEqualTo("run-1");
        assertThat(info.command()).isEqualTo("features materialize");
        assertThat(info.codeVersion()).isEqualTo(Lineage.codeVersion());
        assertThat(info.definitionHash()).contains("abc123");
        assertThat(info.inputs()).isEqualTo(INPUTS);
        assertThat(info.details()).containsExactlyInAnyOrderEntriesOf(
                Map.of("range", "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "view", "spend"));
        assertThat(info.json()).as("written again, the same text").isEqualTo(json);
    }

    @Test
    void withoutHashOrDetailsTheyAreEmpty() {
        Lineage.CommitInfo info = Lineage.parse(Lineage.commitMetadata("run-2", "training-set", List.of(),
                Optional.empty(), Map.of())).orElseThrow();
        assertThat(info.definitionHash()).isEmpty();
        assertThat(info.inputs()).isEmpty();
        assertThat(info.details()).isEmpty();
    }

    @Test
    void metadataOfOtherWritersIsNotIngotLineage() {
        assertThat(Lineage.parse(null)).isEmpty();
        assertThat(Lineage.parse("not json {")).isEmpty();
        assertThat(Lineage.parse("{\"owner\": \"etl\"}")).as("JSON without a run id").isEmpty();
        assertThat(Lineage.parse("42")).isEmpty();
    }

    @Test
    void inputsAndDetailsColumnsOfTheLineageTable() {
        String json = Lineage.json(INPUTS.stream().map(Lineage.Input::asMap).toList());
        assertThat(Lineage.parseInputs(json)).isEqualTo(INPUTS);
        assertThat(Lineage.parseInputs(null)).isEmpty();
        assertThat(Lineage.parseDetails(Lineage.json(Map.of("tile_states", "a,b")))).containsExactly(
                Map.entry("tile_states", "a,b"));
        assertThat(Lineage.parseDetails("[broken")).isEmpty();
        assertThat(INPUTS.get(0)).hasToString("events=raw.events@12");
        assertThat(INPUTS.get(1)).hasToString("files=/data/files");
    }
}
