package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import dev.ingot.core.TableName;
import dev.ingot.core.config.CheckSuiteDef.AnomalyDef;
import dev.ingot.core.config.CheckSuiteDef.DriftDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import dev.ingot.core.config.CheckSuiteDef.Metric;
import dev.ingot.core.config.CheckSuiteDef.Severity;
import dev.ingot.core.config.CheckSuiteDef.Strategy;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Every check record refuses each invalid state in its constructor, with exit code 2 and the check's name. */
class CheckDefTest {
    private static final Severity E = Severity.ERROR;

    /** The constructor throws a bad-input error (exit code 2) whose message names {@code what} and a fix. */
    private static void rejects(String why, String what, ThrowingCallable make, String problem) {
        assertThatThrownBy(make).as(why).isInstanceOf(IngotException.class)
                .hasMessageStartingWith("Invalid " + what + ": ")
                .hasMessageContaining(problem)
                .hasMessageContaining("Fix: ")
                .satisfies(e -> assertThat(((IngotException) e).exitCode().code()).as(why + ": exit code").isEqualTo(2))
                .isNotInstanceOf(IllegalArgumentException.class);
    }

    private static Optional<Double> o(double d) {
        return Optional.of(d);
    }

    @Test
    void everyKindHasOneRecordThatNamesIt() {
        List<CheckDef> one = List.of(
                new CheckDef.Completeness("a", Optional.empty(), E, ""),
                new CheckDef.Uniqueness(List.of("a", "b"), Optional.empty(), E, ""),
                new CheckDef.ContainedIn("a", List.of("x"), E, ""),
                new CheckDef.Min("a", 0, E, ""),
                new CheckDef.Max("a", 0, E, ""),
                new CheckDef.Range("a", 0, 1, E, ""),
                new CheckDef.Pattern("a", "^x$", Optional.empty(), E, ""),
                new CheckDef.Size(o(1), Optional.empty(), E, ""),
                new CheckDef.DistinctCount("a", Optional.empty(), o(3), E, ""),
                new CheckDef.Quantile("a", 0.5, o(0), o(1), E, ""),
                new CheckDef.Mean("a", o(0), Optional.empty(), E, ""),
                new CheckDef.StdDev("a", Optional.empty(), o(2), E, ""),
                new CheckDef.Predicate("a >= 0", Optional.empty(), E, ""),
                new CheckDef.Anomaly(Optional.empty(), AnomalyDef.relativeChange(Metric.SIZE, 0.3), E, ""),
                new CheckDef.Drift("a", new DriftDef(Optional.empty(), o(0.2), Optional.empty(), 10), E, null));
        assertThat(one).extracting(CheckDef::kind).as("one record per kind, in the enum's order")
                .containsExactly(Kind.values());
        assertThat(one.get(14).description()).as("a null description is empty").isEmpty();
        assertThat(one.get(1).columns()).containsExactly("a", "b");
        assertThat(one.get(7).columns()).isEmpty();
        CheckDef warn = one.get(3).withSeverity(Severity.WARNING).withDescription("no refunds");
        assertThat(warn).as("with* returns a copy of the same kind")
                .isEqualTo(new CheckDef.Min("a", 0, Severity.WARNING, "no refunds"));
        assertThat(one.get(3).severity()).isEqualTo(E);
    }

    @Test
    void everyCheckRefusesABadColumnAndANullSeverity() {
        for (String bad : Arrays.asList(null, "", "1st", "amount; DROP TABLE x", "a-b")) {
            String why = "column '" + bad + "'";
            rejects(why, "completeness check", () -> new CheckDef.Completeness(bad, Optional.empty(), E, ""), "column");
            rejects(why, "uniqueness check", () -> new CheckDef.Uniqueness(Arrays.asList("id", bad), Optional.empty(), E, ""), "column");
            rejects(why, "contained_in check", () -> new CheckDef.ContainedIn(bad, List.of("x"), E, ""), "column");
            rejects(why, "min check", () -> new CheckDef.Min(bad, 0, E, ""), "column");
            rejects(why, "max check", () -> new CheckDef.Max(bad, 0, E, ""), "column");
            rejects(why, "range check", () -> new CheckDef.Range(bad, 0, 1, E, ""), "column");
            rejects(why, "pattern check", () -> new CheckDef.Pattern(bad, "x", Optional.empty(), E, ""), "column");
            rejects(why, "distinct_count check", () -> new CheckDef.DistinctCount(bad, o(1), Optional.empty(), E, ""), "column");
            rejects(why, "quantile check", () -> new CheckDef.Quantile(bad, 0.5, o(1), Optional.empty(), E, ""), "column");
            rejects(why, "mean check", () -> new CheckDef.Mean(bad, o(1), Optional.empty(), E, ""), "column");
            rejects(why, "stddev check", () -> new CheckDef.StdDev(bad, o(1), Optional.empty(), E, ""), "column");
            rejects(why, "drift check", () -> new CheckDef.Drift(bad, new DriftDef(Optional.empty(), o(0.2),
                    Optional.empty(), 10), E, ""), "column");
            if (bad != null) {
                rejects(why, "anomaly check", () -> new CheckDef.Anomaly(Optional.of(bad),
                        AnomalyDef.relativeChange(Metric.MEAN, 0.3), E, ""), "column");
            }
        }
        rejects("no severity", "min check", () -> new CheckDef.Min("a", 0, null, ""), "no severity");
        rejects("no severity", "size check", () -> new CheckDef.Size(o(1), Optional.empty(), null, ""), "no severity");
    }

