package dev.ingot.core.config;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.CorePrice;
import dev.ingot.core.Errors;
import dev.ingot.core.Location;
import dev.ingot.core.Secrets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
 * @param price what a core-hour costs ({@code cost}), when set: runs then record their cost in money too
 * @param signing the model-signing keys ({@code signing}), when set: new versions are signed, and {@code score}
 *     verifies signatures when a public key is set
 * @param airflow where {@code ingot airflow} reaches Airflow's REST API ({@code airflow}), when set
 * @param sqlServer where and how {@code ingot sql-server} serves the warehouse over JDBC ({@code sql_server})
 */
public record ProjectSettings(
        String name,
        String description,
        Location warehouse,
        CatalogSettings catalog,
        TrackingSettings tracking,
        Map<String, String> sparkConf,
        GpuPolicy gpu,
        Optional<CorePrice> price,
        Optional<SigningSettings> signing,
        Optional<AirflowSettings> airflow,
        SqlServerSettings sqlServer) {
    public ProjectSettings {
        Errors.required(name, "ProjectSettings.name");
        description = description == null ? "" : description;
        Errors.required(warehouse, "ProjectSettings.warehouse");
        Errors.required(catalog, "ProjectSettings.catalog");
        Errors.required(tracking, "ProjectSettings.tracking");
        sparkConf = Map.copyOf(Errors.required(sparkConf, "ProjectSettings.sparkConf"));
        Errors.required(gpu, "ProjectSettings.gpu");
        Errors.required(price, "ProjectSettings.price (Optional.empty() for none)");
        Errors.required(signing, "ProjectSettings.signing (Optional.empty() for none)");
        Errors.required(airflow, "ProjectSettings.airflow (Optional.empty() for none)");
        Errors.required(sqlServer, "ProjectSettings.sqlServer (SqlServerSettings.defaults() for the defaults)");
    }

    /**
     * The parts of {@code ingot.yaml} whose secrets only some commands use: a command names the ones it uses, and
     * checks them with {@link #secretProblems} before it starts anything, so that a secret's variable need only be set
     * where a command that uses it runs. ({@code catalog.password} is not one: nearly every command opens the
     * catalog, and the loader resolves it.)
     */
    public enum SecretUse {
        /** {@code airflow.password}: {@code ingot airflow}. */
        AIRFLOW,
        /** {@code sql_server.password}: {@code ingot sql-server}. */
        SQL_SERVER,
        /** {@code signing.private_key}: the commands that sign a model version ({@code train}, {@code models register}). */
        SIGNING,
        /** {@code tracking.token}: the commands that talk to the MLflow server. */
        TRACKING
    }

    /** Every problem that stops the secrets of {@code uses} from resolving, so that a command reports all at once. */
    public List<ConfigProblem> secretProblems(SecretUse... uses) {
        Set<SecretUse> distinct = EnumSet.noneOf(SecretUse.class);
        distinct.addAll(List.of(uses));
        List<ConfigProblem> out = new ArrayList<>();
        for (SecretUse use : distinct) {
            out.addAll(switch (use) {
                case AIRFLOW -> airflow.map(AirflowSettings::secretProblems).orElse(List.of());
                case SQL_SERVER -> sqlServer.secretProblems();
                case SIGNING -> signing.map(SigningSettings::secretProblems).orElse(List.of());
                case TRACKING -> tracking.secretProblems();
            });
        }
        return out;
    }

    /** Settings with the SQL server's defaults ({@link SqlServerSettings#defaults()}). */
    public ProjectSettings(String name, String description, Location warehouse, CatalogSettings catalog,
                           TrackingSettings tracking, Map<String, String> sparkConf, GpuPolicy gpu,
                           Optional<CorePrice> price, Optional<SigningSettings> signing,
                           Optional<AirflowSettings> airflow) {
        this(name, description, warehouse, catalog, tracking, sparkConf, gpu, price, signing, airflow,
                SqlServerSettings.defaults());
    }

    /** Settings without Airflow. */
    public ProjectSettings(String name, String description, Location warehouse, CatalogSettings catalog,
                           TrackingSettings tracking, Map<String, String> sparkConf, GpuPolicy gpu,
                           Optional<CorePrice> price, Optional<SigningSettings> signing) {
        this(name, description, warehouse, catalog, tracking, sparkConf, gpu, price, signing, Optional.empty());
    }

    /** Settings without signing keys. */
    public ProjectSettings(String name, String description, Location warehouse, CatalogSettings catalog,
                           TrackingSettings tracking, Map<String, String> sparkConf, GpuPolicy gpu,
                           Optional<CorePrice> price) {
        this(name, description, warehouse, catalog, tracking, sparkConf, gpu, price, Optional.empty(), Optional.empty());
    }

    /** Settings without a price per core-hour. */
    public ProjectSettings(String name, String description, Location warehouse, CatalogSettings catalog,
                           TrackingSettings tracking, Map<String, String> sparkConf, GpuPolicy gpu) {
        this(name, description, warehouse, catalog, tracking, sparkConf, gpu, Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** Redacted: Spark conf values and the warehouse may come from {@code ${env:NAME}}. */
    @Override
    public String toString() {
        return Secrets.redact("ProjectSettings[name=" + name + ", description=" + description + ", warehouse=" + warehouse
                + ", catalog=" + catalog + ", tracking=" + tracking + ", sparkConf=" + sparkConf + ", gpu=" + gpu + ", price=" + price
                + ", signing=" + signing + ", airflow=" + airflow + ", sqlServer=" + sqlServer + "]");
    }

    /** The same settings with another warehouse (the {@code --warehouse} option). */
    public ProjectSettings withWarehouse(Location newWarehouse) {
        return new ProjectSettings(name, description, newWarehouse, catalog, tracking, sparkConf, gpu, price, signing,
                airflow, sqlServer);
    }
}
