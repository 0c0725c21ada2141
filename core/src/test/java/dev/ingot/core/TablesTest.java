package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TablesTest {

    @Test
    void aFeatureTableNameParsesBackIntoItsViewAndVersion() {
        TableName t = Tables.featureTable("customer_spend", 12);
        assertThat(t.toString()).isEqualTo("features.customer_spend_v12");
        assertThat(Tables.parseFeatureTable(t)).contains(new Tables.FeatureTable("customer_spend", 12));
        assertThat(Tables.parseFeatureTable(Tables.featureTable("spend_v2", 1)))
                .as("a view whose own name ends like a version").contains(new Tables.FeatureTable("spend_v2", 1));
    }

    @Test
    void tablesThatGoWithAFeatureTableAreNotFeatureTables() {
        Tables.FeatureTable f = new Tables.FeatureTable("spend", 3);
        assertThat(f.tiles().toString()).isEqualTo("features.spend_v3__tiles");
        assertThat(Tables.tiles("spend", 3)).isEqualTo(f.tiles());
        assertThat(Tables.parseFeatureTable(f.tiles())).isEmpty();
        assertThat(Tables.parseFeatureTable(Tables.staging(f.table()))).isEmpty();
        assertThat(Tables.parseFeatureTable(Tables.quarantine(f.table()))).isEmpty();
        assertThat(Tables.parseFeatureTable(new TableName("raw", "spend_v3"))).as("another database").isEmpty();
        assertThat(Tables.parseFeatureTable(new TableName("features", "spend_v0"))).as("versions start at 1").isEmpty();
        assertThat(Tables.parseFeatureTable(new TableName("features", "spend"))).isEmpty();
    }

    @Test
    void patternsAreTheNamesOfARunWithTheVersionLeftOpen() {
        assertThat(Tables.Patterns.featureTable("spend")).isEqualTo("features.spend_v<N>");
        for (int version : new int[] {1, 7, 123}) {
            TableName table = Tables.featureTable("spend", version);
            assertThat(Tables.Patterns.atVersion(Tables.Patterns.featureTable("spend"), version)).isEqualTo(table.toString());
            assertThat(Tables.Patterns.atVersion(Tables.Patterns.tiles("spend"), version))
                    .isEqualTo(Tables.tiles("spend", version).toString());
            assertThat(Tables.Patterns.atVersion(Tables.Patterns.staging("spend"), version))
                    .isEqualTo(Tables.staging(table).toString());
            assertThat(Tables.Patterns.atVersion(Tables.Patterns.quarantine("spend"), version))
                    .isEqualTo(Tables.quarantine(table).toString());
        }
    }

    @Test
    void databasesAreTypedAndKnownByName() {
        assertThat(Tables.DATABASES).extracting(Tables.Database::name)
                .containsExactly("features", "quality", "ml", "scores", "ingot");
        assertThat(Tables.database("quality").map(Tables.Database::comment).orElse("")).contains("quarantined rows");
        assertThat(Tables.database("raw")).as("the demo's raw data is not a product database").isEqualTo(Optional.empty());
        assertThat(Tables.trainingSet("fraud").toString()).isEqualTo("ml.fraud_training_set");
    }
}
