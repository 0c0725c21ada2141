package dev.ingot.core.config;

import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import dev.ingot.core.Secrets;
import dev.ingot.core.TableName;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A raw input ({@code sources/<name>.yaml}): a catalog table or a path in some format, with its event-time column.
 *
 * @param name the source's name (the file's base name)
 * @param description free text
 * @param table a catalog table, when the source is one
 * @param path a path or URI, when the source is files; a relative path in the file is resolved against the project
 *     directory
 * @param format the files' format (for a table: {@link Format#DELTA} or whatever the catalog says)
 * @param options reader options (e.g. {@code header: true} for CSV)
 * @param schema column name to Spark SQL type, in order; required for CSV and JSON, checked against the data otherwise
 * @param eventTime the column holding each row's event time: a timestamp, or a timestamp without time zone
 *     ({@code timestamp_ntz}, what pandas writes to parquet) read as a local time in {@code timeZone}
 * @param timeZone the zone in which {@code timestamp_ntz} event times are local times (UTC unless declared); they are
 *     converted to UTC timestamps when read. Timestamps with a time zone are instants already and are not changed.
 * @param file the definition's file, relative to the project directory (e.g. {@code sources/trips.yml}): what
 *     messages name
 */
public record SourceDef(
        String name,
        String description,
        Optional<TableName> table,
        Optional<String> path,
        Format format,
        Map<String, String> options,
        Map<String, String> schema,
        String eventTime,
        ZoneId timeZone,
        String file) {

    /** File formats a source may have. */
    public enum Format { DELTA, PARQUET, CSV, JSON }

    /** @throws dev.ingot.core.IngotException (bad input) when a value is missing, or not exactly one of table and path */
    public SourceDef {
        Identifiers.requireName("source name", name);
        file = DefinitionFiles.orDefault(file, ProjectLoader.SOURCES, name);
        description = description == null ? "" : description;
        Errors.required(table, "SourceDef.table (Optional.empty() for none)");
        Errors.required(path, "SourceDef.path (Optional.empty() for none)");
        if (table.isPresent() == path.isPresent()) {
            throw Errors.invalidConfig(file, table.isPresent() ? "path" : "table",
                    table.isPresent() ? "both 'table' and 'path' are set" : "neither 'table' nor 'path' is set",
                    "set exactly one: 'table' for a catalog table, 'path' for files");
        }
        Errors.required(format, "SourceDef.format");
        options = Map.copyOf(Errors.required(options, "SourceDef.options"));
        schema = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Errors.required(schema, "SourceDef.schema")));
        String where = file;
        Identifiers.checkColumn(eventTime).ifPresent(p -> {
            throw Errors.invalidConfig(where, "event_time", p, Identifiers.columnRule());
        });
        Errors.required(timeZone, "SourceDef.timeZone");
    }

    /** A source built in code whose {@code timestamp_ntz} event times, if any, are UTC; its file is {@code sources/<name>.yaml}. */
    public SourceDef(String name, String description, Optional<TableName> table, Optional<String> path, Format format,
                     Map<String, String> options, Map<String, String> schema, String eventTime) {
        this(name, description, table, path, format, options, schema, eventTime, ZoneOffset.UTC, null);
    }

    /** A source built in code: its file is the conventional {@code sources/<name>.yaml}. */
    public SourceDef(String name, String description, Optional<TableName> table, Optional<String> path, Format format,
                     Map<String, String> options, Map<String, String> schema, String eventTime, ZoneId timeZone) {
        this(name, description, table, path, format, options, schema, eventTime, timeZone, null);
    }

    /** Redacted: a path or reader options (credentials, say) may come from {@code ${env:NAME}}. */
    @Override
    public String toString() {
        return Secrets.redact("SourceDef[name=" + name + ", description=" + description + ", table=" + table + ", path="
                + path + ", format=" + format + ", options=" + options + ", schema=" + schema + ", eventTime=" + eventTime
                + ", timeZone=" + timeZone + ", file=" + file + "]");
    }
}
