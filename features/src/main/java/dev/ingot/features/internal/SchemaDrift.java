package dev.ingot.features.internal;

import static org.apache.spark.sql.functions.col;

import dev.ingot.core.Catalog;
import dev.ingot.core.Errors;
import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.SourceDef;
import dev.ingot.features.FeatureViewVersion;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * A table source whose schema changed since the view was last materialized from it. The columns the view uses are
 * compared with the schema of the Delta version the last materialization read (recorded in {@code ingot.lineage}):
 * a column dropped or renamed, or a type changed other than by widening (int to bigint, float to double), is bad
 * input naming the table, the column, both types, the view and the fix, before anything is written. A column added
 * changes nothing. A widening is accepted when every feature and every partial aggregate keeps its stored type (a
 * sum, an average); one that would change a stored type (the max of an int column becoming a bigint) is refused by
 * {@link #requireSameFeatureTypes}, since the stored column cannot take the new values.
 */
final class SchemaDrift {
    private SchemaDrift() {}

    static void requireUsedColumns(SparkSession spark, FeatureViewDef view, SourceReader.Read read, Registry registry,
                                   String doing) {
        if (read.source().isEmpty() || read.source().get().table().isEmpty() || read.input().deltaVersion().isEmpty()) {
            return;
        }
        SourceDef src = read.source().get();
        Optional<FeatureViewVersion> last = registry.latest(view.name());
        if (last.isEmpty()) {
            return;
        }
        Optional<Long> before = versionLastRead(spark, last.get(), src);
        long now = read.input().deltaVersion().get();
        if (before.isEmpty() || before.get() == now) {
            return;
        }
        TableName t = src.table().get();
        StructType old;
        try {
            old = spark.sql("SELECT * FROM " + t.sql() + " VERSION AS OF " + before.get()).schema();
        } catch (RuntimeException e) {
            return; // that version is gone (vacuumed log): the checks against the data as it is now still run
        }
        StructType current = read.rows().schema();
        for (String c : used(view, read.eventTime())) {
            StructField was = SourceReader.field(old, c);
            if (was == null) {
                continue; // not a column of the source (a transformation's name): the usual checks say what is wrong
            }
            StructField is = SourceReader.field(current, c);
            String since = " since the last materialization of " + last.get().table() + " (which read version "
                    + before.get() + " of " + t + "; now version " + now + ")";
            if (is == null) {
                throw Errors.badData(doing, "column '" + c + "' (" + was.dataType().simpleString() + "), which "
                        + view.file() + " uses, was dropped or renamed in " + t + since + " (columns now: "
                        + String.join(", ", current.fieldNames()) + ")", "restore the column in " + t + ", or name its"
                        + " new name in " + view.file() + " (a new version of the view)");
            }
            if (!is.dataType().sameType(was.dataType()) && !widening(was.dataType(), is.dataType())) {
                throw Errors.badData(doing, "column '" + c + "' of " + t + ", which " + view.file() + " uses, changed"
                        + " type from " + was.dataType().simpleString() + " to " + is.dataType().simpleString() + since,
                        "restore its type in " + t + ", or convert it back in a transformation of " + view.file()
                                + " (e.g. CAST(" + c + " AS " + was.dataType().sql() + "); a new version of the view)");
            }
        }
    }

    /**
     * Features and partial aggregates keep the types the stored version has: a widened source column may change them
     * (max of int to max of bigint), and the stored columns cannot take the new values.
     */
    static void requireSameFeatureTypes(SparkSession spark, FeatureViewDef view, SourceReader.Read read,
                                        FeatureViewVersion existing, Map<String, StructField> featureFields,
                                        String doing) {
        for (FeatureViewVersion.Feature f : existing.features()) {
            StructField now = featureFields.get(f.name());
            if (now != null && !now.dataType().simpleString().equals(f.type())) {
                throw Errors.badData(doing, "feature '" + f.name() + "' of " + existing.table() + " is " + f.type()
                        + ", and the source " + read.input().location() + " as it is now makes it "
                        + now.dataType().simpleString() + " (a column it reads changed type)", "restore the column's"
                        + " type in " + read.input().location() + ", or cast it back in a transformation of "
                        + view.file() + " (a new version of the view)");
            }
        }
    }

    /**
     * The partial aggregates (tiles) keep their stored types too: a distinct count's set of int values cannot take
     * bigint ones, though the feature (a count) keeps its type.
     */
    static void requireSameTileTypes(SparkSession spark, FeatureViewDef view, SourceReader.Read read, TableName tiles,
                                     StructType now, String doing) {
        if (view.isRowLevel() || !Catalog.tableExists(spark, tiles)) {
            return;
        }
        StructType stored = spark.table(tiles.sql()).schema();
        for (StructField f : now.fields()) {
            StructField was = SourceReader.field(stored, f.name());
            if (was != null && !was.dataType().sameType(f.dataType())) {
                throw Errors.badData(doing, "the partial aggregates in " + tiles + " hold '" + f.name() + "' as "
                        + was.dataType().simpleString() + ", and the source " + read.input().location() + " as it is"
                        + " now makes it " + f.dataType().simpleString() + " (a column it reads changed type)",
                        "restore the column's type in " + read.input().location() + ", or cast it back in a"
                                + " transformation of " + view.file() + " (a new version of the view)");
            }
        }
    }

    private static boolean widening(DataType from, DataType to) {
        return rank(from) > 0 && rank(to) > rank(from) || from instanceof FloatType && to instanceof DoubleType;
    }

    private static int rank(DataType t) {
        return t instanceof ByteType ? 1 : t instanceof ShortType ? 2 : t instanceof IntegerType ? 3
                : t instanceof LongType ? 4 : 0;
    }

    /** Columns of the input the view names: entities, event time, aggregated columns, those its SQL refers to. */
    static Set<String> used(FeatureViewDef view, String eventTime) {
        Set<String> out = new LinkedHashSet<>(view.entities());
        out.add(eventTime);
        view.aggregations().forEach(a -> a.column().ifPresent(out::add));
        view.filter().ifPresent(f -> out.addAll(references(f)));
        view.transformations().forEach(t -> out.addAll(references(t.expr())));
        return out;
    }

    private static List<String> references(String sql) {
        try {
            return JavaConverters.seqAsJavaList(functions.expr(sql).expr().references().toSeq()).stream()
                    .map(a -> a.name()).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** The Delta version of the source that the last write of {@code v}'s table (or its tiles) read, if recorded. */
    private static Optional<Long> versionLastRead(SparkSession spark, FeatureViewVersion v, SourceDef src) {
        if (!Catalog.tableExists(spark, Tables.LINEAGE)) {
            return Optional.empty();
        }
        List<Row> rows = spark.table(Tables.LINEAGE.sql())
                .where(col("output_table").isin(v.table().toString(), Tables.tiles(v.view(), v.version()).toString()))
                .orderBy(col("finished_at").desc()).select(col("inputs")).limit(1).collectAsList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        String location = src.table().orElseThrow().toString();
        return Lineage.parseInputs(rows.get(0).getString(0)).stream()
                .filter(i -> i.location().equals(location)).findFirst().flatMap(Lineage.Input::deltaVersion);
    }
}
