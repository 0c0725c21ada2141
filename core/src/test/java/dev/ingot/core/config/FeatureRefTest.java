package dev.ingot.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.core.ExitCode;
import dev.ingot.core.IngotException;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureRefTest {

    @Test
    void aViewAloneMeansAllItsFeatures() {
        FeatureRef r = FeatureRef.parse("customer_spend", "--features");
        assertThat(r.view()).isEqualTo("customer_spend");
        assertThat(r.features()).isEmpty();
        assertThat(r).hasToString("customer_spend");
    }

    @Test
    void aViewWithFeatures() {
        FeatureRef r = FeatureRef.parse("customer_spend:spend_7d,spend_30d", "--features");
        assertThat(r).isEqualTo(new FeatureRef("customer_spend", List.of("spend_7d", "spend_30d")));
        assertThat(r).hasToString("customer_spend:spend_7d,spend_30d");
        assertThat(FeatureRef.parse(" customer_spend : spend_7d , Spend_30D ", "x").features())
                .as("spaces are ignored; feature names are column names").containsExactly("spend_7d", "Spend_30D");
        assertThat(FeatureRef.parse(" customer_spend : spend_7d", "x").view()).isEqualTo("customer_spend");
    }

    @Test
    void malformedReferencesNameWhereAndWhat() {
        for (String bad : List.of("", "Customer_Spend", "customer-spend", "customer_spend:", "customer_spend:a,,b",
                "customer_spend:a-b", ":spend_7d", "v:a:b")) {
            assertThatThrownBy(() -> FeatureRef.parse(bad, "--features")).as("'%s'", bad)
                    .isInstanceOf(IngotException.class)
                    .hasMessageStartingWith("Invalid value for --features: '" + bad + "'. Expected VIEW")
                    .extracting(e -> ((IngotException) e).exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        }
    }

    @Test
    void featuresAreCopied() {
        java.util.ArrayList<String> fs = new java.util.ArrayList<>(List.of("a"));
        FeatureRef r = new FeatureRef("v", fs);
        fs.add("b");
        assertThat(r.features()).containsExactly("a");
    }
}
