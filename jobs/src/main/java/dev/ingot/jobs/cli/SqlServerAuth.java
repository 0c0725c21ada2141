package dev.ingot.jobs.cli;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicReference;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * The password check of {@code ingot sql-server} with {@code sql_server.auth: password}: Hive's CUSTOM authentication
 * instantiates this class by name for each login and calls {@link #Authenticate}.
 *
 * <p>The expected user name and password are handed over in memory by {@link SqlServerCommand} ({@link #expect}), never
 * through a Hive or Spark setting, which a JDBC client could read back with {@code SET -v}. Only their SHA-256 digests
 * are kept, and a login is compared digest to digest with {@link MessageDigest#isEqual}, in constant time whatever the
 * lengths, so the time a refusal takes says nothing about how much of the password was right.
 */
public final class SqlServerAuth implements PasswdAuthenticationProvider {
    private static final AtomicReference<Expected> EXPECTED = new AtomicReference<>();

    private record Expected(byte[] user, byte[] password) {}

    /** Hive builds one per login, by reflection. */
    public SqlServerAuth() {
        // The credentials are the process's: see expect().
    }

    /** The credentials logins must match, from here on; {@code sql-server} calls this before the server starts. */
    static void expect(String user, String password) {
        EXPECTED.set(new Expected(digest(user), digest(password)));
    }

    /** Forgets the credentials: every login is refused until {@link #expect} is called again. */
    static void forget() {
        EXPECTED.set(null);
    }

    /**
     * Accepts the login when both the user name and the password match; otherwise throws, with a message that says
     * neither which one was wrong nor anything of what was given.
     */
    @Override
    public void Authenticate(String user, String password) throws AuthenticationException {
        Expected e = EXPECTED.get();
        // Both compared, always, so that a wrong user name takes as long as a wrong password.
        boolean userOk = MessageDigest.isEqual(digest(user == null ? "" : user), e == null ? new byte[0] : e.user());
        boolean passwordOk = MessageDigest.isEqual(digest(password == null ? "" : password),
                e == null ? new byte[0] : e.password());
        if (e == null || !(userOk & passwordOk)) {
            throw new AuthenticationException("Ingot SQL server: wrong user name or password");
        }
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
