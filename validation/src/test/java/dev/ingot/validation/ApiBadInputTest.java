package dev.ingot.validation;

import static dev.ingot.core.BadInput.assertBadInput;
import static dev.ingot.core.BadInput.bad;

import dev.ingot.core.TableName;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.CheckSuiteDef;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exit-code contract of the validation API: a bad value given to {@link Validator}, {@link Gate} or a result
 * record is bad input (exit code 2 on the command line), never an IllegalArgumentException or NullPointerException
 * (exit code 3). Every case is refused before a Spark job runs.
 */
class ApiBadInputTest {
    private static final TableName T = new TableName("vbad", "orders");

    static Stream<Arguments> badValues() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> data = spark.sql("SELECT 'o1' AS order_id");
        CheckSuiteDef suite = Suites.strict("vbad", Suites.col(CheckSuiteDef.Kind.COMPLETENESS, "order_id", 1.0, null));
        List<CheckSuiteDef> suites = List.of(suite);
        Validator validator = Validator.of(spark);
        Gate gate = Gate.of(spark);
        ValidationResult empty = result("run", 0);
        return Stream.of(
                bad("Validator.of without a session", () -> Validator.of(null)),
                bad("Validator.withReports(null)", () -> validator.withReports(null)),
                bad("Validator.withTable(null)", () -> validator.withTable(null)),
                bad("Validator.withTable(null, 0)", () -> validator.withTable(null, 0)),
                bad("Validator.withTable at Delta version -2", () -> validator.withTable(T, -2)),
                bad("validate null data", () -> validator.validate(null, suite)),
                bad("validate with a null suite", () -> validator.validate(data, (CheckSuiteDef) null)),
                bad("validate with null suites", () -> validator.validate(data, (List<CheckSuiteDef>) null)),
                bad("validate with no suites", () -> validator.validate(data, List.of())),
                bad("validateTable(null)", () -> validator.validateTable(null, suites)),
                bad("validateTable with no suites", () -> validator.validateTable(T, List.of())),
                bad("validateTable of a missing table", () -> validator.validateTable(T, suites)),
                bad("Gate.of without a session", () -> Gate.of(null)),
                bad("Gate.withReports(null)", () -> gate.withReports(null)),
                bad("Gate.check of null rows", () -> gate.check(null, suites, T)),
                bad("Gate.check with no suites", () -> gate.check(data, List.of(), T)),
                bad("Gate.check without a target", () -> gate.check(data, suites, null)),
                bad("Gate.admit with no suites", () -> gate.admit(data, List.of(), T)),
                bad("ValidationResult without a run id", () -> result(null, 0)),
                bad("ValidationResult with negative rows", () -> result("run", -1)),
                bad("ValidationResult.check of an unknown check", () -> empty.check("vbad", 7)),
                bad("CheckResult without a suite", () -> check(null, 0)),
                bad("CheckResult at index -1", () -> check("vbad", -1)),
                bad("QualityReport.write without a directory", () -> QualityReport.write(spark, empty, List.of(), null, null)),
                bad("QualityReport.write without a result", () -> QualityReport.write(spark, null, List.of(), null,
                        Path.of("/tmp"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void aBadValueIsBadInputExitCode2(String what, ThrowingCallable call) {
        assertBadInput(what, call);
    }

    private static ValidationResult result(String runId, long rows) {
        return new ValidationResult(runId, Optional.empty(), OptionalLong.empty(), 0, rows, 0, List.of(), List.of(),
                Optional.empty());
    }

    private static CheckResult check(String suite, int index) {
        return new CheckResult(suite, "checks/vbad.yaml", index, CheckSuiteDef.Kind.SIZE, List.of(),
                CheckSuiteDef.Severity.ERROR, "", CheckStatus.PASSED, "Size", OptionalDouble.of(1), -1, "ok");
    }
}
