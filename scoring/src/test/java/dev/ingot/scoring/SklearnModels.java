package dev.ingot.scoring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Models made elsewhere: {@code scoring/src/test/python/sklearn_onnx.py} trains scikit-learn models on seeded random
 * rows, exports them with skl2onnx and writes Python onnxruntime's outputs for the same rows. It runs in the
 * environment {@code python/venv.sh onnx} builds (pinned in {@code python/requirements-onnx.txt}), once per JVM.
 */
public final class SklearnModels {
    /** Rows of {@code data.csv}. */
    public static final int ROWS = 500;
    private static Path dir;

    private SklearnModels() {}

    /** The folder holding {@code data.csv}, {@code logreg|gbt|ridge.onnx} and {@code expected_<model>.csv}. */
    public static synchronized Path dir() {
        if (dir == null) {
            try {
                Path root = root();
                Path venv = Path.of(run(List.of("bash", root.resolve("python/venv.sh").toString(), "onnx")).strip()
                        .lines().reduce((a, b) -> b).orElseThrow());
                Path out = Files.createTempDirectory("ingot-sklearn-");
                run(List.of(venv.resolve("bin/python").toString(),
                        root.resolve("scoring/src/test/python/sklearn_onnx.py").toString(), out.toString(),
                        Integer.toString(ROWS)));
                dir = out;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return dir;
    }

    /** A model file. */
    public static Path model(String name) {
        return dir().resolve(name + ".onnx");
    }

    /** {@code data.csv}: {@code id} long, {@code c1..c3} double. */
    public static Dataset<Row> data(SparkSession spark) {
        return csv(spark, "data.csv", "id LONG, c1 DOUBLE, c2 DOUBLE, c3 DOUBLE");
    }

    /** {@code expected_<model>.csv}: {@code id, label, p0, p1} or {@code id, prediction}. */
    public static Dataset<Row> expected(SparkSession spark, String model) {
        return csv(spark, "expected_" + model + ".csv", model.equals("ridge") ? "id LONG, prediction DOUBLE"
                : "id LONG, label LONG, p0 DOUBLE, p1 DOUBLE");
    }

    private static Dataset<Row> csv(SparkSession spark, String file, String schema) {
        return spark.read().option("header", "true").schema(schema).csv(dir().resolve(file).toString());
    }

    /** The repository's root: the first folder above the working directory holding {@code python/venv.sh}. */
    public static Path root() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("python/venv.sh"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("python/venv.sh not found above " + Path.of("").toAbsolutePath());
        }
        return root;
    }

    private static String run(List<String> command) throws IOException {
        Path out = Files.createTempFile("ingot-python", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within 30 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(command + " failed (exit " + p.exitValue() + ", output above); it "
                        + "needs python3 (3.11) with venv and, the first time, the Python package registry");
            }
            return Files.readString(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
