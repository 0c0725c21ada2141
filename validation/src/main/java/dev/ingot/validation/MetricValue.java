package dev.ingot.validation;

/**
 * One metric computed on one run (a row of {@code quality.metrics}).
 *
 * @param checkId the check it was computed for ({@code <suite>#<index>})
 * @param entity what it describes: {@code Dataset}, {@code Column} or {@code Mutlicolumn} (Deequ's entity names)
 * @param instance the column(s) or expression it was computed on ({@code *} for the whole data set)
 * @param name the metric, e.g. {@code Completeness}, {@code Size}, {@code ApproxQuantile}
 * @param value its value ({@code NaN} when it could not be computed)
 */
public record MetricValue(String checkId, String entity, String instance, String name, double value) {}
