package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.ProjectLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The demo trains the fraud model only when its days leave two weeks of training before the spec's held-out windows,
 * and says why not otherwise. No Spark: the decision is made before the session starts.
 */
class DemoTrainingDaysTest {
    private static final ModelDef FRAUD = ProjectLoader.load(Path.of("..", "examples", "retail"), Map.of()).models()
            .get(DemoCommand.MODEL);

    @Test
    void fortyTwoDaysAreEnoughForTheExampleSpecAndFortyOneAreNot() {
        assertThat(DemoCommand.tooFewDays(FRAUD, 182)).isEmpty();
        assertThat(DemoCommand.tooFewDays(FRAUD, 42)).as("21d test + 7d validation + 14d training").isEmpty();
        assertThat(DemoCommand.tooFewDays(FRAUD, 41)).hasValueSatisfying(why -> assertThat(why)
                .isEqualTo("--days 41 is less than the 42 days models/fraud.yaml needs (test_window 21d and "
                        + "validation_window 7d held out at the end, and at least 14d to train on before them); run "
                        + "with --days 42 or more to train, register and promote it"));
    }
}
