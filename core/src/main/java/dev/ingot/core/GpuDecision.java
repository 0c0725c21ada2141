package dev.ingot.core;

/**
 * Whether a session runs SQL on GPUs with Spark RAPIDS, and why.
 *
 * @param enabled whether the RAPIDS plugin is turned on
 * @param reason why, in words a user can act on
 */
public record GpuDecision(boolean enabled, String reason) {}
