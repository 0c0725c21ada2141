package dev.ingot.core;

/**
 * A table in the catalog: a database and a table name, both valid {@link Identifiers names}.
 *
 * <p>Only {@link Tables} and config loading create these, so every table Ingot touches has a name that is safe
 * to put in SQL.
 *
 * @param database the database (e.g. {@code features})
 * @param table the table within it (e.g. {@code customer_spend_v1})
 */
public record TableName(String database, String table) {
    public TableName {
        Identifiers.requireName("database name", database);
        Identifiers.requireName("table name", table);
    }

    /**
     * Parses {@code database.table}.
     *
     * @throws IngotException (bad input) when it is not two valid names joined by a dot
     */
    public static TableName parse(String qualified) {
        int dot = qualified == null ? -1 : qualified.indexOf('.');
        if (dot <= 0 || dot != qualified.lastIndexOf('.')) {
            throw Errors.badArgument("table", qualified, "database.table, e.g. features.customer_spend_v1");
        }
        return new TableName(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    /** {@code database.table}, ready for SQL: both parts are validated identifiers. */
    public String sql() {
        return "`" + database + "`.`" + table + "`";
    }

    /** {@code database.table}. */
    @Override
    public String toString() {
        return database + "." + table;
    }
}
