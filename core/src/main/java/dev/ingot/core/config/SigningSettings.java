package dev.ingot.core.config;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import dev.ingot.core.ModelSignature;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;

/**
 * The model-signing keys of {@code ingot.yaml} ({@code signing}), as loaded: the public key parsed, the private key
 * still a {@link Secret}, resolved only by the commands that sign ({@code train}, {@code models register}), so that
 * the others (every {@code score} on a worker, say) run without its variable. {@link #resolve()} gives the
 * {@link ModelSignature} to sign and verify with.
 *
 * @param privateKey the PKCS#8 Ed25519 private key's text (base64 or PEM), when this project signs
 * @param publicKey the key that verifies; when present, {@code score} refuses unsigned or badly signed models
 */
public record SigningSettings(Optional<Secret> privateKey, Optional<PublicKey> publicKey) {
    /** The fix of a private key that does not parse. */
    static final String PRIVATE_KEY_FIX = "give the key made by 'openssl genpkey -algorithm ed25519', e.g. from"
            + " ${env:INGOT_SIGNING_KEY}";

    public SigningSettings {
        Errors.required(privateKey, "SigningSettings.privateKey (Optional.empty() for none)");
        Errors.required(publicKey, "SigningSettings.publicKey (Optional.empty() for none)");
    }

    /**
     * What stops the private key from resolving: its variable is not set, or its text is not an Ed25519 private key.
     * Empty when it resolves or there is none.
     */
    public List<ConfigProblem> secretProblems() {
        if (privateKey.isEmpty()) {
            return List.of();
        }
        List<ConfigProblem> unset = privateKey.get().problems();
        return unset.isEmpty() ? parse(privateKey.get()).map(k -> List.<ConfigProblem>of()).orElseGet(() ->
                List.of(notAKey(privateKey.get()))) : unset;
    }

    /**
     * The keys, the private one resolved and parsed.
     *
     * @throws dev.ingot.core.InvalidConfigException (exit code 2) when the private key's variable is not set or its
     *     text is not a key
     */
    public ModelSignature resolve() {
        List<ConfigProblem> problems = secretProblems();
        if (!problems.isEmpty()) {
            throw Errors.invalidConfig("read the signing key", problems);
        }
        return new ModelSignature(privateKey.flatMap(SigningSettings::parse), publicKey);
    }

    /** The private key of {@code text}, when it is one; the text is registered as a secret by the parse. */
    static Optional<PrivateKey> parse(Secret text) {
        return ModelSignature.parsePrivateKey(text.resolve());
    }

    /** The problem of a private key whose text does not parse: it names the key, never the text. */
    static ConfigProblem notAKey(Secret text) {
        return new ConfigProblem(text.file(), text.keyPath(), "is not a PKCS#8 Ed25519 private key (base64 or PEM)",
                PRIVATE_KEY_FIX);
    }

    /** Says which keys are set, never the keys. */
    @Override
    public String toString() {
        return "SigningSettings[private key " + privateKey.map(Secret::toString).orElse("none") + ", public key "
                + (publicKey.isPresent() ? "set" : "none") + "]";
    }
}
