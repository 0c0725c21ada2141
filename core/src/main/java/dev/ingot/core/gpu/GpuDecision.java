package dev.ingot.core.gpu;

import java.util.List;

/**
 * Whether a run uses GPUs (Spark RAPIDS for its SQL, ONNX Runtime's CUDA provider for inference), and why.
 *
 * @param enabled whether the run uses GPUs
 * @param reason why, in words a user can act on (logged once per session)
 * @param missing what a GPU run would need and is not there; empty when the policy is {@code off} or nothing is missing
 */
public record GpuDecision(boolean enabled, String reason, List<String> missing) {
    public GpuDecision {
        missing = List.copyOf(missing);
    }
}
