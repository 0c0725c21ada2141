package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.IngotException;
import dev.ingot.core.config.FeatureViewDef.Aggregation;
import dev.ingot.core.config.FeatureViewDef.Function;
import dev.ingot.core.config.FeatureViewDef.Transformation;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** A feature view built in Java is refused, with exit code 2, in every state the loader would refuse. */
class FeatureViewDefTest {
    private static final TimeSpan D7 = TimeSpan.parse("7d").orElseThrow();
    private static final Aggregation SPEND = new Aggregation("spend", Function.SUM, Optional.of("amount"), List.of(D7), "");

    private static FeatureViewDef view(List<String> entities, List<Transformation> ts, List<Aggregation> aggs,
                                       TimeSpan cadence, TimeSpan ttl) {
        return new FeatureViewDef("customer_spend", "", "orders", entities, Optional.empty(), Optional.empty(), ts, aggs,
                cadence, ttl, List.of());
    }

    private static void rejects(String why, String what, ThrowingCallable make, String problem) {
        assertThatThrownBy(make).as(why).isInstanceOf(IngotException.class)
                .hasMessageStartingWith("Invalid " + what + ": ").hasMessageContaining(problem).hasMessageContaining("Fix: ")
                .satisfies(e -> assertThat(((IngotException) e).exitCode().code()).as(why).isEqualTo(2));
    }

    @Test
    void aValidViewIsBuilt() {
        FeatureViewDef v = view(List.of("customer_id"), List.of(new Transformation("cents", "amount * 100", null)),
                List.of(SPEND), TimeSpan.day(), D7);
        assertThat(v.featureNames()).containsExactly("spend_7d");
        assertThat(v.transformations().get(0).description()).isEmpty();
    }

    @Test
    void aggregationsRefuseInvalidStates() {
        rejects("sum without column", "aggregation 'spend'", () -> new Aggregation("spend", Function.SUM, Optional.empty(),
                List.of(D7), ""), "sum needs a column");
        rejects("bad name", "aggregation 'Spend'", () -> new Aggregation("Spend", Function.COUNT, Optional.empty(),
                List.of(D7), ""), "not a valid name");
        rejects("bad column", "aggregation 'spend'", () -> new Aggregation("spend", Function.SUM, Optional.of("a b"),
                List.of(D7), ""), "not a valid column name");
        rejects("no windows", "aggregation 'spend'", () -> new Aggregation("spend", Function.COUNT, Optional.empty(),
                List.of(), ""), "no windows");
        rejects("a window twice", "aggregation 'spend'", () -> new Aggregation("spend", Function.COUNT, Optional.empty(),
                List.of(D7, TimeSpan.parse("168h").orElseThrow()), ""), "listed twice");
        rejects("no function", "aggregation 'spend'", () -> new Aggregation("spend", null, Optional.empty(),
                List.of(D7), ""), "no function");
        assertThat(new Aggregation("n", Function.COUNT, null, List.of(D7), null).column()).as("count needs no column").isEmpty();
    }

    @Test
    void transformationsRefuseInvalidStates() {
        rejects("bad name", "transformation '1x'", () -> new Transformation("1x", "a", ""), "not a valid column name");
        rejects("no expr", "transformation 'x'", () -> new Transformation("x", " ", ""), "empty");
        rejects("not SQL", "transformation 'x'", () -> new Transformation("x", "amount *", ""), "not valid Spark SQL");
    }

    @Test
    void viewsRefuseInvalidStates() {
        String what = "feature view 'customer_spend'";
        List<String> id = List.of("customer_id");
        rejects("no entities", what, () -> view(List.of(), List.of(), List.of(SPEND), TimeSpan.day(), D7), "no entities");
        rejects("bad entity", what, () -> view(List.of("customer id"), List.of(), List.of(SPEND), TimeSpan.day(), D7),
                "entities");
        rejects("entity twice", what, () -> view(List.of("a", "a"), List.of(), List.of(SPEND), TimeSpan.day(), D7),
                "listed twice");
        rejects("no features", what, () -> view(id, List.of(), List.of(), TimeSpan.day(), D7), "defines no features");
        rejects("2h cadence", what, () -> view(id, List.of(), List.of(SPEND), TimeSpan.parse("2h").orElseThrow(), D7),
                "cadence 2h is not supported");
        rejects("window not a multiple of the cadence", what, () -> view(id, List.of(), List.of(new Aggregation("n",
                Function.COUNT, Optional.empty(), List.of(TimeSpan.parse("36h").orElseThrow()), "")), TimeSpan.day(), D7),
                "window 36h of aggregation 'n' is not a multiple of the cadence 1d");
        rejects("ttl shorter than cadence", what, () -> view(id, List.of(), List.of(SPEND), TimeSpan.day(),
                TimeSpan.hour()), "ttl 1h is shorter than the cadence 1d");
        rejects("a feature twice", what, () -> view(id, List.of(), List.of(SPEND, SPEND), TimeSpan.day(), D7),
                "makes the feature 'spend_7d', which this view already has");
        rejects("a transformation named as an entity", what, () -> view(id,
                List.of(new Transformation("customer_id", "1", "")), List.of(), TimeSpan.day(), D7), "already a column");
        rejects("bad name", "feature view 'Spend'", () -> new FeatureViewDef("Spend", "", "orders", id, Optional.empty(),
                Optional.empty(), List.of(), List.of(SPEND), TimeSpan.day(), D7, List.of()), "not a valid name");
        rejects("bad source", what, () -> new FeatureViewDef("customer_spend", "", "raw.orders", id, Optional.empty(),
                Optional.empty(), List.of(), List.of(SPEND), TimeSpan.day(), D7, List.of()), "source");
        rejects("bad filter", what, () -> new FeatureViewDef("customer_spend", "", "orders", id, Optional.empty(),
                Optional.of("amount >"), List.of(), List.of(SPEND), TimeSpan.day(), D7, List.of()), "filter");
        rejects("bad event time", what, () -> new FeatureViewDef("customer_spend", "", "orders", id, Optional.of("a-b"),
                Optional.empty(), List.of(), List.of(SPEND), TimeSpan.day(), D7, List.of()), "event_time");
        rejects("bad suite name", what, () -> new FeatureViewDef("customer_spend", "", "orders", id, Optional.empty(),
                Optional.empty(), List.of(), List.of(SPEND), TimeSpan.day(), D7, List.of("Checks")), "checks");
    }

    @Test
    void featureRefsRefuseInvalidStates() {
        rejects("bad view", "feature reference to 'Spend'", () -> new FeatureRef("Spend", List.of()), "not a valid name");
        rejects("bad feature", "feature reference to 'spend'", () -> new FeatureRef("spend", List.of("a b")),
                "not a valid column name");
        rejects("a feature twice", "feature reference to 'spend'", () -> new FeatureRef("spend", List.of("a", "a")),
                "listed twice");
        rejects("a null feature", "feature reference to 'spend'", () -> new FeatureRef("spend", Arrays.asList("a", null)),
                "null");
        assertThatThrownBy(() -> FeatureRef.parse("spend:a,a", "--features")).as("parse names the option")
                .hasMessageStartingWith("Invalid value for --features: 'spend:a,a'");
    }
}
