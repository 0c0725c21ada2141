/**
 * Spark ML pipeline stages of Ingot's own, shared by the module that fits pipelines (training) and the one that
 * converts them to ONNX (scoring).
 */
package dev.ingot.core.ml;
