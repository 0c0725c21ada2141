package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.config.GpuPolicy;
import java.util.List;
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
    void everyCommandThatOpensASessionTakesIt() {
        ScoreCommand score = new ScoreCommand();
        new CommandLine(score).parseArgs("--project", "p", "--model", "fraud@champion", "--input", "raw.t", "--out", "s", "--gpu", "on");
        assertThat(score.gpu.policy()).contains(GpuPolicy.ON);
        ValidateCommand validate = new ValidateCommand();
        new CommandLine(validate).parseArgs("--project", "p", "--table", "raw.t", "--gpu", "off");
        assertThat(validate.gpu.policy()).contains(GpuPolicy.OFF);
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--project", "p", "--model", "fraud", "--gpu", "auto");
        assertThat(train.gpu.policy()).contains(GpuPolicy.AUTO);
        TrainingSetCommand trainingSet = new TrainingSetCommand();
        new CommandLine(trainingSet).parseArgs("--project", "p", "--spine", "ml.s", "--features", "v", "--out", "ml.t", "--gpu", "on");
        assertThat(trainingSet.gpu.policy()).contains(GpuPolicy.ON);
        ModelsCommand.Compare compare = new ModelsCommand.Compare();
        new CommandLine(compare).setCaseInsensitiveEnumValuesAllowed(true) // as IngotMain sets it: --format table
                .parseArgs("--project", "p", "--scores", "fraud", "--gpu", "off");
        assertThat(compare.gpu.policy()).contains(GpuPolicy.OFF);
        for (Object c : List.of(new ModelsCommand.ListVersions(), new ModelsCommand.Show(), new Promotions.Promote(),
                new Promotions.Rollback(), new ModelRegistration.Register(), new FeaturesCommand.History(), new SqlCommand())) {
            assertThat(new CommandLine(c).getCommandSpec().findOption("--gpu")).as(c.getClass().getName()).isNotNull();
        }
        assertThat(new CommandLine(new GpuReportCommand()).getCommandSpec().findOption("--gpu"))
                .as("gpu-report asks RAPIDS on a CPU session: it has no --gpu").isNull();
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
