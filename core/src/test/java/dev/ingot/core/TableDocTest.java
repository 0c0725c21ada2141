package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TableDoc} through {@link Catalog}: the comment, the columns' comments and the properties are in the commit
 * that creates a table (one Delta version), and later writes leave them as they are.
 */
class TableDocTest {
    private static SparkSession spark;

    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false, "The record's id")
            .add("note", DataTypes.StringType, true);

    private static final TableDoc DOC = TableDoc.of("Records of the test").withColumn("note", "What was noted")
            .withProperty("ingot.created_from", "src=db.src@3");

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS tabledoc");
    }

    private static long versions(String table) {
        return spark.sql("DESCRIBE HISTORY " + table).count();
    }

    private static Dataset<Row> rows(long... ids) {
        return spark.createDataFrame(java.util.Arrays.stream(ids).mapToObj(i -> RowFactory.create(i, "n" + i)).toList(),
                SCHEMA);
    }

    @Test
    void anEmptyRecordTableIsCreatedWithItsDocInOneVersionAndAppendsKeepIt() {
        TableName t = new TableName("tabledoc", "records");
        spark.sql("DROP TABLE IF EXISTS " + t.sql());
        Catalog.createDeltaTableIfMissing(spark, t, SCHEMA, DOC);
        Catalog.createDeltaTableIfMissing(spark, t, SCHEMA, TableDoc.of("another"));
        Catalog.appendRows(spark, t, SCHEMA, List.of(RowFactory.create(1L, "a")), DOC);
        CatalogEntry e = CatalogEntry.of(spark, t.toString());
        assertThat(e.comment()).isEqualTo("Records of the test");
        assertThat(e.columns()).as("the schema's comment and the doc's").containsExactly(
                Map.entry("id", "The record's id"), Map.entry("note", "What was noted"));
        assertThat(e.properties()).containsEntry("ingot.created_from", "src=db.src@3");
        assertThat(versions(t.sql())).as("the create, then the append: the second create did nothing").isEqualTo(2);
    }

    @Test
    void appendCreatesATableFromItsFirstRowsInOneCommitWithTheDoc() {
        TableName t = new TableName("tabledoc", "appended");
        spark.sql("DROP TABLE IF EXISTS " + t.sql());
        Catalog.appendDelta(rows(1, 2), t, DOC, Map.of("mergeSchema", "true"));
        assertThat(versions(t.sql())).as("the rows and the doc in one commit").isEqualTo(1);
        Catalog.appendDelta(rows(3), t, TableDoc.of("not this one").withProperty("ingot.created_from", "x"), Map.of());
        assertThat(versions(t.sql())).isEqualTo(2);
        assertThat(spark.table(t.sql()).count()).isEqualTo(3);
        CatalogEntry e = CatalogEntry.of(spark, t.toString());
        assertThat(e.comment()).as("set at creation, not by later writes").isEqualTo("Records of the test");
        assertThat(e.properties()).containsEntry("ingot.created_from", "src=db.src@3");
        assertThat(e.uncommented()).isEmpty();
    }

    @Test
    void aReplacedTableIsDescribedByItsNewDocAndKeepsItsHistory() {
        TableName t = new TableName("tabledoc", "replaced");
        spark.sql("DROP TABLE IF EXISTS " + t.sql());
        Catalog.createDeltaTable(rows(1), t, DOC, Map.of("userMetadata", "first"), List.of("note"), true);
        Catalog.createDeltaTable(rows(2, 3), t, TableDoc.of("Second build").withProperty("ingot.created_from", "v2"),
                Map.of("userMetadata", "second"), List.of(), true);
        CatalogEntry e = CatalogEntry.of(spark, t.toString());
        assertThat(e.comment()).isEqualTo("Second build");
        assertThat(e.properties()).containsEntry("ingot.created_from", "v2");
        assertThat(e.columns()).containsEntry("id", "The record's id");
        assertThat(spark.sql("DESCRIBE HISTORY " + t.sql()).orderBy("version").select("userMetadata")
                .collectAsList()).extracting(r -> r.getString(0)).containsExactly("first", "second");
        assertThatThrownBy(() -> Catalog.createDeltaTable(rows(4), t, DOC, Map.of(), List.of(), false))
                .isInstanceOf(Catalog.TableExists.class).hasMessageContaining("tabledoc.replaced");
    }

    @Test
    void aTableCreatedBeforeTakesRowsWhoseSchemaHasCommentsAndStaysAsItWas() {
        TableName t = new TableName("tabledoc", "older");
        spark.sql("DROP TABLE IF EXISTS " + t.sql());
        spark.sql("CREATE TABLE " + t.sql() + " (id BIGINT NOT NULL, note STRING) USING delta");
        rows(1).write().format("delta").mode("append").saveAsTable(t.sql());
        Catalog.appendRows(spark, t, SCHEMA, List.of(RowFactory.create(2L, "b")), DOC);
        assertThat(spark.table(t.sql()).count()).isEqualTo(2);
        CatalogEntry e = CatalogEntry.of(spark, t.toString());
        assertThat(e.comment()).isEmpty();
        assertThat(e.uncommented()).containsExactly("id", "note");
        assertThat(versions(t.sql())).as("the create and two appends, no metadata change").isEqualTo(3);
    }

    @Test
    void propertiesAreIngotsOwnAndDescribeOnlyTouchesNamedColumns() {
        assertThatThrownBy(() -> TableDoc.of("t").withProperty("delta.appendOnly", "true"))
                .hasMessageContaining("delta.appendOnly").hasMessageContaining("ingot.*");
        StructType described = TableDoc.of("t").withColumn("note", "N").withColumn("absent", "A").describe(SCHEMA);
        assertThat(described.fieldNames()).containsExactly("id", "note");
        assertThat(described.apply("id").getComment().get()).isEqualTo("The record's id");
        assertThat(described.apply("note").getComment().get()).isEqualTo("N");
    }
}
