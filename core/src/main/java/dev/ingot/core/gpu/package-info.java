/**
 * GPUs for Ingot's jobs: whether a run uses them ({@link dev.ingot.core.gpu.Gpu#decide}), and the exact Spark RAPIDS
 * and ONNX Runtime settings it then gets ({@link dev.ingot.core.gpu.GpuSettings}). Plain Java: no Spark type, so the
 * scoring module (and a user's code) can ask the same questions. docs/gpu.md lists the settings per cluster manager.
 */
package dev.ingot.core.gpu;
