package dev.ingot.core.config;

/** Whether jobs run on GPUs with Spark RAPIDS. */
public enum GpuPolicy {
    /** Use RAPIDS when its plugin is on the class path and the cluster offers GPUs; otherwise run on CPU. */
    AUTO,
    /** Require RAPIDS and GPUs: a job fails up front when they are missing. */
    ON,
    /** Never use RAPIDS. */
    OFF
}
