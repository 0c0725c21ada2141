package dev.ingot.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The git commit a directory is at, and whether its files differ from it: what a run records about the project it
 * was trained from, so that "which definitions made this model" has an answer beyond the spec's digest.
 *
 * <p>Read with the {@code git} command line ({@code rev-parse HEAD}, {@code status --porcelain}), as a person would,
 * so that worktrees, submodules and packed refs mean what git says they mean; no git library is needed.
 *
 * @param commit the full hash of {@code HEAD}
 * @param dirty whether any file under the directory (tracked, or untracked and not ignored) differs from {@code HEAD}
 */
public record GitState(String commit, boolean dirty) {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
    private static final long TIMEOUT_SECONDS = 30;

    public GitState {
        Errors.required(commit, "GitState.commit");
        if (!HASH.matcher(commit).matches()) {
            throw Errors.invalidDefinition("git commit", "'" + commit + "' is not a full commit hash",
                    "give the 40 (or 64) hex digits of 'git rev-parse HEAD'");
        }
    }

    /**
     * The state of the git checkout {@code dir} is in, looking at the files under {@code dir} only (a project may be a
     * folder of a larger repository). Empty when {@code dir} is not in a git checkout, the checkout has no commit yet,
     * or git is not installed or refuses (e.g. a repository owned by another user): the run then records nothing,
     * rather than a guess.
     */
    public static Optional<GitState> of(Path dir) {
        Errors.required(dir, "GitState.of(dir)");
        Optional<String> head = git(dir, "rev-parse", "--verify", "--quiet", "HEAD");
        if (head.isEmpty() || !HASH.matcher(head.get().strip()).matches()) {
            return Optional.empty();
        }
        // Scoped to the directory ('-- .'): a change elsewhere in a monorepo does not make this project dirty.
        Optional<String> status = git(dir, "status", "--porcelain", "--", ".");
        return status.map(s -> new GitState(head.get().strip(), !s.isBlank()));
    }

    /** The output of {@code git -C dir args...}, or empty when it cannot run or fails. */
    private static Optional<String> git(Path dir, String... args) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(new String(out, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // no git on the PATH
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
