package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.config.FeatureRef;
import dev.ingot.core.config.ModelDef;
import dev.ingot.core.config.Project;
import dev.ingot.core.config.ProjectLoader;
import dev.ingot.training.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the demo and {@code train} decide from the example's fraud spec before any Spark session: whether the demo's
 * days are enough to train it, and how its training set names the features of its two views.
 */
class FraudSpecTest {
    private static final Project RETAIL = ProjectLoader.load(Path.of("..", "examples", "retail"), Map.of());
    private static final ModelDef FRAUD = RETAIL.models().get(DemoCommand.MODEL);

    @Test
    void theDemoTrainsWithFortyTwoDaysOrMoreAndSaysWhyNotWithFewer() {
        assertThat(DemoCommand.tooFewDays(FRAUD, 182)).isEmpty();
        assertThat(DemoCommand.tooFewDays(FRAUD, 42)).as("21d test + 7d validation + 14d training").isEmpty();
        assertThat(DemoCommand.tooFewDays(FRAUD, 41)).hasValueSatisfying(why -> assertThat(why)
                .isEqualTo("--days 41 is less than the 42 days models/fraud.yaml needs (test_window 21d and "
                        + "validation_window 7d held out at the end, and at least 14d to train on before them); run "
                        + "with --days 42 or more to train, register and promote it"));
    }

    @Test
    void itsTwoViewsShareFeatureNamesSoItsTrainingSetUsesFullNames() {
        assertThat(TrainCommand.sharedFeatureNames(RETAIL, FRAUD)).as("txn_count_1d is in both views").isTrue();
        ModelDef distinct = new ModelDef(FRAUD.name(), FRAUD.description(), FRAUD.spine(), FRAUD.timestamp(),
                FRAUD.label(), List.of(new FeatureRef("customer_spend", List.of()),
                new FeatureRef("merchant_risk", List.of("amount_eur_avg_7d"))), FRAUD.algorithm(), FRAUD.params(),
                FRAUD.testWindow(), FRAUD.validationWindow(), FRAUD.seed(), FRAUD.metrics(), FRAUD.precisionAtK(),
                FRAUD.nulls(), FRAUD.fairness(), FRAUD.gate());
        assertThat(TrainCommand.sharedFeatureNames(RETAIL, distinct)).isFalse();
    }

    @Test
    void theDemosChallengerIsAValidCheaperSpecWithARunKeyOfItsOwn() throws Exception {
        ModelDef challenger = DemoCommand.challenger(FRAUD);
        Trainer.validate(challenger);
        assertThat(challenger.algorithm()).isEqualTo(ModelDef.Algorithm.LOGISTIC_REGRESSION);
        assertThat(challenger.withAlgorithm(FRAUD.algorithm(), FRAUD.params())).as("only the estimator differs")
                .isEqualTo(FRAUD);
        assertThat(TrainCommand.digest(RETAIL, challenger)).as("not the file's run: a retry would find the champion's")
                .isNotEqualTo(TrainCommand.digest(RETAIL, FRAUD));
        assertThat(TrainCommand.digest(RETAIL, FRAUD)).as("the spec as loaded: its file's bytes, as before")
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                        Files.readAllBytes(RETAIL.dir().resolve(FRAUD.file())))).substring(0, 16));
    }
}
