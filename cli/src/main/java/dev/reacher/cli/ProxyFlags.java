package dev.reacher.cli;

import dev.reacher.core.socks5.ProxyConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code reacher check --proxy-*} (a picocli mixin): one proxy for every provider instead of the configured ones. */
final class ProxyFlags {
    @Option(names = "--proxy-host", defaultValue = "${env:PROXY_HOST}",
            description = "One SOCKS5 proxy for every provider, instead of the configured proxies and pool.")
    String host;

    @Option(names = "--proxy-port", defaultValue = "${env:PROXY_PORT:-1080}",
            description = "SOCKS5 proxy port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--proxy-username", defaultValue = "${env:PROXY_USERNAME}", description = "SOCKS5 username.")
    String username;

    @Option(names = "--proxy-password", defaultValue = "${env:PROXY_PASSWORD}",
            description = "SOCKS5 password (prefer the PROXY_PASSWORD env var: flags show in `ps`).")
    String password;

    @Option(names = "--proxy-timeout-ms", defaultValue = "${env:PROXY_TIMEOUT_MS}",
            description = "Limit for connecting to the proxy, in milliseconds.")
    Long timeoutMs;

    /** The proxy {@code --proxy-host} names, or null when none is given. */
    ProxyConfig proxy(CommandLine.Model.CommandSpec spec) {
        if (host == null || host.isBlank()) {
            return null;
        }
        try {
            return new ProxyConfig(host, port, username, password, timeoutMs);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--proxy-*: " + e.getMessage());
        }
    }
}
