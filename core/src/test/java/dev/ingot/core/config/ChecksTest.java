package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef.AnomalyDef;
import dev.ingot.core.config.CheckSuiteDef.DriftDef;
import dev.ingot.core.config.CheckSuiteDef.Metric;
import dev.ingot.core.config.CheckSuiteDef.Policy;
import dev.ingot.core.config.CheckSuiteDef.Severity;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChecksTest {
    private static final Severity E = Severity.ERROR;

    @Test
    void buildsTheSameRecordsTheLoaderWould() {
        CheckSuiteDef s = Checks.suite("orders", "orders as they land")
                .onTable(new TableName("raw", "orders"))
                .quarantine()
                .isComplete("order_id")
                .hasCompleteness("amount", 0.99)
                .isUnique("order_id")
                .hasUniqueness(List.of("customer_id", "day"), 0.9)
                .isContainedIn("status", "new", "paid")
                .hasMin("amount", 0).describedAs("refunds are rows of their own")
                .hasMax("amount", 10_000)
                .isInRange("discount", 0, 1)
                .hasPattern("order_id", "^o-[0-9]+$")
                .hasPattern("email", "@", 0.5)
                .hasSize(1000, null).warning()
                .hasDistinctCount("currency", null, 5)
                .hasQuantile("amount", 0.5, 1, 100)
                .hasMean("amount", 0, null)
                .hasStandardDeviation("amount", null, 50.5)
                .satisfies("shipped_at >= ordered_at")
                .satisfies("amount < 5000", 0.99)
                .hasNoAnomaly(null, AnomalyDef.relativeChange(Metric.SIZE, 0.3))
                .hasNoDrift("amount", new DriftDef(Optional.empty(), Optional.of(0.2), Optional.empty(), 10))
                .build();
        assertThat(s.name()).isEqualTo("orders");
        assertThat(s.description()).isEqualTo("orders as they land");
        assertThat(s.table()).contains(new TableName("raw", "orders"));
        assertThat(s.policy()).isEqualTo(Policy.QUARANTINE);
        assertThat(s.checks()).containsExactly(
                new CheckDef.Completeness("order_id", Optional.empty(), E, ""),
                new CheckDef.Completeness("amount", Optional.of(0.99), E, ""),
                new CheckDef.Uniqueness(List.of("order_id"), Optional.empty(), E, ""),
                new CheckDef.Uniqueness(List.of("customer_id", "day"), Optional.of(0.9), E, ""),
                new CheckDef.ContainedIn("status", List.of("new", "paid"), E, ""),
                new CheckDef.Min("amount", 0, E, "refunds are rows of their own"),
                new CheckDef.Max("amount", 10_000, E, ""),
                new CheckDef.Range("discount", 0, 1, E, ""),
                new CheckDef.Pattern("order_id", "^o-[0-9]+$", Optional.empty(), E, ""),
                new CheckDef.Pattern("email", "@", Optional.of(0.5), E, ""),
                new CheckDef.Size(Optional.of(1000.0), Optional.empty(), Severity.WARNING, ""),
                new CheckDef.DistinctCount("currency", Optional.empty(), Optional.of(5.0), E, ""),
                new CheckDef.Quantile("amount", 0.5, Optional.of(1.0), Optional.of(100.0), E, ""),
                new CheckDef.Mean("amount", Optional.of(0.0), Optional.empty(), E, ""),
                new CheckDef.StdDev("amount", Optional.empty(), Optional.of(50.5), E, ""),
                new CheckDef.Predicate("shipped_at >= ordered_at", Optional.empty(), E, ""),
                new CheckDef.Predicate("amount < 5000", Optional.of(0.99), E, ""),
                new CheckDef.Anomaly(Optional.empty(), AnomalyDef.relativeChange(Metric.SIZE, 0.3), E, ""),
                new CheckDef.Drift("amount", new DriftDef(Optional.empty(), Optional.of(0.2), Optional.empty(), 10), E, ""));
    }

    @Test
    void eachStepReturnsANewValue() {
        Checks base = Checks.suite("orders").isComplete("id");
        Checks more = base.hasMin("amount", 0);
        Checks warned = more.warning();
        assertThat(base.build().checks()).as("the base is not changed by what follows it").hasSize(1);
        assertThat(more.build().checks()).hasSize(2);
        assertThat(more.build().checks().get(1).severity()).as("warning() made a new value").isEqualTo(E);
        assertThat(warned.build().checks().get(1).severity()).isEqualTo(Severity.WARNING);
        assertThat(warned.error().build().checks().get(1).severity()).isEqualTo(E);
        assertThat(base.build().policy()).isEqualTo(Policy.STRICT);
        assertThat(base.quarantine().withPolicy(Policy.STRICT).build().policy()).isEqualTo(Policy.STRICT);
        assertThat(base.build().table()).isEmpty();
        assertThat(base.add(new CheckDef.Max("b", 1, E, "")).build().checks()).hasSize(2);
    }

    @Test
    void aWrongValueFailsWhereItIsGiven() {
        assertBadInput(() -> Checks.suite("Orders"), "Invalid check suite 'Orders'");
        assertBadInput(() -> Checks.suite("orders").isInRange("amount", 10, 1), "Invalid range check: min 10.0 is greater");
        assertBadInput(() -> Checks.suite("orders").hasSize(null, null), "Invalid size check: it has no bound");
        assertBadInput(() -> Checks.suite("orders").hasCompleteness("id", 2), "Invalid completeness check: 'min' is 2.0");
        assertBadInput(() -> Checks.suite("orders").warning(), "a severity or description comes before any check");
        assertBadInput(() -> Checks.suite("orders").add(null), "a check is null");
    }

    private static void assertBadInput(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(IngotException.class).hasMessageContaining(message)
                .satisfies(e -> assertThat(((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT));
    }
}
