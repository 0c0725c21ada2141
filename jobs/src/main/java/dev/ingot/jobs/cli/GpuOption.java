package dev.ingot.jobs.cli;

import dev.ingot.core.config.GpuPolicy;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --gpu} option of the commands that run Spark SQL at scale: the project's GPU policy for this run.
 * Parsed by picocli, so that a bad value is refused (exit code 2) before anything starts.
 */
public final class GpuOption {
    @Option(names = "--gpu", paramLabel = "auto|on|off", defaultValue = "auto", converter = Converter.class,
            description = "Use Spark RAPIDS: auto (when present), on (required), off. Default: ${DEFAULT-VALUE}.")
    GpuPolicy gpu;

    /** The policy asked for (default {@code auto}). */
    public GpuPolicy policy() {
        return gpu;
    }

    /** Case-insensitive, with a message that lists the values as users write them. */
    static final class Converter implements CommandLine.ITypeConverter<GpuPolicy> {
        @Override
        public GpuPolicy convert(String value) {
            for (GpuPolicy p : GpuPolicy.values()) {
                if (p.name().equalsIgnoreCase(value.trim())) {
                    return p;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a GPU policy. Expected "
                    + Arrays.stream(GpuPolicy.values()).map(p -> p.name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining("|")) + ".");
        }
    }
}
