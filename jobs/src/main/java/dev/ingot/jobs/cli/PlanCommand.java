package dev.ingot.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ingot.core.ExitCode;
import dev.ingot.core.config.Project;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ingot plan}: load and check every definition, print the stages and tables; no Spark job. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Load and check every definition; print the stages and the tables each would write. Starts no Spark job.")
public final class PlanCommand implements Callable<Integer> {
    @Mixin
    ProjectOptions options;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
            description = "Output format (default: ${DEFAULT-VALUE}); json is for schedulers.")
    Format format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    enum Format { text, json }

    @Override
    public Integer call() throws Exception {
        Project p = options.load();
        ProjectPlan plan = ProjectPlan.of(p);
        if (format == Format.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("project", p.settings().name());
            out.put("dir", p.dir().toString());
            out.put("warehouse", p.settings().warehouse().toString());
            out.put("sources", List.copyOf(p.sources().keySet()));
            out.put("feature_views", List.copyOf(p.featureViews().keySet()));
            out.put("suites", List.copyOf(p.suites().keySet()));
            out.put("models", List.copyOf(p.models().keySet()));
            out.put("stages", plan.stages());
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        } else {
            spec.commandLine().getOut().print(plan.render());
        }
        spec.commandLine().getOut().flush();
        return ExitCode.OK.code();
    }
}
