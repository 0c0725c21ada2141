/**
 * Feature views: versioned Delta feature tables, incremental materialization, point-in-time correct training sets.
 * Start at {@link dev.ingot.features.FeatureStore}.
 */
package dev.ingot.features;
