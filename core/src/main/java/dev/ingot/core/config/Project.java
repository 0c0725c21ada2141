package dev.ingot.core.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import dev.ingot.core.Errors;
import java.util.TreeMap;

/**
 * A loaded, checked project directory. Every reference in it resolves: a view's source exists, a model's features
 * exist, a view's checks exist. Build one with {@link ProjectLoader}.
 *
 * @param dir the project directory (absolute)
 * @param settings {@code ingot.yaml}
 * @param sources {@code sources/*.yaml} by name
 * @param featureViews {@code feature_views/*.yaml} by name
 * @param suites {@code checks/*.yaml} by name
 * @param models {@code models/*.yaml} by name: Ingot's training specs
 * @param onnxModels {@code models/*.yaml} by name: models made elsewhere, ONNX files Ingot registers and scores
 *     (the two maps never share a name: they come from the same folder)
 */
public record Project(
        Path dir,
        ProjectSettings settings,
        Map<String, SourceDef> sources,
        Map<String, FeatureViewDef> featureViews,
        Map<String, CheckSuiteDef> suites,
        Map<String, ModelDef> models,
        Map<String, OnnxModelDef> onnxModels) {

    public Project {
        Errors.required(dir, "Project.dir");
        Errors.required(settings, "Project.settings");
        sources = sorted(Errors.required(sources, "Project.sources"));
        featureViews = sorted(Errors.required(featureViews, "Project.featureViews"));
        suites = sorted(Errors.required(suites, "Project.suites"));
        models = sorted(Errors.required(models, "Project.models"));
        onnxModels = sorted(Errors.required(onnxModels, "Project.onnxModels"));
    }

    /** A project without models made elsewhere. */
    public Project(Path dir, ProjectSettings settings, Map<String, SourceDef> sources,
                   Map<String, FeatureViewDef> featureViews, Map<String, CheckSuiteDef> suites,
                   Map<String, ModelDef> models) {
        this(dir, settings, sources, featureViews, suites, models, Map.of());
    }

    private static <V> Map<String, V> sorted(Map<String, V> m) {
        return Collections.unmodifiableMap(new TreeMap<>(m));
    }

    /** Redacted, whole: any value in any file may have come from {@code ${env:NAME}}. */
    @Override
    public String toString() {
        return dev.ingot.core.Secrets.redact("Project[dir=" + dir + ", settings=" + settings + ", sources=" + sources
                + ", featureViews=" + featureViews + ", suites=" + suites + ", models=" + models + ", onnxModels=" + onnxModels + "]");
    }

    /** Feature view names in the order they can be materialized: a view after the view it reads. */
    public java.util.List<String> featureViewsInOrder() {
        java.util.List<String> out = new java.util.ArrayList<>();
        java.util.Set<String> done = new java.util.HashSet<>();
        for (String v : featureViews.keySet()) {
            visit(v, done, out);
        }
        return out;
    }

    private void visit(String v, java.util.Set<String> done, java.util.List<String> out) {
        if (!done.add(v)) {
            return;
        }
        String upstream = featureViews.get(v).source();
        if (featureViews.containsKey(upstream)) {
            visit(upstream, done, out);
        }
        out.add(v);
    }

    /** The same project with another warehouse location (the {@code --warehouse} option). */
    public Project withWarehouse(dev.ingot.core.Location warehouse) {
        Errors.required(warehouse, "the warehouse (--warehouse)");
        return new Project(dir, settings.withWarehouse(warehouse), sources, featureViews, suites, models, onnxModels);
    }
}
