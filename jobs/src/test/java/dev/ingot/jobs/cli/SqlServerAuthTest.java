package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SQL server's password check, as Hive's CUSTOM authentication calls it: both the user and the password. */
class SqlServerAuthTest {
    private static final String PASSWORD = "sql-auth-test-pw-7718";

    /** Built as Hive builds it: by reflection, with the public no-argument constructor. */
    private final PasswdAuthenticationProvider check = newProvider();

    private static PasswdAuthenticationProvider newProvider() {
        try {
            return (PasswdAuthenticationProvider) Class.forName(SqlServerAuth.class.getName()).getConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @AfterEach
    void forget() {
        SqlServerAuth.forget();
    }

    @Test
    void acceptsTheUserWithItsPasswordOnly() {
        SqlServerAuth.expect("analyst", PASSWORD);
        assertThatCode(() -> check.Authenticate("analyst", PASSWORD)).doesNotThrowAnyException();
        assertThatThrownBy(() -> check.Authenticate("analyst", PASSWORD + "x")).as("longer")
                .isInstanceOf(AuthenticationException.class).hasMessage("Ingot SQL server: wrong user name or password");
        assertThatThrownBy(() -> check.Authenticate("analyst", PASSWORD.substring(1))).as("a prefix missing")
                .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> check.Authenticate("admin", PASSWORD)).as("another user")
                .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> check.Authenticate("analyst", "")).isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> check.Authenticate("analyst", null)).isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> check.Authenticate(null, null)).isInstanceOf(AuthenticationException.class);
    }

    @Test
    void refusesEveryoneWhenNothingIsExpected() {
        assertThatThrownBy(() -> check.Authenticate("analyst", PASSWORD)).isInstanceOf(AuthenticationException.class);
        SqlServerAuth.expect("analyst", PASSWORD);
        SqlServerAuth.forget();
        assertThatThrownBy(() -> check.Authenticate("analyst", PASSWORD)).as("forgotten")
                .isInstanceOf(AuthenticationException.class);
    }
}
