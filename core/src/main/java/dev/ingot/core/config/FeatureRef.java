package dev.ingot.core.config;

import dev.ingot.core.Errors;
import dev.ingot.core.Identifiers;
import java.util.Arrays;
import java.util.List;

/**
 * Features of one view: {@code view} for all of them, {@code view:f1,f2} for some.
 *
 * @param view the feature view's name
 * @param features the features chosen; empty for all
 */
public record FeatureRef(String view, List<String> features) {
    public FeatureRef {
        String v = view;
        Identifiers.checkName(view).ifPresent(p -> {
            throw Errors.invalidDefinition("feature reference to '" + v + "'", "the view name: " + p,
                    "name a feature view with " + Identifiers.nameRule());
        });
        if (features == null || features.stream().anyMatch(java.util.Objects::isNull)) {
            throw Errors.invalidDefinition("feature reference to '" + view + "'", "the list of features is null or holds a null",
                    "give the features' names, or an empty list for all of them");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String f : features) {
            Identifiers.checkColumn(f).ifPresent(p -> {
                throw Errors.invalidDefinition("feature reference to '" + v + "'", p, "name features with "
                        + Identifiers.columnRule());
            });
            if (!seen.add(f)) {
                throw Errors.invalidDefinition("feature reference to '" + view + "'", "'" + f + "' is listed twice",
                        "list each feature once");
            }
        }
        features = List.copyOf(features);
    }

    /** Parses {@code view} or {@code view:f1,f2}; a bad-input error names {@code where} when it is malformed. */
    public static FeatureRef parse(String text, String where) {
        String s = text.trim();
        int colon = s.indexOf(':');
        String view = colon < 0 ? s : s.substring(0, colon).trim();
        if (Identifiers.checkName(view).isPresent()) {
            throw Errors.badArgument(where, text, "VIEW or VIEW:feature1,feature2 with " + Identifiers.nameRule());
        }
        if (colon < 0) {
            return new FeatureRef(view, List.of());
        }
        List<String> fs = Arrays.stream(s.substring(colon + 1).split(",")).map(String::trim).toList();
        if (fs.isEmpty() || fs.stream().anyMatch(f -> Identifiers.checkColumn(f).isPresent())
                || fs.stream().distinct().count() < fs.size()) {
            throw Errors.badArgument(where, text, "VIEW:feature1,feature2 with valid feature names, each once");
        }
        return new FeatureRef(view, fs);
    }

    @Override
    public String toString() {
        return features.isEmpty() ? view : view + ":" + String.join(",", features);
    }
}
