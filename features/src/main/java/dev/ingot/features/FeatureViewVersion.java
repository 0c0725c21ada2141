package dev.ingot.features;

import dev.ingot.core.Errors;
import dev.ingot.core.TableName;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One version of a feature view, as the registry ({@code ingot.feature_views}) holds it.
 *
 * @param view the view's name
 * @param version the definition version (1, 2, ...): a new one for every incompatible change
 * @param table its Delta table, {@code features.<view>_v<version>}
 * @param definitionHash the hash of the definition last written under this version
 * @param keyHash the hash of what all its features share (source, keys, event time, filter, cadence)
 * @param featureHashes feature name to the hash of how it is computed
 * @param features the features, in table order
 * @param entities the entity key columns
 * @param cadence the cadence ({@code 1d}, {@code 1h}); {@code row} for a row-level view
 * @param ttlSeconds how long a value is valid in point-in-time joins
 * @param createdAt when the version was first written
 * @param updatedAt when its definition last changed (compatibly)
 */
public record FeatureViewVersion(String view, int version, TableName table, String definitionHash, String keyHash,
                                 Map<String, String> featureHashes, List<Feature> features, List<String> entities,
                                 String cadence, long ttlSeconds, Instant createdAt, Instant updatedAt) {
    public FeatureViewVersion {
        Errors.required(view, "FeatureViewVersion.view");
        if (version < 1) {
            throw Errors.badArgument("FeatureViewVersion.version", version, "a version from 1");
        }
        Errors.required(table, "FeatureViewVersion.table");
        featureHashes = Map.copyOf(Errors.required(featureHashes, "FeatureViewVersion.featureHashes"));
        features = List.copyOf(Errors.required(features, "FeatureViewVersion.features"));
        entities = List.copyOf(Errors.required(entities, "FeatureViewVersion.entities"));
    }

    /**
     * A feature of a view.
     *
     * @param name the column name
     * @param type its Spark SQL type ({@code bigint}, {@code double}, ...)
     * @param description what it means
     */
    public record Feature(String name, String type, String description) {}

    /** The names of the features, in table order. */
    public List<String> featureNames() {
        return features.stream().map(Feature::name).toList();
    }
}
