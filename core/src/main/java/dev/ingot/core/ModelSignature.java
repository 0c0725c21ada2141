package dev.ingot.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;

/**
 * The project's model-signing keys ({@code signing} in {@code ingot.yaml}) and the Ed25519 signatures made with them:
 * {@code train} and {@code models register} sign a model's ONNX SHA-256 with the private key, and {@code score}
 * verifies the signature with the public key before it runs anything. Uses the JDK's own {@code java.security}
 * ("Ed25519", Java 15+), so no crypto library is needed.
 *
 * <p>What is signed is the lower-case hex digest as UTF-8 text, so a signature can be checked by hand with any
 * Ed25519 tool from the digest the registry shows.
 *
 * @param privateKey the key that signs, when this process may sign (never printed)
 * @param publicKey the key that verifies; when present, {@code score} refuses unsigned or badly signed models
 */
public record ModelSignature(Optional<PrivateKey> privateKey, Optional<PublicKey> publicKey) {
    private static final String ALGORITHM = "Ed25519";

    public ModelSignature {
        Errors.required(privateKey, "ModelSignature.privateKey (Optional.empty() for none)");
        Errors.required(publicKey, "ModelSignature.publicKey (Optional.empty() for none)");
    }

    /** The base64 Ed25519 signature of {@code sha256Hex} with {@code key}. */
    public static String sign(PrivateKey key, String sha256Hex) {
        Errors.required(key, "ModelSignature.sign(key)");
        Errors.required(sha256Hex, "ModelSignature.sign(sha256Hex)");
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(sha256Hex.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw Errors.invalidDefinition("signing key", "cannot sign with it: " + e.getMessage(),
                    "give a PKCS#8 Ed25519 private key");
        }
    }

    /**
     * Whether {@code signatureBase64} is {@code key}'s Ed25519 signature of {@code sha256Hex}. False, not an error,
     * for text that is not a signature at all: to the caller it is just as untrustworthy.
     */
    public static boolean verify(PublicKey key, String sha256Hex, String signatureBase64) {
        Errors.required(key, "ModelSignature.verify(key)");
        Errors.required(sha256Hex, "ModelSignature.verify(sha256Hex)");
        if (signatureBase64 == null) {
            return false;
        }
        try {
            byte[] sig = Base64.getDecoder().decode(signatureBase64.strip());
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(sha256Hex.getBytes(StandardCharsets.UTF_8));
            return s.verify(sig);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * A PKCS#8 Ed25519 private key from base64 or PEM text ({@code -----BEGIN PRIVATE KEY-----}); empty when the text
     * is not one. The text is a secret: it is registered with {@link Secrets} so no message can show it.
     */
    public static Optional<PrivateKey> parsePrivateKey(String text) {
        Secrets.register(Errors.required(text, "ModelSignature.parsePrivateKey(text)").strip());
        try {
            return Optional.of(KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der(text))));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    /** An X.509 (SubjectPublicKeyInfo) Ed25519 public key from base64 or PEM text; empty when the text is not one. */
    public static Optional<PublicKey> parsePublicKey(String text) {
        Errors.required(text, "ModelSignature.parsePublicKey(text)");
        try {
            return Optional.of(KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der(text))));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    /** Base64 or PEM to DER: PEM's BEGIN/END lines dropped, whitespace ignored. */
    private static byte[] der(String text) {
        String b64 = text.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(b64);
    }

    /** Says which keys are set, never the keys. */
    @Override
    public String toString() {
        return "ModelSignature[private key " + (privateKey.isPresent() ? Secrets.MASK : "none") + ", public key "
                + (publicKey.isPresent() ? "set" : "none") + "]";
    }
}
