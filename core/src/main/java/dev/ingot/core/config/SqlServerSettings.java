package dev.ingot.core.config;

import dev.ingot.core.ConfigProblem;
import dev.ingot.core.Errors;
import dev.ingot.core.Secrets;
import java.util.List;
import java.util.Optional;

/**
 * Where and how {@code ingot sql-server} serves the warehouse over JDBC ({@code sql_server:} in {@code ingot.yaml}).
 *
 * @param host the address to listen on: {@value #HOST_DEFAULT} (this machine only) unless the project says otherwise
 * @param port the TCP port ({@value #PORT_DEFAULT}, HiveServer2's)
 * @param auth whether clients must give a user name and password
 * @param username with {@link Auth#PASSWORD}, the user name clients must give
 * @param password with {@link Auth#PASSWORD}, the password; written as {@code ${env:NAME}} and never printed. Only
 *     {@code ingot sql-server} resolves it ({@link #secretProblems()}), so other commands run without its variable
 */
public record SqlServerSettings(String host, int port, Auth auth, Optional<String> username,
                                Optional<Secret> password) {
    /** Default of {@code sql_server.host}: the loopback address, so nothing outside this machine can connect. */
    public static final String HOST_DEFAULT = "127.0.0.1";
    /** Default of {@code sql_server.port}: HiveServer2's port. */
    public static final int PORT_DEFAULT = 10000;

    /** How clients authenticate. */
    public enum Auth {
        /** Any user name, no password (HiveServer2's NONE): for a server bound to the loopback address. */
        NONE,
        /** The user name and password of {@code ingot.yaml}, checked by Hive's CUSTOM authentication. */
        PASSWORD
    }

    public SqlServerSettings {
        Errors.required(host, "SqlServerSettings.host");
        Errors.required(auth, "SqlServerSettings.auth");
        Errors.required(username, "SqlServerSettings.username (Optional.empty() for none)");
        Errors.required(password, "SqlServerSettings.password (Optional.empty() for none)");
        if (host.isBlank()) {
            throw Errors.invalidDefinition("SqlServerSettings.host", "is empty", "give an address such as "
                    + HOST_DEFAULT);
        }
        if (port < 1 || port > 65_535) {
            throw Errors.invalidDefinition("SqlServerSettings.port", String.valueOf(port), "give a TCP port, 1 to 65535");
        }
        if (auth == Auth.PASSWORD && (username.isEmpty() || password.isEmpty())) {
            throw Errors.invalidDefinition("SqlServerSettings", "password authentication needs a user name and a "
                    + "password", "set username and password (from ${env:NAME}), or auth: none");
        }
    }

    /** The defaults: {@value #HOST_DEFAULT}:{@value #PORT_DEFAULT}, no authentication. */
    public static SqlServerSettings defaults() {
        return new SqlServerSettings(HOST_DEFAULT, PORT_DEFAULT, Auth.NONE, Optional.empty(), Optional.empty());
    }

    /** The same settings on another port (the {@code --port} option). */
    public SqlServerSettings withPort(int newPort) {
        return new SqlServerSettings(host, newPort, auth, username, password);
    }

    /**
     * What stops password authentication from getting its password: a variable that is not set, or one set to
     * nothing. Empty without password authentication.
     */
    public List<ConfigProblem> secretProblems() {
        if (auth != Auth.PASSWORD || password.isEmpty()) {
            return List.of();
        }
        Secret p = password.get();
        List<ConfigProblem> unset = p.problems();
        if (!unset.isEmpty()) {
            return unset;
        }
        return p.resolve().isEmpty() ? List.of(new ConfigProblem(p.file(), p.keyPath(), "is empty",
                "export the environment variable it names with the password")) : List.of();
    }

    /** Masks the password. */
    @Override
    public String toString() {
        return Secrets.redact("SqlServerSettings[host=" + host + ", port=" + port + ", auth=" + auth + ", username="
                + username + ", password=" + password + "]");
    }
}
