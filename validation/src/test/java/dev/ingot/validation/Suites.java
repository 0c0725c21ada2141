package dev.ingot.validation;

import dev.ingot.core.config.CheckSuiteDef;
import dev.ingot.core.config.CheckSuiteDef.CheckDef;
import dev.ingot.core.config.CheckSuiteDef.Kind;
import dev.ingot.core.config.CheckSuiteDef.Severity;
import java.util.List;
import java.util.Optional;

/** Builds checks and suites in tests, as the loader would from YAML. */
final class Suites {
    private Suites() {}

    static CheckSuiteDef suite(String name, CheckSuiteDef.Policy policy, CheckDef... checks) {
        return new CheckSuiteDef(name, "", Optional.empty(), policy, List.of(checks));
    }

    static CheckSuiteDef strict(String name, CheckDef... checks) {
        return suite(name, CheckSuiteDef.Policy.STRICT, checks);
    }

    static CheckDef check(Kind kind, List<String> columns, Double min, Double max) {
        return new CheckDef(kind, columns, Severity.ERROR, "", Optional.ofNullable(min), Optional.ofNullable(max), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    static CheckDef col(Kind kind, String column, Double min, Double max) {
        return check(kind, List.of(column), min, max);
    }

    static CheckDef containedIn(String column, String... values) {
        return new CheckDef(Kind.CONTAINED_IN, List.of(column), Severity.ERROR, "", Optional.empty(), Optional.empty(),
                List.of(values), Optional.empty(), Optional.empty(), Optional.empty());
    }

    static CheckDef pattern(String column, String regex, Double min) {
        return new CheckDef(Kind.PATTERN, List.of(column), Severity.ERROR, "", Optional.ofNullable(min), Optional.empty(),
                List.of(), Optional.of(regex), Optional.empty(), Optional.empty());
    }

    static CheckDef quantile(String column, double q, Double min, Double max) {
        return new CheckDef(Kind.QUANTILE, List.of(column), Severity.ERROR, "", Optional.ofNullable(min), Optional.ofNullable(max),
                List.of(), Optional.empty(), Optional.of(q), Optional.empty());
    }

    static CheckDef predicate(String expr, Double min) {
        return new CheckDef(Kind.PREDICATE, List.of(), Severity.ERROR, "", Optional.ofNullable(min), Optional.empty(),
                List.of(), Optional.empty(), Optional.empty(), Optional.of(expr));
    }

    static CheckDef warning(CheckDef c) {
        return new CheckDef(c.kind(), c.columns(), Severity.WARNING, c.description(), c.min(), c.max(), c.values(), c.regex(),
                c.quantile(), c.expr());
    }
}
