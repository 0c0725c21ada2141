package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelSignatureTest {
    private static final String SHA = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea";

    static KeyPair pair() throws NoSuchAlgorithmException {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Test
    void aSignatureVerifiesWithItsPublicKeyAndNotWithAFlippedBitOrAnotherKey() throws Exception {
        KeyPair k = pair();
        String sig = ModelSignature.sign(k.getPrivate(), SHA);
        assertThat(Base64.getDecoder().decode(sig)).as("an Ed25519 signature is 64 bytes").hasSize(64);
        assertThat(ModelSignature.verify(k.getPublic(), SHA, sig)).isTrue();
        assertThat(ModelSignature.sign(k.getPrivate(), SHA)).as("Ed25519 is deterministic").isEqualTo(sig);

        byte[] flipped = Base64.getDecoder().decode(sig);
        flipped[10] ^= 1;
        assertThat(ModelSignature.verify(k.getPublic(), SHA, Base64.getEncoder().encodeToString(flipped)))
                .as("a signature with one bit flipped").isFalse();
        assertThat(ModelSignature.verify(k.getPublic(), SHA.replace('3', '4'), sig)).as("another digest").isFalse();
        assertThat(ModelSignature.verify(pair().getPublic(), SHA, sig)).as("another key pair's public key").isFalse();
        assertThat(ModelSignature.verify(k.getPublic(), SHA, "not base64!")).isFalse();
        assertThat(ModelSignature.verify(k.getPublic(), SHA, null)).isFalse();
    }

    @Test
    void keysParseFromBase64AndPemAndNotFromOtherText() throws Exception {
        KeyPair k = pair();
        String privB64 = Base64.getEncoder().encodeToString(k.getPrivate().getEncoded());
        assertThat(ModelSignature.parsePrivateKey(privB64)).hasValue(k.getPrivate());
        assertThat(ModelSignature.parsePrivateKey(pem("PRIVATE KEY", k.getPrivate().getEncoded()))).hasValue(k.getPrivate());
        assertThat(ModelSignature.parsePublicKey(Base64.getEncoder().encodeToString(k.getPublic().getEncoded())))
                .hasValue(k.getPublic());
        assertThat(ModelSignature.parsePublicKey(pem("PUBLIC KEY", k.getPublic().getEncoded()))).hasValue(k.getPublic());
        assertThat(ModelSignature.parsePublicKey(privB64)).as("a private key is not a public key").isEmpty();
        assertThat(ModelSignature.parsePrivateKey("bm90IGEga2V5")).isEmpty();
        assertThat(Secrets.redact("key " + privB64)).as("a parsed private key's text is a secret").isEqualTo("key " + Secrets.MASK);
        ModelSignature s = new ModelSignature(Optional.of(k.getPrivate()), Optional.of(k.getPublic()));
        assertThat(s.toString()).doesNotContain(privB64).contains(Secrets.MASK);
    }
}
