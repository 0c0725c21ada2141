package dev.ingot.core.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** {@link GpuProbe}: nvidia-smi's device memory read as bytes. */
class GpuProbeTest {
    @Test
    void readsNvidiaSmiMemoryTotalInMebibytes() {
        assertThat(GpuProbe.mebibytes("16384\n")).isEqualTo(OptionalLong.of(16384L * 1024 * 1024));
        assertThat(GpuProbe.mebibytes(" 81920 ")).isEqualTo(OptionalLong.of(85_899_345_920L));
        assertThat(GpuProbe.mebibytes("[N/A]")).isEmpty();
        assertThat(GpuProbe.mebibytes("No devices were found")).isEmpty();
        assertThat(GpuProbe.mebibytes("")).isEmpty();
    }

    @Test
    void noDeviceMemoryWhereNvidiaSmiListsNoGpu() {
        // The build machines have no GPU: nvidia-smi is missing or lists none, and so has no device 0 to read.
        if (GpuProbe.nvidiaSmiGpus() == 0) {
            assertThat(GpuProbe.deviceMemoryBytes(0)).isEmpty();
        } else {
            assertThat(GpuProbe.deviceMemoryBytes(0)).isNotEmpty();
        }
    }
}
