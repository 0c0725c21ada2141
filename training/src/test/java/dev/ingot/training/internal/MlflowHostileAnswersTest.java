package dev.ingot.training.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.training.FakeHttpServer;
import dev.ingot.training.FakeHttpServer.Answer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile answers from the MLflow tracking server (issue 17, item 4) that a real MLflow cannot be made to give:
 * cut-off JSON, an HTML page from a proxy, a 500 with a body, JSON that is not an object. Opening the store (its first
 * request) must end in a one-line error naming the server, what it answered and the setting to fix; retried
 * statuses (5xx) are retried first. A server that is not MLflow, or answers what MLflow never does, is bad input
 * (exit 2: check {@code tracking.uri}); an MLflow that keeps failing is a failure (exit 3).
 */
class MlflowHostileAnswersTest {
    private static final String HTML = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
            + "<body><h1>502 Bad Gateway</h1></body>\n</html>\n";

    static Stream<Arguments> hostileAnswers() {
        return Stream.of(
                hostile("cut-off JSON with 200", new Answer(200, "application/json", "{\"experiments\": [{\"experim"),
                        2, 1, List.of("answered something other than JSON (HTTP 200)", "tracking.uri")),
                hostile("an HTML login page with 200", new Answer(200, "text/html", "<html><body>Sign in</body></html>"),
                        2, 1, List.of("answered HTML (HTTP 200)", "tracking.uri")),
                hostile("an HTML 502 from a proxy, every time", new Answer(502, "text/html", HTML), 2, 3,
                        List.of("answered HTML (HTTP 502)", "tracking.uri")),
                hostile("500 with an MLflow error body, every time", new Answer(500, "application/json",
                        "{\"error_code\": \"INTERNAL_ERROR\", \"message\": \"database is locked\"}"), 3, 3,
                        List.of("answered HTTP 500 INTERNAL_ERROR: database is locked", "(after retries)")),
                hostile("500 with a plain-text body", new Answer(500, "text/plain", "Internal Server Error\n"), 2, 3,
                        List.of("answered something other than JSON (HTTP 500)", "tracking.uri")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileAnswers")
    void aOneLineErrorNamingTheServerAndTheSetting(String what, Answer answer, int exitCode, int requests,
                                                     List<String> expected) throws Exception {
        try (FakeHttpServer server = new FakeHttpServer(n -> answer)) {
            TrackingSettings settings = new TrackingSettings(TrackingSettings.Kind.MLFLOW, Optional.of(server.uri()),
                    Optional.empty(), Optional.empty());
            IngotException e = catchThrowableOfType(IngotException.class,
                    () -> MlflowTrackingStore.open(settings, Map.of(), 3, 10).close());
            assertThat(e).as(what).isNotNull();
            assertThat(e.exitCode().code()).as(e.getMessage()).isEqualTo(exitCode);
            assertThat(e.getMessage()).as(what).contains(server.uri()).contains(expected).doesNotContain("\n")
                    .doesNotContain("Exception");
            assertThat(server.received()).as(what + ": requests (5xx are retried)").hasSize(requests);
        }
    }

    private static Arguments hostile(String what, Answer answer, int exitCode, int requests, List<String> expected) {
        return Arguments.of(what, answer, exitCode, requests, expected);
    }
}
