package dev.reacher.server.config;

/**
 * A configuration value that stops startup. The message is one line that names the TOML key, the
 * environment variable that sets it, what was expected and where the bad value came from, e.g.
 * {@code http_port (RCH__HTTP_PORT): expected a port number 0-65535, got "80a" (from env RCH__HTTP_PORT)}.
 * Secret values (passwords, {@code header_secret}, URLs that may carry credentials) are never quoted.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;

    ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** A problem with one key. */
    static ConfigException forKey(String key, String envVar, String problem) {
        return new ConfigException(key, key + " (" + envVar + "): " + problem);
    }

    /** A problem that is not about one key (an unreadable file, for example). */
    static ConfigException general(String message) {
        return new ConfigException(null, message);
    }

    /** The dotted TOML key at fault, or null when the problem is not about one key. */
    public String key() {
        return key;
    }
}
