package dev.ingot.features.internal;

import dev.ingot.core.config.FeatureViewDef;
import dev.ingot.core.config.FeatureViewDef.Aggregation;
import dev.ingot.core.config.FeatureViewDef.Transformation;
import dev.ingot.core.config.SourceDef;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a feature view's values depend on, hashed, so that versions are decided by meaning, not by text.
 *
 * <ul>
 *   <li>The <b>key hash</b> covers what every feature of the view shares: source (what it reads and its event time),
 *       entity keys, event time, filter and cadence. A change here changes every value: a new version.</li>
 *   <li>Each <b>feature hash</b> covers how one feature is computed: its aggregate, column, window, and the chain of
 *       transformations up to the one that makes its column (transformations may use earlier ones). A changed
 *       feature is a new version; an added feature (new name) is compatible: the table's schema evolves in place.</li>
 *   <li>Descriptions and the ttl change no value, so they change no hash.</li>
 *   <li>Each aggregation's <b>tile state</b> names the partial aggregate its tiles hold: its function and the chain of
 *       its column, not its windows, name or position. Tiles columns are named by it, so that stored tiles keep their
 *       meaning when a view evolves (aggregations added, reordered, windows added).</li>
 * </ul>
 *
 * @param keyHash the hash of what all features share
 * @param featureHashes feature name to its hash, in table order
 * @param definitionHash the hash of both: equal definitions have equal hashes
 * @param tileStates per aggregation (in definition order), the id of its partial state in the tiles table
 */
public record ViewFingerprint(String keyHash, Map<String, String> featureHashes, String definitionHash,
                              List<String> tileStates) {
    public ViewFingerprint {
        tileStates = List.copyOf(tileStates);
    }

    /**
     * The fingerprint of a view.
     *
     * @param view the definition
     * @param source the source it reads, when it reads a source
     * @param upstream {@code <view>_v<N>} when it reads another feature view
     */
    public static ViewFingerprint of(FeatureViewDef view, Optional<SourceDef> source, Optional<String> upstream) {
        StringBuilder key = new StringBuilder();
        key.append("source=");
        if (source.isPresent()) {
            SourceDef s = source.get();
            key.append(s.table().map(Object::toString).orElseGet(() -> s.path().orElseThrow()))
                    .append('|').append(s.format()).append('|').append(s.eventTime());
        } else {
            key.append("view:").append(upstream.orElse(view.source()));
        }
        key.append(";entities=").append(String.join(",", view.entities()));
        key.append(";event_time=").append(view.eventTime().orElse(""));
        key.append(";filter=").append(view.filter().map(String::strip).orElse(""));
        key.append(";cadence=").append(view.cadence().seconds());
        key.append(";row_level=").append(view.isRowLevel());
        String keyHash = sha256(key.toString());

        // Chain hash of each transformation: its own text plus every one before it.
        Map<String, String> chain = new LinkedHashMap<>();
        String prev = "";
        for (Transformation t : view.transformations()) {
            prev = sha256(prev + "|" + t.name() + "=" + t.expr().strip());
            chain.put(t.name(), prev);
        }
        Map<String, String> features = new LinkedHashMap<>();
        List<String> states = new ArrayList<>();
        if (view.isRowLevel()) {
            chain.forEach(features::put);
        } else {
            for (Aggregation a : view.aggregations()) {
                String columnChain = a.column().map(c -> chain.getOrDefault(c, "source-column:" + c)).orElse("rows");
                // approx_count_distinct's state changed from a HyperLogLog sketch to a set of values (GPU-friendly):
                // a new state id, so that tiles stored as sketches are recomputed from the source, not misread.
                String state = a.function() == FeatureViewDef.Function.APPROX_COUNT_DISTINCT ? a.function() + "/set" : a.function().toString();
                states.add("s" + sha256(state + "|" + columnChain).substring(0, 12));
                for (var w : a.windows()) {
                    features.put(a.name() + "_" + w.text(),
                            sha256(a.function() + "|" + columnChain + "|" + w.seconds()));
                }
            }
        }
        StringBuilder all = new StringBuilder(keyHash);
        features.forEach((k, v) -> all.append('|').append(k).append('=').append(v));
        return new ViewFingerprint(keyHash, Map.copyOf(features), sha256(all.toString()), states);
    }

    /**
     * Whether data written under {@code older} stays right under this definition: same keys, and every feature of
     * the older definition still computed the same way (new features may be added).
     */
    public boolean extendsCompatibly(String olderKeyHash, Map<String, String> olderFeatures) {
        if (!keyHash.equals(olderKeyHash)) {
            return false;
        }
        for (Map.Entry<String, String> e : olderFeatures.entrySet()) {
            if (!e.getValue().equals(featureHashes.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
