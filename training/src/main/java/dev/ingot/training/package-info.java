/**
 * Training and the model registry: model specs ({@code models/*.yaml}) to Spark ML pipelines, out-of-time evaluation,
 * promotion gates, and tracking of runs and model versions in a local Delta store or an MLflow server.
 *
 * <p>Public API in this package; everything else in {@code dev.ingot.training.internal}.
 */
package dev.ingot.training;
