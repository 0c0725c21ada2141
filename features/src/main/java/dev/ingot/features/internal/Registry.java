package dev.ingot.features.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Catalog;
import dev.ingot.core.TableDoc;
import dev.ingot.core.Lineage;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.internal.DeltaConflicts;
import dev.ingot.features.FeatureViewVersion;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.delta.tables.DeltaTable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The feature-view registry, {@code ingot.feature_views}: one row per view and version. */
public final class Registry {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final StructType SCHEMA = new StructType()
            .add("view", DataTypes.StringType, false, "The feature view's name")
            .add("version", DataTypes.IntegerType, false, "Its definition version, from 1: a new one when an existing"
                    + " feature's definition or the keys change")
            .add("table_name", DataTypes.StringType, false, "The feature table of this version")
            .add("definition_hash", DataTypes.StringType, false, "Hash of the whole definition as last materialized")
            .add("key_hash", DataTypes.StringType, false, "Hash of what all its features share (source, keys, event "
                    + "time, filter, cadence)")
            .add("feature_hashes", DataTypes.StringType, false, "JSON object: feature name to the hash of its "
                    + "definition")
            .add("features", DataTypes.StringType, false, "JSON list of the features in table order: name, Spark "
                    + "SQL type, description")
            .add("entities", DataTypes.StringType, false, "JSON list of the entity key columns")
            .add("cadence", DataTypes.StringType, false, "The time grain of its rows (1d, 1h), or row for a row-level view")
            .add("ttl_seconds", DataTypes.LongType, false, "How long a feature value stays valid in point-in-time "
                    + "joins, in seconds")
            .add("created_at", DataTypes.TimestampType, false, "When this version was first materialized")
            .add("updated_at", DataTypes.TimestampType, false, "When its definition last changed compatibly (same version)")
            .add("code_version", DataTypes.StringType, false, "Ingot's version that wrote the row");

    static final TableDoc DOC = TableDoc.of("The feature view registry: one row per feature view and definition "
            + "version, with the hashes that decide when a new version (a new table) is needed.");

    private final SparkSession spark;

    public Registry(SparkSession spark) {
        this.spark = spark;
    }

    /** Every version of a view, oldest first (empty when the view was never materialized). */
    public List<FeatureViewVersion> versions(String view) {
        if (!Catalog.tableExists(spark, Tables.FEATURE_VIEWS)) {
            return List.of();
        }
        List<FeatureViewVersion> out = new ArrayList<>();
        for (Row r : spark.table(Tables.FEATURE_VIEWS.sql()).where("view = " + Catalog.literal(view)).collectAsList()) {
            out.add(fromRow(r));
        }
        out.sort(Comparator.comparingInt(FeatureViewVersion::version));
        return out;
    }

    /** The latest version of a view. */
    public Optional<FeatureViewVersion> latest(String view) {
        List<FeatureViewVersion> all = versions(view);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Inserts or updates a version (keeping its creation time). */
    public void upsert(FeatureViewVersion v) {
        ensureTable();
        Row row = RowFactory.create(v.view(), v.version(), v.table().toString(), v.definitionHash(), v.keyHash(),
                json(new java.util.TreeMap<>(v.featureHashes())), json(v.features()), json(v.entities()), v.cadence(),
                v.ttlSeconds(), Timestamp.from(v.createdAt()), Timestamp.from(v.updatedAt()), Lineage.codeVersion());
        Map<String, String> update = new LinkedHashMap<>();
        for (String f : SCHEMA.fieldNames()) {
            if (!f.equals("created_at") && !f.equals("view") && !f.equals("version")) {
                update.put(f, "s." + f);
            }
        }
        // Two runs of one view may register the same version at once: the MERGE is keyed on it, so doing it again
        // after losing the race is right.
        DeltaConflicts.retry("register " + v.table() + " in " + Tables.FEATURE_VIEWS, () -> DeltaTable
                .forName(spark, Tables.FEATURE_VIEWS.toString()).as("t")
                .merge(spark.createDataFrame(List.of(row), SCHEMA).as("s"), "t.view = s.view AND t.version = s.version")
                .whenMatched().updateExpr(update)
                .whenNotMatched().insertAll()
                .execute());
    }

    private void ensureTable() {
        Catalog.createDeltaTableIfMissing(spark, Tables.FEATURE_VIEWS, SCHEMA, DOC);
    }

    private static FeatureViewVersion fromRow(Row r) {
        try {
            Map<String, String> hashes = JSON.readValue(r.getString(5), new TypeReference<LinkedHashMap<String, String>>() {});
            List<FeatureViewVersion.Feature> features = JSON.readValue(r.getString(6),
                    new TypeReference<List<FeatureViewVersion.Feature>>() {});
            List<String> entities = JSON.readValue(r.getString(7), new TypeReference<List<String>>() {});
            return new FeatureViewVersion(r.getString(0), r.getInt(1), TableName.parse(r.getString(2)), r.getString(3),
                    r.getString(4), hashes, features, entities, r.getString(8), r.getLong(9),
                    r.getTimestamp(10).toInstant(), r.getTimestamp(11).toInstant());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Corrupt row in " + Tables.FEATURE_VIEWS + ": " + e.getMessage(), e);
        }
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
