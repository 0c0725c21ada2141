package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import dev.ingot.core.IngotException;
import dev.ingot.core.Secrets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Secrets are registered by value and masked wherever they end up. The registry is global to the JVM, so every value
 * here is unique to this class.
 */
class SecretsTest {

    @Test
    void redactsRegisteredValuesWherever() {
        Secrets.register("s3cr3t-a1b2c3");
        assertThat(Secrets.redact("jdbc:postgresql://db/ms?password=s3cr3t-a1b2c3&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/ms?password=" + Secrets.MASK + "&ssl=true");
        assertThat(Secrets.redact("twice s3cr3t-a1b2c3 s3cr3t-a1b2c3")).isEqualTo("twice **** ****");
        assertThat(Secrets.redact(null)).isNull();
        assertThat(Secrets.redact("nothing to hide")).isEqualTo("nothing to hide");
    }

    @Test
    void longestSecretIsMaskedWhole() {
        Secrets.register("key-d4e5");
        Secrets.register("key-d4e5-extended");
        assertThat(Secrets.redact("a key-d4e5-extended b key-d4e5 c")).isEqualTo("a **** b **** c");
    }

    @Test
    void shortValuesAreNotSecrets() {
        Secrets.register("zq9");
        Secrets.register(null);
        assertThat(Secrets.redact("zq9 stays")).isEqualTo("zq9 stays");
    }

    @Test
    void exceptionsAndProblemsAreRedacted() {
        Secrets.register("tok-f6a7b8c9");
        IngotException e = Errors.badData("read source orders", "login tok-f6a7b8c9 refused", "check the token");
        assertThat(e.getMessage()).doesNotContain("tok-f6a7b8c9").contains(Secrets.MASK);

        ConfigProblem p = new ConfigProblem("ingot.yaml", "tracking.uri", "'ftp://u:tok-f6a7b8c9@h' is not a URI",
                "not tok-f6a7b8c9");
        assertThat(List.of(p.toString(), p.problem(), p.fix())).noneMatch(t -> t.contains("tok-f6a7b8c9"));
        assertThat(p.problem()).isEqualTo("'ftp://u:****@h' is not a URI");
        assertThat(Errors.invalidProject(Path.of("/p"), List.of(p)).getMessage()).doesNotContain("tok-f6a7b8c9");
    }

    @Test
    void settingsNeverPrintPasswordsOrTokens() {
        // Masked even when the value was not registered (built through the Java API, not from a file).
        CatalogSettings c = new CatalogSettings(CatalogSettings.Metastore.JDBC, Optional.of("jdbc:postgresql://db/ms"),
                Optional.of("org.postgresql.Driver"), Optional.of("hive"), Optional.of("plain-unregistered-pw"));
        TrackingSettings t = new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of("https://mlflow"),
                Optional.of(Secret.literal("plain-unregistered-token")), Optional.empty());
        assertThat(c.toString()).doesNotContain("plain-unregistered-pw").contains("jdbcUser=Optional[hive]");
        assertThat(t.toString()).doesNotContain("plain-unregistered-token").contains("uri=Optional[https://mlflow]");
    }
}
