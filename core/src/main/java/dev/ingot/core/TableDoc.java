package dev.ingot.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What the catalog says about a table Ingot writes: its comment (what it holds), a comment per column, and table
 * properties ({@code ingot.*}: lineage, definition hash, source versions). {@link Catalog} puts them in the commit that
 * creates the table ({@link Catalog#createDeltaTable}, {@link Catalog#appendDelta},
 * {@link Catalog#createDeltaTableIfMissing}): setting them on an existing table (ALTER TABLE) would add a Delta version,
 * so a table created before keeps what it had.
 *
 * <p>Immutable; {@code with*} returns a copy. Maps keep the order they were given in.
 *
 * @param comment the table's comment
 * @param columns column name to its comment; a column not named keeps the comment its data carries, if any
 * @param properties table properties, each key starting with {@value #PREFIX}
 */
public record TableDoc(String comment, Map<String, String> columns, Map<String, String> properties) {
    /** The prefix of every table property Ingot sets. */
    public static final String PREFIX = "ingot.";

    public TableDoc {
        Errors.required(comment, "the comment of a table");
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns == null ? Map.of() : columns));
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties == null ? Map.of() : properties));
        for (Map.Entry<String, String> p : properties.entrySet()) {
            if (!p.getKey().startsWith(PREFIX) || p.getValue() == null) {
                throw new IllegalArgumentException("Table property " + p.getKey() + "=" + p.getValue()
                        + ": Ingot's table properties are named " + PREFIX + "* and have a value");
            }
        }
    }

    /** A table comment, with no column comments or properties yet. */
    public static TableDoc of(String comment) {
        return new TableDoc(comment, Map.of(), Map.of());
    }

    /** A copy with the comment of one column (replacing any given before). */
    public TableDoc withColumn(String column, String comment) {
        Map<String, String> c = new LinkedHashMap<>(columns);
        c.put(column, comment == null ? "" : comment);
        return new TableDoc(this.comment, c, properties);
    }

    /** A copy with the comments of several columns, in their order. */
    public TableDoc withColumns(Map<String, String> comments) {
        Map<String, String> c = new LinkedHashMap<>(columns);
        c.putAll(comments);
        return new TableDoc(comment, c, properties);
    }

    /** A copy with one table property ({@value #PREFIX}{@code *}). */
    public TableDoc withProperty(String key, String value) {
        Map<String, String> p = new LinkedHashMap<>(properties);
        p.put(key, value);
        return new TableDoc(comment, columns, p);
    }

    /** A copy with several table properties. */
    public TableDoc withProperties(Map<String, String> more) {
        Map<String, String> p = new LinkedHashMap<>(properties);
        p.putAll(more);
        return new TableDoc(comment, columns, p);
    }

    /** The schema with each named column's comment set (columns of the schema only; others are ignored). */
    public StructType describe(StructType schema) {
        StructField[] fields = schema.fields().clone();
        for (int i = 0; i < fields.length; i++) {
            String c = columns.get(fields[i].name());
            if (c != null) {
                fields[i] = fields[i].withComment(c);
            }
        }
        return new StructType(fields);
    }

    /**
     * The rows with each named column's comment in their schema (a projection: no data is read), so that the write
     * that creates a table from them records the comments.
     */
    public Dataset<Row> describe(Dataset<Row> rows) {
        List<Column> cols = new java.util.ArrayList<>();
        for (StructField f : rows.schema().fields()) {
            Column c = functions.col("`" + f.name().replace("`", "``") + "`");
            String comment = columns.get(f.name());
            cols.add(comment == null ? c : c.as(f.name(), new MetadataBuilder().withMetadata(f.metadata())
                    .putString("comment", comment).build()));
        }
        return rows.select(cols.toArray(Column[]::new));
    }
}
