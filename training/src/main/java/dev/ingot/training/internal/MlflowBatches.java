package dev.ingot.training.internal;

import dev.ingot.training.LogBatch;
import dev.ingot.training.Metric;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a {@link LogBatch} into MLflow {@code runs/log-batch} requests within the server's limits
 * ({@code mlflow/utils/validation.py}): at most 1000 metrics, 100 params, 100 tags and 1000 items per request, and
 * under 1 MB of JSON. Params and tags go first, so that a run shows its configuration before its metrics.
 */
public final class MlflowBatches {
    /** MLflow's per-request limits. */
    public static final int MAX_METRICS = 1000;
    /** MLflow's per-request limit on params (and, separately, on tags). */
    public static final int MAX_PARAMS_OR_TAGS = 100;
    /** MLflow's per-request limit on items of all kinds. */
    public static final int MAX_ITEMS = 1000;
    /** MLflow refuses requests over 1,000,000 bytes; leave room for the envelope and JSON escaping. */
    static final int MAX_BYTES = 800_000;
    /** JSON keys, quotes and numbers around one item's key and value. */
    private static final int ITEM_OVERHEAD_BYTES = 100;

    private MlflowBatches() {}

    /** The requests to send, in order; none for an empty batch. */
    public static List<LogBatch> split(LogBatch batch) {
        List<LogBatch> out = new ArrayList<>();
        Chunk chunk = new Chunk();
        for (Map.Entry<String, String> p : batch.params().entrySet()) {
            int size = bytes(p.getKey(), p.getValue());
            if (!chunk.fits(size, chunk.params.size() < MAX_PARAMS_OR_TAGS)) {
                out.add(chunk.toBatch());
                chunk = new Chunk();
            }
            chunk.params.put(p.getKey(), p.getValue());
            chunk.add(size);
        }
        for (Map.Entry<String, String> t : batch.tags().entrySet()) {
            int size = bytes(t.getKey(), t.getValue());
            if (!chunk.fits(size, chunk.tags.size() < MAX_PARAMS_OR_TAGS)) {
                out.add(chunk.toBatch());
                chunk = new Chunk();
            }
            chunk.tags.put(t.getKey(), t.getValue());
            chunk.add(size);
        }
        for (Metric m : batch.metrics()) {
            int size = bytes(m.key(), "");
            if (!chunk.fits(size, chunk.metrics.size() < MAX_METRICS)) {
                out.add(chunk.toBatch());
                chunk = new Chunk();
            }
            chunk.metrics.add(m);
            chunk.add(size);
        }
        if (chunk.items > 0) {
            out.add(chunk.toBatch());
        }
        return out;
    }

    private static int bytes(String key, String value) {
        return key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length
                + ITEM_OVERHEAD_BYTES;
    }

    private static final class Chunk {
        final Map<String, String> params = new LinkedHashMap<>();
        final Map<String, String> tags = new LinkedHashMap<>();
        final List<Metric> metrics = new ArrayList<>();
        int items;
        int bytes;

        boolean fits(int size, boolean underKindLimit) {
            return items == 0 || (underKindLimit && items < MAX_ITEMS && bytes + size <= MAX_BYTES);
        }

        void add(int size) {
            items++;
            bytes += size;
        }

        LogBatch toBatch() {
            return new LogBatch(params, metrics, tags);
        }
    }
}
