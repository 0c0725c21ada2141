package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeSpanTest {

    @Test
    void parsesMinutesHoursAndDays() {
        assertThat(TimeSpan.parse("30m")).get().extracting(TimeSpan::seconds).isEqualTo(1_800L);
        assertThat(TimeSpan.parse("1h")).contains(TimeSpan.hour());
        assertThat(TimeSpan.parse("1d")).contains(TimeSpan.day());
        assertThat(TimeSpan.parse("7d")).get().extracting(TimeSpan::seconds).isEqualTo(7 * 86_400L);
        assertThat(TimeSpan.parse("999999d")).as("six digits at most").get()
                .extracting(TimeSpan::seconds).isEqualTo(999_999L * 86_400L);
    }

    @Test
    void keepsTheTextAsWrittenWithoutSurroundingSpace() {
        TimeSpan t = TimeSpan.parse(" 7d ").orElseThrow();
        assertThat(t.text()).isEqualTo("7d");
        assertThat(t).hasToString("7d");
        assertThat(TimeSpan.parse("24h").orElseThrow().text()).as("24h is not rewritten as 1d").isEqualTo("24h");
    }

    @Test
    void rejectsAnythingElse() {
        for (String bad : List.of("", "d", "0d", "07d", "-1d", "1.5h", "1w", "1mo", "1y", "1s", "1D", "7 d", "7days",
                "1000000d", "P7D")) {
            assertThat(TimeSpan.parse(bad)).as("'%s'", bad).isEmpty();
        }
    }

    @Test
    void multiplesAndOrder() {
        TimeSpan h = TimeSpan.hour();
        TimeSpan d = TimeSpan.day();
        assertThat(TimeSpan.parse("36h").orElseThrow().isMultipleOf(h)).isTrue();
        assertThat(TimeSpan.parse("36h").orElseThrow().isMultipleOf(d)).isFalse();
        assertThat(TimeSpan.parse("48h").orElseThrow().isMultipleOf(d)).isTrue();
        assertThat(TimeSpan.parse("90m").orElseThrow().isMultipleOf(h)).isFalse();
        assertThat(h.compareTo(d)).isNegative();
        assertThat(TimeSpan.parse("24h").orElseThrow().compareTo(d)).as("same length, different text").isZero();
    }

    @Test
    void mustBePositive() {
        assertThatThrownBy(() -> new TimeSpan(0, "0d")).isInstanceOf(IngotException.class)
                .hasMessageContaining("positive").hasMessageContaining("0d")
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    }
}
