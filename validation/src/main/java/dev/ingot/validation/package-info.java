/**
 * Data quality: suites of checks ({@code checks/*.yaml}) run with Deequ through a plain-Java API.
 *
 * <ul>
 *   <li>{@link dev.ingot.validation.Validator}: run suites over any data or table; results per check.</li>
 *   <li>{@link dev.ingot.validation.Gate}: write-audit-publish for rows about to reach a table, with quarantine.</li>
 *   <li>{@link dev.ingot.validation.QualityReport}: a self-contained HTML report of a run.</li>
 *   <li>{@link dev.ingot.validation.QualityMetrics}: metrics measured outside a validation run (score drift) in
 *       {@code quality.metrics}, and {@link dev.ingot.validation.DriftReport}, their HTML report.</li>
 * </ul>
 *
 * <p>Deequ is an implementation detail ({@code dev.ingot.validation.internal}): no Scala type appears here.
 * See {@code docs/validation.md}.
 */
package dev.ingot.validation;
