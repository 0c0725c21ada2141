package dev.ingot.jobs;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A test's child process: runs several Ingot command lines one after another in one JVM (they share its one
 * SparkSession, as in the test JVM), from a file with one command a line, its arguments separated by tabs. Prints
 * each command's exit code and, at the end, the counts of {@link FirstAttemptFailures.Counter} (zero when it is not
 * registered). Exits with the first non-zero exit code, after which it runs nothing more.
 */
public final class CommandsInOneJvm {
    private CommandsInOneJvm() {}

    public static void main(String[] args) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = 0;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] command = line.split("\t");
            out.println(">>> " + String.join(" ", command));
            code = IngotMain.run(out, err, command);
            out.println("<<< exit " + code);
            if (code != 0) {
                break;
            }
        }
        out.println("injected=" + FirstAttemptFailures.Counter.INJECTED.get()
                + " other_failures=" + FirstAttemptFailures.Counter.OTHER_FAILURES.get()
                + " succeeded=" + FirstAttemptFailures.Counter.SUCCEEDED.get()
                + " succeeded_retries=" + FirstAttemptFailures.Counter.SUCCEEDED_RETRIES.get());
        out.flush();
        System.exit(code);
    }
}
