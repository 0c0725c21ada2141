package dev.ingot.training.internal;

import dev.ingot.training.LogBatch;
import dev.ingot.training.Metric;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

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
        Splitter out = new Splitter();
        batch.params().forEach((k, v) ->
                out.add(bytes(k, v), c -> c.params.size() < MAX_PARAMS_OR_TAGS, c -> c.params.put(k, v)));
        batch.tags().forEach((k, v) ->
                out.add(bytes(k, v), c -> c.tags.size() < MAX_PARAMS_OR_TAGS, c -> c.tags.put(k, v)));
        batch.metrics().forEach(m ->
                out.add(bytes(m.key(), ""), c -> c.metrics.size() < MAX_METRICS, c -> c.metrics.add(m)));
        return out.finish();
    }

    private static int bytes(String key, String value) {
        return key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length
                + ITEM_OVERHEAD_BYTES;
    }

    /** Fills one request after another. */
    private static final class Splitter {
        final List<LogBatch> done = new ArrayList<>();
        Chunk chunk = new Chunk();

        void add(int size, Predicate<Chunk> underKindLimit, Consumer<Chunk> put) {
            boolean fits = chunk.items == 0
                    || (underKindLimit.test(chunk) && chunk.items < MAX_ITEMS && chunk.bytes + size <= MAX_BYTES);
            if (!fits) {
                done.add(chunk.toBatch());
                chunk = new Chunk();
            }
            put.accept(chunk);
            chunk.items++;
            chunk.bytes += size;
        }

        List<LogBatch> finish() {
            if (chunk.items > 0) {
                done.add(chunk.toBatch());
            }
            return done;
        }
    }

    private static final class Chunk {
        final Map<String, String> params = new LinkedHashMap<>();
        final Map<String, String> tags = new LinkedHashMap<>();
        final List<Metric> metrics = new ArrayList<>();
        int items;
        int bytes;

        LogBatch toBatch() {
            return new LogBatch(params, metrics, tags);
        }
    }
}
