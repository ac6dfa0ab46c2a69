package dev.reacher.core.socks5;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One SOCKS5 proxy, in upstream's {@code CheckEmailInputProxy} shape. Credentials are optional;
 * they are offered to the proxy only when both are present (as upstream does).
 *
 * <p>{@code timeout_ms} bounds only the TCP connect to the proxy, in milliseconds. Upstream floors it
 * to whole seconds (so 800 gives a 0 s timeout there and always fails); here 800 means 800 ms. A value
 * of 0 fails at once, as upstream. The caller's deadline bounds everything else.
 *
 * <p>{@link #toString()} never shows the password; it must not be logged or serialised into results.
 */
@JsonPropertyOrder({"host", "port", "username", "password", "timeout_ms"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ProxyConfig(
        @JsonProperty(value = "host", required = true) String host,
        @JsonProperty(value = "port", required = true) int port,
        @JsonProperty("username") String username,
        @JsonProperty("password") String password,
        @JsonProperty("timeout_ms") Long timeoutMs) {

    public ProxyConfig {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("proxy port must be 1-65535, got " + port);
        }
        if (timeoutMs != null && timeoutMs < 0) {
            throw new IllegalArgumentException("proxy timeout_ms must not be negative");
        }
    }

    public ProxyConfig(String host, int port) {
        this(host, port, null, null, null);
    }

    /** True when both username and password are set, so RFC 1929 authentication is offered. */
    public boolean hasCredentials() {
        return username != null && password != null;
    }

    /** {@code host:port}, safe to log. */
    public String address() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public String toString() {
        return "ProxyConfig[" + address() + (username != null ? ", username=" + username : "")
                + (password != null ? ", password=***" : "") + (timeoutMs != null ? ", timeout_ms=" + timeoutMs : "") + "]";
    }
}
