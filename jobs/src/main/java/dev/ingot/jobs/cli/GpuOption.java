package dev.ingot.jobs.cli;

import dev.ingot.core.config.GpuPolicy;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --gpu} option of every command that opens a Spark session: overrides the project's GPU policy
 * ({@code gpu:} in ingot.yaml) for this run. {@code on} without a GPU refuses the run (exit code 2) when the session
 * would open, before any Spark object exists. Parsed by picocli, so that a bad value is refused (exit code 2) before
 * anything starts.
 */
public final class GpuOption {
    @Option(names = "--gpu", paramLabel = "auto|on|off", converter = Converter.class,
            description = "Use GPUs (Spark RAPIDS, ONNX Runtime's CUDA provider): auto (when all there), on (required), off. "
                    + "Default: 'gpu' of ingot.yaml (auto).")
    GpuPolicy gpu;

    /** The policy asked for; empty when the option was not given (the project's policy applies). */
    public Optional<GpuPolicy> policy() {
        return Optional.ofNullable(gpu);
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
