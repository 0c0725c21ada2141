package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GitState} against real git repositories made by the test, and {@link Lineage#codeCommit}. */
class GitStateTest {
    @TempDir
    Path tmp;

    @Test
    void aProjectInAGitCheckoutHasItsHeadCommitAndIsCleanUntilAFileChanges() throws Exception {
        Path repo = tmp.resolve("repo");
        Path project = repo.resolve("projects/retail");
        Files.createDirectories(project);
        git(repo, "init", "-q");
        Files.writeString(project.resolve("ingot.yaml"), "name: retail\n");
        Files.writeString(repo.resolve(".gitignore"), "warehouse/\n");
        git(repo, "add", ".");
        git(repo, "commit", "-q", "-m", "first");
        String head = git(repo, "rev-parse", "HEAD").strip();

        assertThat(GitState.of(project)).as("committed and unchanged").contains(new GitState(head, false));

        Files.createDirectories(project.resolve("warehouse"));
        Files.writeString(project.resolve("warehouse/x.parquet"), "data");
        Files.writeString(repo.resolve("elsewhere.txt"), "not the project's");
        assertThat(GitState.of(project)).as("ignored files, and files outside the project folder, do not count")
                .contains(new GitState(head, false));

        Files.createDirectories(project.resolve("models"));
        Files.writeString(project.resolve("models/fraud.yaml"), "label: is_fraud\n");
        assertThat(GitState.of(project)).as("an untracked spec is not in the commit").contains(new GitState(head, true));
        assertThat(GitState.of(repo)).as("from the root, the same").contains(new GitState(head, true));

        git(repo, "add", ".");
        git(repo, "commit", "-q", "-m", "second");
        String second = git(repo, "rev-parse", "HEAD").strip();
        assertThat(second).isNotEqualTo(head);
        assertThat(GitState.of(project)).contains(new GitState(second, false));

        Files.writeString(project.resolve("ingot.yaml"), "name: retail2\n");
        assertThat(GitState.of(project)).as("a changed tracked file").contains(new GitState(second, true));
    }

    @Test
    void aDirectoryOutsideGitOrARepositoryWithoutCommitsHasNoState() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(plain.resolve("ingot.yaml"), "name: p\n");
        assertThat(GitState.of(plain)).isEmpty();
        assertThat(GitState.of(tmp.resolve("missing"))).isEmpty();

        Path fresh = Files.createDirectories(tmp.resolve("fresh"));
        git(fresh, "init", "-q");
        Files.writeString(fresh.resolve("ingot.yaml"), "name: p\n");
        assertThat(GitState.of(fresh)).as("no HEAD commit yet").isEmpty();
    }

    @Test
    void aCommitIsAFullHash() {
        assertThatThrownBy(() -> new GitState("6779702", false)).isInstanceOf(IngotException.class)
                .hasMessageContaining("'6779702' is not a full commit hash");
    }

    @Test
    void ingotsOwnCommitIsTheBuildCheckoutsHeadOrUnknown() {
        // Tests run from the module folder; the repository root is its parent. A build from a source tarball has no
        // checkout there and must say 'unknown'.
        Optional<GitState> checkout = Files.exists(Path.of("..", ".git")) ? GitState.of(Path.of("..")) : Optional.empty();
        if (checkout.isPresent()) {
            assertThat(Lineage.codeCommit()).matches("[0-9a-f]{40}(-dirty)?").startsWith(checkout.get().commit());
        } else {
            assertThat(Lineage.codeCommit()).isEqualTo(Lineage.UNKNOWN_COMMIT);
        }
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=t", "-c",
                "user.email=t@example.com", "-c", "commit.gpgsign=false"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }
}
