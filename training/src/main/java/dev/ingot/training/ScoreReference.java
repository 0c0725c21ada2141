package dev.ingot.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Errors;
import dev.ingot.core.Psi;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The distribution of a model's main score on its own test window, binned: what later scores are compared with
 * ({@link Psi}) to tell whether the population a model scores has moved since it was evaluated.
 *
 * <p>The score is a binary classifier's probability of class 1 ({@value #PROBABILITY}) or a regressor's prediction
 * ({@value #PREDICTION}). Bin {@code i} holds the scores {@code s} with {@code edges[i-1] < s <= edges[i]}, the first
 * bin everything up to {@code edges[0]}, the last everything above the last edge: {@code edges.size() + 1} bins that
 * cover every number. The edges are cut at the deciles of the test scores ({@link #BINS} bins of about a tenth each,
 * the usual PSI binning), each placed halfway between the two distinct test scores it separates: a score computed
 * again elsewhere (ONNX Runtime in the executors, in float) lands in the bin Spark's score did unless it moved by half
 * the gap to the next distinct score. Tied scores are never split, so a model with few distinct scores (a shallow
 * tree) has fewer, unequal bins; no bin of the reference is empty.
 *
 * @param score {@value #PROBABILITY} or {@value #PREDICTION}: the score column of {@code scores.<name>} it describes
 * @param edges the inner bin edges, strictly increasing (empty: one bin, all test scores equal)
 * @param counts test rows per bin, {@code edges.size() + 1} of them, each positive
 */
public record ScoreReference(String score, List<Double> edges, List<Long> counts) {
    /** {@link #score}: a binary classifier's probability of class 1. */
    public static final String PROBABILITY = "probability";
    /** {@link #score}: a regressor's prediction. */
    public static final String PREDICTION = "prediction";
    /** Bins cut at the test scores' quantiles. */
    public static final int BINS = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    public ScoreReference {
        Errors.required(score, "ScoreReference.score");
        edges = List.copyOf(Errors.required(edges, "ScoreReference.edges"));
        counts = List.copyOf(Errors.required(counts, "ScoreReference.counts"));
        if (counts.size() != edges.size() + 1) {
            throw new IllegalArgumentException("a score reference has one more bin than inner edges: " + edges.size()
                    + " edges, " + counts.size() + " counts");
        }
        for (int i = 0; i < edges.size(); i++) {
            if (!Double.isFinite(edges.get(i)) || i > 0 && !(edges.get(i) > edges.get(i - 1))) {
                throw new IllegalArgumentException("score reference edges must be finite and increasing: " + edges);
            }
        }
        if (counts.stream().anyMatch(c -> c <= 0)) {
            throw new IllegalArgumentException("every bin of a score reference holds test rows: " + counts);
        }
    }

    /**
     * The reference of test scores given as distinct values and their row counts, in any order; NaN values are left
     * out. Empty when no value is left.
     */
    public static Optional<ScoreReference> of(String score, double[] values, long[] rows) {
        if (values.length != rows.length) {
            throw new IllegalArgumentException(values.length + " values, " + rows.length + " counts");
        }
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        // Distinct values, sorted, with their rows: equal values given twice (two groups, two labels) are summed.
        List<Double> v = new ArrayList<>();
        List<Long> n = new ArrayList<>();
        for (int i : order) {
            if (Double.isNaN(values[i]) || rows[i] <= 0) {
                continue;
            }
            if (!v.isEmpty() && v.get(v.size() - 1) == values[i]) {
                n.set(n.size() - 1, n.get(n.size() - 1) + rows[i]);
            } else {
                v.add(values[i]);
                n.add(rows[i]);
            }
        }
        if (v.isEmpty()) {
            return Optional.empty();
        }
        long total = n.stream().mapToLong(Long::longValue).sum();
        List<Double> edges = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        long cumulative = 0;
        long inBin = 0;
        int k = 1;
        for (int i = 0; i < v.size(); i++) {
            cumulative += n.get(i);
            inBin += n.get(i);
            // Cut after the first value whose cumulative share reaches the next decile; several deciles inside one
            // tie are one cut. No cut after the last value: the last bin is open above.
            if (i < v.size() - 1 && cumulative * (double) BINS >= k * (double) total) {
                edges.add(v.get(i) + (v.get(i + 1) - v.get(i)) / 2);
                counts.add(inBin);
                inBin = 0;
                while (k < BINS && cumulative * (double) BINS >= k * (double) total) {
                    k++;
                }
                if (k >= BINS) {
                    // Past the ninth decile: everything left is the last bin.
                    break;
                }
            }
        }
        counts.add(total - counts.stream().mapToLong(Long::longValue).sum());
        return Optional.of(new ScoreReference(score, edges, counts));
    }

    /** Test rows in all bins. */
    public long rows() {
        return counts.stream().mapToLong(Long::longValue).sum();
    }

    /** The share of the test rows per bin. */
    public double[] fractions() {
        long total = rows();
        return counts.stream().mapToDouble(c -> c / (double) total).toArray();
    }

    /** Bins: {@code edges().size() + 1}. */
    public int bins() {
        return counts.size();
    }

    /** The bin of a score (not NaN): the first edge at or above it, else the last bin. */
    public int bin(double value) {
        int lo = 0;
        int hi = edges.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (edges.get(mid) >= value) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The PSI of new counts per bin (over these bins) against the test window's. */
    public double psi(long[] actual) {
        return Psi.of(counts.stream().mapToLong(Long::longValue).toArray(), actual);
    }

    /** A bin as an interval: {@code (-inf, 0.1234]}, {@code (0.1234, 0.25]}, {@code (0.25, +inf)}. */
    public String label(int bin) {
        String lo = bin == 0 ? "(-inf" : "(" + number(edges.get(bin - 1));
        String hi = bin == edges.size() ? "+inf)" : number(edges.get(bin)) + "]";
        return lo + ", " + hi;
    }

    private static String number(double d) {
        return String.format(Locale.ROOT, "%.4g", d);
    }

    /** {@code {"score": "probability", "edges": [...], "counts": [...], "fractions": [...], "rows": n}}. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("score", score);
        ArrayNode e = o.putArray("edges");
        edges.forEach(e::add);
        ArrayNode c = o.putArray("counts");
        counts.forEach(c::add);
        ArrayNode f = o.putArray("fractions");
        Arrays.stream(fractions()).forEach(f::add);
        o.put("rows", rows());
        o.put("epsilon", Psi.EPSILON);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Reads {@link #toJson()}'s text ({@code score}, {@code edges}, {@code counts}; the rest is derived).
     *
     * @param source where the text came from, for the message
     * @throws dev.ingot.core.IngotException (bad input) naming {@code source} when the text is not a score reference
     */
    public static ScoreReference parse(String json, String source) {
        try {
            JsonNode o = JSON.readTree(json);
            List<Double> edges = new ArrayList<>();
            o.path("edges").forEach(x -> edges.add(x.asDouble()));
            List<Long> counts = new ArrayList<>();
            o.path("counts").forEach(x -> counts.add(x.asLong()));
            if (!o.path("score").isTextual()) {
                throw new IllegalArgumentException("no \"score\"");
            }
            return new ScoreReference(o.path("score").asText(), edges, counts);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw Errors.badData("read the score reference " + source, "it is not a score reference: " + e.getMessage(),
                    "train the model again to write a new one");
        }
    }
}
