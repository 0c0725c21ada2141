package dev.ingot.core.config;

import dev.ingot.core.Secrets;
import dev.ingot.core.TableName;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
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
 * @param eventTime the column holding each row's event time (a timestamp, UTC)
 */
public record SourceDef(
        String name,
        String description,
        Optional<TableName> table,
        Optional<String> path,
        Format format,
        Map<String, String> options,
        Map<String, String> schema,
        String eventTime) {

    /** File formats a source may have. */
    public enum Format { DELTA, PARQUET, CSV, JSON }

    public SourceDef {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        if (table.isPresent() == path.isPresent()) {
            throw new IllegalArgumentException("source " + name + ": exactly one of table and path");
        }
        options = Map.copyOf(options);
        schema = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(schema));
        Objects.requireNonNull(eventTime, "eventTime");
    }

    /** Redacted: a path or reader options (credentials, say) may come from {@code ${env:NAME}}. */
    @Override
    public String toString() {
        return Secrets.redact("SourceDef[name=" + name + ", description=" + description + ", table=" + table + ", path="
                + path + ", format=" + format + ", options=" + options + ", schema=" + schema + ", eventTime=" + eventTime
                + "]");
    }
}