    @Test
    void fractionsAreBetweenZeroAndOne() {
        for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
            rejects("min " + bad, "completeness check", () -> new CheckDef.Completeness("a", o(bad), E, ""), "not a fraction");
            rejects("min " + bad, "uniqueness check", () -> new CheckDef.Uniqueness(List.of("a"), o(bad), E, ""), "not a fraction");
            rejects("min " + bad, "pattern check", () -> new CheckDef.Pattern("a", "x", o(bad), E, ""), "not a fraction");
            rejects("min " + bad, "predicate check", () -> new CheckDef.Predicate("a > 0", o(bad), E, ""), "not a fraction");
        }
        assertThat(new CheckDef.Completeness("a", o(0), E, "").min()).as("0 and 1 are fractions").contains(0.0);
        assertThat(new CheckDef.Completeness("a", null, E, "").min()).as("a null Optional is empty").isEmpty();
    }

    @Test
    void uniquenessNeedsDistinctColumns() {
        rejects("no columns", "uniqueness check", () -> new CheckDef.Uniqueness(List.of(), Optional.empty(), E, ""), "'columns' is empty");
        rejects("twice", "uniqueness check", () -> new CheckDef.Uniqueness(List.of("a", "a"), Optional.empty(), E, ""), "listed twice");
    }

    @Test
    void containedInNeedsValues() {
        rejects("no values", "contained_in check", () -> new CheckDef.ContainedIn("a", List.of(), E, ""), "empty");
        rejects("a null value", "contained_in check", () -> new CheckDef.ContainedIn("a", Arrays.asList("x", null), E, ""), "null");
    }

    @Test
    void minMaxAndRangeNeedFiniteOrderedBounds() {
        rejects("NaN", "min check", () -> new CheckDef.Min("a", Double.NaN, E, ""), "'min' is NaN");
        rejects("infinite", "max check", () -> new CheckDef.Max("a", Double.POSITIVE_INFINITY, E, ""), "'max' is Infinity");
        rejects("min > max", "range check", () -> new CheckDef.Range("a", 5, 1, E, ""), "min 5.0 is greater than max 1.0");
        rejects("NaN", "range check", () -> new CheckDef.Range("a", Double.NaN, 1, E, ""), "'min' is NaN");
        assertThat(new CheckDef.Range("a", 1, 1, E, "").max()).as("min == max is a range").isEqualTo(1.0);
    }

    @Test
    void patternNeedsARegexThatCompiles() {
        rejects("empty", "pattern check", () -> new CheckDef.Pattern("a", "", Optional.empty(), E, ""), "'regex' is empty");
        rejects("null", "pattern check", () -> new CheckDef.Pattern("a", null, Optional.empty(), E, ""), "'regex' is empty");
        rejects("unclosed", "pattern check", () -> new CheckDef.Pattern("a", "^o-[0-9", Optional.empty(), E, ""),
                "'^o-[0-9' is not a valid regular expression");
    }

    @Test
    void sizeDistinctCountQuantileMeanAndStdDevNeedABound() {
        rejects("no bound", "size check", () -> new CheckDef.Size(Optional.empty(), Optional.empty(), E, ""), "no bound");
        rejects("min > max", "size check", () -> new CheckDef.Size(o(10), o(1), E, ""), "greater than max");
        rejects("no bound", "distinct_count check", () -> new CheckDef.DistinctCount("a", null, null, E, ""), "no bound");
        rejects("min > max", "distinct_count check", () -> new CheckDef.DistinctCount("a", o(3), o(2), E, ""), "greater than max");
        rejects("no bound", "quantile check", () -> new CheckDef.Quantile("a", 0.5, Optional.empty(), Optional.empty(), E, ""), "no bound");
        rejects("min > max", "quantile check", () -> new CheckDef.Quantile("a", 0.5, o(3), o(2), E, ""), "greater than max");
        rejects("no bound", "mean check", () -> new CheckDef.Mean("a", Optional.empty(), Optional.empty(), E, ""), "no bound");
        rejects("NaN", "mean check", () -> new CheckDef.Mean("a", o(Double.NaN), Optional.empty(), E, ""), "'min' is NaN");
        rejects("min > max", "mean check", () -> new CheckDef.Mean("a", o(3), o(2), E, ""), "greater than max");
        rejects("no bound", "stddev check", () -> new CheckDef.StdDev("a", Optional.empty(), Optional.empty(), E, ""), "no bound");
        rejects("min > max", "stddev check", () -> new CheckDef.StdDev("a", o(3), o(2), E, ""), "greater than max");
    }

    @Test
    void quantileIsBetweenZeroAndOne() {
        for (double q : new double[] {-0.01, 1.01, Double.NaN}) {
            rejects("quantile " + q, "quantile check", () -> new CheckDef.Quantile("a", q, o(0), Optional.empty(), E, ""),
                    "not between 0 and 1");
        }
    }

    @Test
    void predicateIsOneSqlExpression() {
        rejects("blank", "predicate check", () -> new CheckDef.Predicate("  ", Optional.empty(), E, ""), "'expr' is empty");
        rejects("not SQL", "predicate check", () -> new CheckDef.Predicate("amount >=", Optional.empty(), E, ""),
                "is not valid Spark SQL");
        rejects("breaks out of its parentheses", "predicate check",
                () -> new CheckDef.Predicate("true) OR (1 = 1", Optional.empty(), E, ""), "is not valid Spark SQL");
    }

    @Test
    void anomalyColumnFollowsItsMetricAndItsRuleIsComplete() {
        rejects("a column metric without column", "anomaly check", () -> new CheckDef.Anomaly(Optional.empty(),
                AnomalyDef.stdDev(Metric.COMPLETENESS, 3, 10), E, ""), "the completeness metric is of a column");
        rejects("size with a column", "anomaly check", () -> new CheckDef.Anomaly(Optional.of("a"),
                AnomalyDef.relativeChange(Metric.SIZE, 0.3), E, ""), "the size metric is of the whole table");
        rejects("no rule", "anomaly check", () -> new CheckDef.Anomaly(Optional.empty(), null, E, ""), "no rule");
        rejects("no max_change", "anomaly rule", () -> new AnomalyDef(Metric.SIZE, Strategy.RELATIVE_CHANGE,
                Optional.empty(), Optional.empty(), 1), "needs max_change");
        rejects("no sigmas", "anomaly rule", () -> new AnomalyDef(Metric.SIZE, Strategy.STD_DEV,
                Optional.empty(), Optional.empty(), 10), "needs sigmas");
        rejects("sigmas with relative_change", "anomaly rule", () -> new AnomalyDef(Metric.SIZE, Strategy.RELATIVE_CHANGE,
                o(0.3), o(3), 1), "only the std_dev strategy takes sigmas");
        rejects("negative change", "anomaly rule", () -> AnomalyDef.relativeChange(Metric.SIZE, -0.1), "max_change is -0.1");
        rejects("NaN sigmas", "anomaly rule", () -> AnomalyDef.stdDev(Metric.MEAN, Double.NaN, 10), "sigmas is NaN");
        rejects("window 0", "anomaly rule", () -> AnomalyDef.stdDev(Metric.MEAN, 3, 0), "window is 0");
        rejects("window too long", "anomaly rule", () -> AnomalyDef.stdDev(Metric.MEAN, 3, 1001), "window is 1001");
        rejects("no metric", "anomaly rule", () -> new AnomalyDef(null, Strategy.STD_DEV, Optional.empty(), o(3), 10),
                "no metric");
        assertThat(new CheckDef.Anomaly(Optional.of("a"), AnomalyDef.stdDev(Metric.MEAN, 3, 10), E, "").columns())
                .containsExactly("a");
    }

    @Test
    void driftRuleNeedsAThresholdInRange() {
        rejects("no threshold", "drift rule", () -> new DriftDef(Optional.empty(), Optional.empty(), Optional.empty(), 10),
                "no threshold");
        rejects("negative psi", "drift rule", () -> new DriftDef(Optional.empty(), o(-1), Optional.empty(), 10), "psi_max is -1.0");
        rejects("ks over 1", "drift rule", () -> new DriftDef(Optional.empty(), Optional.empty(), o(1.5), 10), "ks_max is 1.5");
        rejects("one bin", "drift rule", () -> new DriftDef(Optional.empty(), o(0.2), Optional.empty(), 1), "bins is 1");
        rejects("no rule", "drift check", () -> new CheckDef.Drift("a", null, E, ""), "no rule");
        assertThat(new DriftDef(Optional.of(new TableName("ml", "t")), Optional.empty(), o(0.1), 2).bins()).isEqualTo(2);
    }

    @Test
    void suiteNeedsAValidNameAndNoNullCheck() {
        rejects("bad name", "check suite 'Orders'", () -> new CheckSuiteDef("Orders", "", Optional.empty(),
                CheckSuiteDef.Policy.STRICT, List.of()), "'Orders' is not a valid name");
        rejects("no policy", "check suite 'orders'", () -> new CheckSuiteDef("orders", "", Optional.empty(), null,
                List.of()), "no policy");
        rejects("a null check", "check suite 'orders'", () -> new CheckSuiteDef("orders", "", Optional.empty(),
                CheckSuiteDef.Policy.STRICT, Arrays.asList((CheckDef) null)), "holds a null");
        assertThat(ExitCode.BAD_INPUT.code()).isEqualTo(2);
    }
}
