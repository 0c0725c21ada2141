package dev.ingot.jobs;

import static dev.ingot.jobs.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.Catalog;
import dev.ingot.core.Location;
import dev.ingot.core.ModelSignature;
import dev.ingot.core.TableName;
import dev.ingot.core.Tables;
import dev.ingot.core.TestFiles;
import dev.ingot.core.TestSpark;
import dev.ingot.core.config.TrackingSettings;
import dev.ingot.jobs.Cli.Result;
import dev.ingot.scoring.OnnxModel;
import dev.ingot.scoring.SklearnModels;
import dev.ingot.training.ModelVersion;
import dev.ingot.training.TrackingStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code signing} end to end: {@code models register} and {@code train} sign the ONNX digest, and {@code score} with a public key
 * refuses a version whose signature is missing, changed or made by another key, before it writes anything.
 */
class SignedScoreTest {
    private static final String INPUT = "cli_signed.customers";
    private static SparkSession spark;
    private static TrackingStore store;
    private static Path signer;
    private static Path otherKey;
    private static Path unsignedProject;
    private static String privateText;
    private static java.security.PublicKey publicKey;
    private static Path trainer;
    private static final String TRAINED = "signed_trained";
    private static final String ORDERS = "cli_signed.orders";

    @BeforeAll
    static void projects(@TempDir Path dir) throws IOException, NoSuchAlgorithmException {
        spark = TestSpark.session();
        spark.sql("CREATE DATABASE IF NOT EXISTS cli_signed");
        SklearnModels.data(spark).write().format("delta").mode("overwrite").saveAsTable(INPUT);
        KeyPair mine = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair theirs = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        privateText = Base64.getEncoder().encodeToString(mine.getPrivate().getEncoded());
        String warehouse = "warehouse: " + TestSpark.warehouse() + "\n";
        signer = project(dir.resolve("signer"), "name: signer\n" + warehouse + "signing:\n  private_key_file: secrets/key\n"
                + "  public_key: " + Base64.getEncoder().encodeToString(mine.getPublic().getEncoded()) + "\n");
        TestFiles.write(signer, "secrets/key", privateText + "\n");
        otherKey = project(dir.resolve("other"), "name: other\n" + warehouse + "signing:\n  public_key: "
                + Base64.getEncoder().encodeToString(theirs.getPublic().getEncoded()) + "\n");
        unsignedProject = project(dir.resolve("unsigned"), "name: unsigned\n" + warehouse);
        publicKey = mine.getPublic();
        // A project that trains, signing with the same keys (the private one from a secrets file).
        TrainProjects.orders(ORDERS, 160);
        trainer = TrainProjects.write(dir.resolve("trainer"), TRAINED, ORDERS, "signing:\n  private_key_file: secrets/key\n"
                + "  public_key: " + Base64.getEncoder().encodeToString(mine.getPublic().getEncoded()) + "\n", """
                algorithm:
                  type: logistic_regression
                  params: {maxIter: 10}
                test_window: 8d
                """);
        TestFiles.write(trainer, "secrets/key", privateText + "\n");
        store = TrackingStore.open(TrackingSettings.local(), spark, Location.of(TestSpark.warehouse()));
    }

    private static Path project(Path p, String yaml) throws IOException {
        TestFiles.write(p, "ingot.yaml", yaml);
        Files.createDirectories(p.resolve("onnx"));
        Files.copy(SklearnModels.model("logreg"), p.resolve("onnx/logreg.onnx"));
        for (String m : new String[] {"sk_signed", "sk_resigned", "sk_unsigned"}) {
            TestFiles.write(p, "models/" + m + ".yaml", """
                    onnx: onnx/logreg.onnx
                    inputs:
                      float_input: [c1, c2, c3]
                    keys: [id]
                    """);
        }
        return p;
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static Result register(Path project, String model) {
        Result r = run("models", "register", "--project", project.toString(), "--model", model);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out() + r.err()).as("the private key is never printed").doesNotContain(privateText);
        return r;
    }

    private static Result score(Path project, String model, String out) {
        Result r = run("score", "--project", project.toString(), "--model", model + "@challenger", "--input", INPUT,
                "--out", out);
        assertThat(r.out() + r.err()).as("the private key is never printed").doesNotContain(privateText);
        return r;
    }

    private static long rows(TableName t) {
        return Catalog.tableExists(spark, t) ? spark.table(t.toString()).count() : 0;
    }

