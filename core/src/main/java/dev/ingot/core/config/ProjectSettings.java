package dev.ingot.core.config;

import dev.ingot.core.Location;
import dev.ingot.core.Secrets;
import java.util.Map;
import dev.ingot.core.Errors;

/**
 * What {@code ingot.yaml} says: the project's name, where its warehouse is, its catalog, tracking, Spark conf and GPU
 * policy.
 *
 * @param name the project's name
 * @param description free text
 * @param warehouse where Delta tables live: a local directory or a URI ({@code s3a://...}); relative paths in the
 *     file are resolved against the project directory
 * @param catalog the Hive metastore to use
 * @param tracking where runs and model versions are recorded
 * @param sparkConf {@code spark.*} settings applied to every session unless spark-submit already set them
 * @param gpu whether jobs use Spark RAPIDS
 */
public record ProjectSettings(
        String name,
        String description,
        Location warehouse,
        CatalogSettings catalog,
        TrackingSettings tracking,
        Map<String, String> sparkConf,
        GpuPolicy gpu) {
    public ProjectSettings {
        Errors.required(name, "ProjectSettings.name");
        description = description == null ? "" : description;
        Errors.required(warehouse, "ProjectSettings.warehouse");
        Errors.required(catalog, "ProjectSettings.catalog");
        Errors.required(tracking, "ProjectSettings.tracking");
        sparkConf = Map.copyOf(Errors.required(sparkConf, "ProjectSettings.sparkConf"));
        Errors.required(gpu, "ProjectSettings.gpu");
    }

    /** Redacted: Spark conf values and the warehouse may come from {@code ${env:NAME}}. */
    @Override
    public String toString() {
        return Secrets.redact("ProjectSettings[name=" + name + ", description=" + description + ", warehouse=" + warehouse
                + ", catalog=" + catalog + ", tracking=" + tracking + ", sparkConf=" + sparkConf + ", gpu=" + gpu + "]");
    }

    /** The same settings with another warehouse (the {@code --warehouse} option). */
    public ProjectSettings withWarehouse(Location newWarehouse) {
        return new ProjectSettings(name, description, newWarehouse, catalog, tracking, sparkConf, gpu);
    }
}
