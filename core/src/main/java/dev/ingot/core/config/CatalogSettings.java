package dev.ingot.core.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Hive metastore behind Ingot's databases.
 *
 * @param metastore which kind
 * @param jdbcUrl for {@link Metastore#JDBC}: the metastore database's JDBC URL
 * @param jdbcDriver for {@link Metastore#JDBC}: the JDBC driver class; the loader fills it in from the URL when
 *     {@code ingot.yaml} leaves it out ({@link #driverOf(String)})
 * @param jdbcUser for {@link Metastore#JDBC}: user name
 * @param jdbcPassword for {@link Metastore#JDBC}: password; write it as {@code ${env:NAME}}, it is never printed
 */
public record CatalogSettings(
        Metastore metastore,
        Optional<String> jdbcUrl,
        Optional<String> jdbcDriver,
        Optional<String> jdbcUser,
        Optional<String> jdbcPassword) {

    /** Checks the values; a JDBC metastore without a driver gets the URL's ({@link #driverOf(String)}) when known. */
    public CatalogSettings {
        dev.ingot.core.Errors.required(metastore, "CatalogSettings.metastore");
        dev.ingot.core.Errors.required(jdbcUrl, "CatalogSettings.jdbcUrl");
        dev.ingot.core.Errors.required(jdbcDriver, "CatalogSettings.jdbcDriver");
        dev.ingot.core.Errors.required(jdbcUser, "CatalogSettings.jdbcUser");
        dev.ingot.core.Errors.required(jdbcPassword, "CatalogSettings.jdbcPassword");
        if (metastore == Metastore.JDBC && jdbcDriver.isEmpty()) {
            jdbcDriver = jdbcUrl.flatMap(CatalogSettings::driverOf);
        }
    }

    /** Kinds of metastore. */
    public enum Metastore {
        /** An embedded Derby database under the warehouse ({@code <warehouse>/metastore_db}); one process at a time. */
        EMBEDDED,
        /** A shared metastore database over JDBC (PostgreSQL, MySQL, ...). */
        JDBC,
        /** Whatever the cluster configured (Glue, a Hive metastore service, Unity): Ingot leaves it alone. */
        CLUSTER
    }

    /** The default: an embedded metastore. */
    public static CatalogSettings embedded() {
        return new CatalogSettings(Metastore.EMBEDDED, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * The JDBC URL prefixes whose driver class Ingot knows, in the order they are tried. Only PostgreSQL's driver ships
     * with Ingot; the others are named so that a user who adds the driver jar need not look the class up.
     */
    public static final List<Map.Entry<String, String>> KNOWN_DRIVERS = List.of(
            Map.entry("jdbc:postgresql:", "org.postgresql.Driver"),
            Map.entry("jdbc:mysql:", "com.mysql.cj.jdbc.Driver"),
            Map.entry("jdbc:mariadb:", "org.mariadb.jdbc.Driver"),
            Map.entry("jdbc:derby://", "org.apache.derby.jdbc.ClientDriver"),
            Map.entry("jdbc:derby:", "org.apache.derby.jdbc.EmbeddedDriver"),
            Map.entry("jdbc:sqlserver:", "com.microsoft.sqlserver.jdbc.SQLServerDriver"),
            Map.entry("jdbc:oracle:", "oracle.jdbc.OracleDriver"));

    /** The driver class for a JDBC URL ({@link #KNOWN_DRIVERS}), or empty when the URL's database is not one of them. */
    public static Optional<String> driverOf(String jdbcUrl) {
        return KNOWN_DRIVERS.stream().filter(e -> jdbcUrl.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst();
    }

    @Override
    public String toString() {
        return "CatalogSettings[metastore=" + metastore + ", jdbcUrl=" + jdbcUrl.map(dev.ingot.core.Secrets::redact)
                + ", jdbcDriver=" + jdbcDriver + ", jdbcUser=" + jdbcUser + ", jdbcPassword="
                + jdbcPassword.map(p -> dev.ingot.core.Secrets.MASK) + "]";
    }
}
