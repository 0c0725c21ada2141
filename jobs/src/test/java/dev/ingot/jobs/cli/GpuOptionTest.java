package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.config.GpuPolicy;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --gpu} is parsed by picocli into a {@link GpuPolicy}, the same for every command that takes it. No Spark. */
class GpuOptionTest {
    private static GpuOption demo(String... args) {
        DemoCommand command = new DemoCommand();
        new CommandLine(command).parseArgs(args);
        return command.gpu;
    }

    private static GpuOption materialize(String... args) {
        FeaturesCommand.Materialize command = new FeaturesCommand.Materialize();
        new CommandLine(command).parseArgs(args);
        return command.gpu;
    }

    @Test
    void anyCaseOfAutoOnOff() {
        assertThat(demo("--gpu", "on").policy()).contains(GpuPolicy.ON);
        assertThat(demo("--gpu", "OFF").policy()).contains(GpuPolicy.OFF);
        assertThat(materialize("--project", "p", "--from", "2026-01-01", "--to", "2026-01-02", "--gpu", "Auto").policy())
                .contains(GpuPolicy.AUTO);
    }

    @Test
    void withoutTheOptionTheProjectsPolicyApplies() {
        assertThat(demo().policy()).isEmpty();
        assertThat(materialize("--project", "p", "--from", "2026-01-01", "--to", "2026-01-02").policy()).isEmpty();
    }

    @Test
    void aBadValueListsTheValues() {
        assertThatThrownBy(() -> demo("--gpu", "sometimes"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'sometimes' is not a GPU policy").hasMessageContaining("auto|on|off");
    }
}
