package dev.ingot.core.config;

import java.util.Optional;

/**
 * The Hive metastore behind Ingot's databases.
 *
 * @param metastore which kind
 * @param jdbcUrl for {@link Metastore#JDBC}: the metastore database's JDBC URL
 * @param jdbcDriver for {@link Metastore#JDBC}: the JDBC driver class
 * @param jdbcUser for {@link Metastore#JDBC}: user name
 * @param jdbcPassword for {@link Metastore#JDBC}: password; write it as {@code ${env:NAME}}, it is never printed
 */
public record CatalogSettings(
        Metastore metastore,
        Optional<String> jdbcUrl,
        Optional<String> jdbcDriver,
        Optional<String> jdbcUser,
        Optional<String> jdbcPassword) {

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

    @Override
    public String toString() {
        return "CatalogSettings[metastore=" + metastore + ", jdbcUrl=" + jdbcUrl.map(dev.ingot.core.Secrets::redact)
                + ", jdbcDriver=" + jdbcDriver + ", jdbcUser=" + jdbcUser + ", jdbcPassword="
                + jdbcPassword.map(p -> dev.ingot.core.Secrets.MASK) + "]";
    }
}
