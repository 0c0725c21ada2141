#!/usr/bin/env bash
# Spark's GPU discovery script (spark.executor.resource.gpu.discoveryScript, spark.worker.resource.gpu.discoveryScript):
# prints the GPUs this node's nvidia-smi lists as the resource JSON Spark reads, e.g.
#   {"name": "gpu", "addresses": ["0","1"]}
# Written for Ingot (docs/gpu.md); it does what Spark's examples/src/main/scripts/getGpusResources.sh does, and also
# answers with no addresses, rather than a malformed list, on a node without GPUs.
set -euo pipefail
addrs=""
if command -v nvidia-smi >/dev/null 2>&1; then
  while IFS= read -r idx; do
    idx="${idx//[[:space:]]/}"
    [[ "$idx" =~ ^[0-9]+$ ]] || continue
    addrs="${addrs:+$addrs,}\"$idx\""
  done < <(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null || true)
fi
echo "{\"name\": \"gpu\", \"addresses\": [$addrs]}"
