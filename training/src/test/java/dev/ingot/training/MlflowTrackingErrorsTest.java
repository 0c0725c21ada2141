package dev.ingot.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.Secret;
import dev.ingot.core.config.TrackingSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A tracking server that cannot be used is bad input (exit 2) with a message naming the server and the fix, never the
 * token: unreachable, answering HTML, refusing the credentials.
 */
class MlflowTrackingErrorsTest {
    private static final String TOKEN = "planted-token-7Hq2vX9pLm";

    private static TrackingSettings mlflow(String uri) {
        return new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of(uri), Optional.of(Secret.literal(TOKEN)),
                Optional.empty());
    }

    /** Opens the store, expecting a bad-input error free of the token anywhere in it (message, causes, trace). */
    private static String badInput(TrackingSettings settings) {
        Throwable t = catchThrowable(() -> TrackingStore.open(settings, null, null));
        assertThat(t).isInstanceOf(IngotException.class);
        assertThat(((IngotException) t).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).as("the token appears nowhere").doesNotContain(TOKEN);
        return t.getMessage();
    }

    @Test
    void anUnreachableServerNamesTheUriAndTheFix() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String message = badInput(mlflow("http://127.0.0.1:" + port));
        assertThat(message).contains("http://127.0.0.1:" + port).contains("unreachable").contains("tracking.uri");
    }

    @Test
    void aServerAnsweringHtmlIsNotTakenForMlflow() throws Exception {
        try (FakeHttpServer html = new FakeHttpServer(n -> new FakeHttpServer.Answer(200, "text/html",
                "<!doctype html><html><body>Sign in to continue</body></html>"))) {
            String message = badInput(mlflow(html.uri()));
            assertThat(message).contains("HTML").contains(html.uri()).contains("root URL");
            assertThat(html.received()).hasSize(1);
        }
    }

    @Test
    void aRefusedTokenSaysWhichSettingToFixAndNeverShowsTheToken() throws Exception {
        try (FakeHttpServer refusing = new FakeHttpServer(n -> new FakeHttpServer.Answer(401, "application/json",
                "{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"invalid token " + TOKEN + "\"}"))) {
            String message = badInput(mlflow(refusing.uri()));
            assertThat(message).contains("refused the credentials").contains("401").contains("MLFLOW_TRACKING_TOKEN");
            assertThat(refusing.received()).as("a 401 is not retried").hasSize(1);
            assertThat(refusing.received().get(0).authorization()).isEqualTo("Bearer " + TOKEN);
        }
    }

    @Test
    void aUriWithCredentialsInItIsShownWithoutThem() throws Exception {
        try (FakeHttpServer refusing = new FakeHttpServer(n -> new FakeHttpServer.Answer(403, "text/plain", "no"))) {
            String withUser = refusing.uri().replace("http://", "http://alice:" + TOKEN + "@");
            String message = badInput(mlflow(withUser));
            assertThat(message).contains(refusing.uri()).doesNotContain("alice").contains("403");
        }
    }

    @Test
    void aMissingOrNonHttpUriIsAConfigError() {
        String message = badInput(new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of("file:///tmp/mlruns"),
                Optional.of(Secret.literal(TOKEN)), Optional.empty()));
        assertThat(message).contains("Invalid configuration");
        Throwable t = catchThrowable(() -> TrackingStore.open(new TrackingSettings(TrackingSettings.Kind.MLFLOW,
                Optional.empty(), Optional.empty(), Optional.empty()), null, null));
        assertThat(((IngotException) t).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    }
}
