package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.Identifiers;
import dev.ingot.core.IngotException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Identifiers from configuration are what stands between a definition and SQL injection. */
class IdentifiersTest {

    @Test
    void namesAreLowerSnakeCase() {
        for (String ok : List.of("a", "customer_spend", "v2", "a_b_c_1", "x".repeat(Identifiers.MAX_LENGTH))) {
            assertThat(Identifiers.checkName(ok)).as("'%s'", ok).isEmpty();
        }
        for (String bad : List.of("", "Customer", "customer-spend", "1abc", "_abc", "a b", "a.b", "a;drop", "a`b",
                "ü", "x".repeat(Identifiers.MAX_LENGTH + 1))) {
            assertThat(Identifiers.checkName(bad)).as("'%s'", bad).isPresent();
        }
        assertThat(Identifiers.checkName(null)).contains("a name is empty");
        assertThat(Identifiers.checkName("Bad-Name")).contains("'Bad-Name' is not a valid name");
        assertThat(Identifiers.checkName("x".repeat(101)).orElseThrow()).contains("longer than 100 characters");
    }

    @Test
    void columnsMayUseUpperCase() {
        for (String ok : List.of("amount", "Amount_USD", "_id", "col1")) {
            assertThat(Identifiers.checkColumn(ok)).as("'%s'", ok).isEmpty();
        }
        for (String bad : List.of("", "1col", "a-b", "a b", "a.b", "a`b", "amount)", "x".repeat(101))) {
            assertThat(Identifiers.checkColumn(bad)).as("'%s'", bad).isPresent();
        }
        assertThat(Identifiers.checkColumn(null)).contains("a column name is empty");
    }

    @Test
    void quoteColumnQuotesOnlyValidColumns() {
        assertThat(Identifiers.quoteColumn("Amount_USD")).isEqualTo("`Amount_USD`");
        assertThatThrownBy(() -> Identifiers.quoteColumn("a` OR 1=1 --")).isInstanceOf(IngotException.class)
                .hasMessageContaining("a` OR 1=1 --").hasMessageContaining(Identifiers.columnRule())
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    }

    @Test
    void requireNameIsABadInputError() {
        assertThat(Identifiers.requireName("--view", "customer_spend")).isEqualTo("customer_spend");
        assertThatThrownBy(() -> Identifiers.requireName("--view", "Customer-Spend"))
                .isInstanceOf(IngotException.class)
                .hasMessage("Invalid value for --view: 'Customer-Spend'. Expected " + Identifiers.nameRule() + ".")
                .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    }

    @Test
    void rulesSayWhatIsValid() {
        assertThat(Identifiers.nameRule()).contains("lower-case letters", "customer_spend", "100");
        assertThat(Identifiers.columnRule()).contains("letters, digits and '_'");
    }
}