    @Test
    void aSignedVersionScoresAndAnotherPublicKeyRefusesIt() {
        register(signer, "sk_signed");
        ModelVersion v = store.versionByAlias("sk_signed", "challenger").orElseThrow();
        assertThat(v.tags().get("ingot.onnx_signature")).as("the version carries the signature of its digest")
                .isNotBlank();

        Result ok = score(signer, "sk_signed", "signed_ok");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(rows(Tables.scores("signed_ok"))).isEqualTo(SklearnModels.ROWS);

        Result other = score(otherKey, "sk_signed", "signed_other");
        assertThat(other.code()).isEqualTo(2);
        assertThat(other.err()).contains("does not verify with signing.public_key").contains("nothing was written");
        assertThat(rows(Tables.scores("signed_other"))).isZero();

        Result unconfigured = score(unsignedProject, "sk_signed", "signed_unchecked");
        assertThat(unconfigured.code()).as("without a public key nothing is checked: " + unconfigured.err()).isZero();
    }

    @Test
    void trainSignsTheRunAndTheVersionAndScoreVerifiesIt() {
        Result t = run("train", "--project", trainer.toString(), "--model", TRAINED, "--training-set", ORDERS);
        assertThat(t.code()).as(t.out() + t.err()).isZero();
        assertThat(t.out() + t.err()).as("the private key is never printed").doesNotContain(privateText);
        ModelVersion v = store.versionByAlias(TRAINED, "challenger").orElseThrow();
        String sha = OnnxModel.sha256(store.downloadArtifact(v.runId(), "onnx/model.onnx"));
        Map<String, String> runTags = store.runData(v.runId()).tags();
        assertThat(runTags).as("the run's digest is the artifact's").containsEntry("ingot.onnx_sha256", sha);
        assertThat(v.tags()).as("the version's digest is the artifact's").containsEntry("ingot.onnx_sha256", sha);
        String signature = v.tags().get("ingot.onnx_signature");
        assertThat(signature).as("train signs the version").isNotBlank();
        assertThat(runTags).as("and the run, with the same signature").containsEntry("ingot.onnx_signature", signature);
        assertThat(ModelSignature.verify(publicKey, sha, signature))
                .as("the signature is of the artifact's SHA-256, by the project's key").isTrue();
        assertThat(ModelSignature.verify(publicKey, OnnxModel.sha256(new byte[] {1}), signature))
                .as("and of nothing else").isFalse();

        Result s = run("score", "--project", trainer.toString(), "--model", TRAINED + "@challenger", "--input", ORDERS,
                "--out", TRAINED, "--keys", "order_id", "--nulls", "impute");
        assertThat(s.code()).as("the public key verifies what train signed: " + s.out() + s.err()).isZero();
        assertThat(rows(Tables.scores(TRAINED))).isEqualTo(160);
    }

    @Test
    void aChangedSignatureTagIsRefused() {
        register(signer, "sk_resigned");
        ModelVersion v = store.versionByAlias("sk_resigned", "challenger").orElseThrow();
        byte[] sig = Base64.getDecoder().decode(v.tags().get("ingot.onnx_signature"));
        sig[0] ^= 1;
        store.setVersionTag("sk_resigned", v.version(), "ingot.onnx_signature", Base64.getEncoder().encodeToString(sig));
        Result r = score(signer, "sk_resigned", "resigned");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("sk_resigned v" + v.version()).contains("does not verify");
        assertThat(rows(Tables.scores("resigned"))).isZero();
    }

    @Test
    void anUnsignedVersionIsRefusedWhenAPublicKeyIsSet() {
        register(unsignedProject, "sk_unsigned");
        ModelVersion v = store.versionByAlias("sk_unsigned", "challenger").orElseThrow();
        assertThat(v.tags()).doesNotContainKey("ingot.onnx_signature");
        Result r = score(signer, "sk_unsigned", "unsigned");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("has no signature (ingot.onnx_signature)");
        assertThat(rows(Tables.scores("unsigned"))).isZero();
    }

    @Test
    void aKeyThatIsNotOneIsAnErrorNamingTheKeyWithoutShowingIt(@TempDir Path dir) throws IOException {
        String bogus = "bm90IGFuIGVkMjU1MTkga2V5IGF0IGFsbA==";
        Path p = project(dir.resolve("bad"), "name: bad\nwarehouse: " + TestSpark.warehouse() + "\nsigning:\n"
                + "  public_key: " + bogus + "\n");
        Result r = score(p, "sk_signed", "bad_key");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("ingot.yaml").contains("signing.public_key")
                .contains("is not an X.509 Ed25519 public key").doesNotContain(bogus);
        assertThat(ModelSignature.parsePublicKey(bogus)).isEmpty();
    }
}
