package dev.reacher.server.reload;

import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.task.ProxyCredentials;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The configuration a running process verifies with, replaced as a whole by a reload: what new
 * requests and bulk jobs read ({@link #get()}), and the proxy passwords workers restore into tasks
 * ({@link #credentials()}).
 */
public final class LiveConfig implements Supplier<BackendConfig> {
    private final AtomicReference<BackendConfig> current;
    private final ProxyCredentials credentials;

    private LiveConfig(BackendConfig config) {
        this.current = new AtomicReference<>(Objects.requireNonNull(config, "config"));
        this.credentials = ProxyCredentials.of(configs(config));
    }

    public static LiveConfig of(BackendConfig config) {
        return new LiveConfig(config);
    }

    /** The configuration now. */
    @Override
    public BackendConfig get() {
        return current.get();
    }

    /** Passwords of the configured proxies, kept current across reloads. */
    public ProxyCredentials credentials() {
        return credentials;
    }

    void replace(BackendConfig next) {
        credentials.replace(configs(next));
        current.set(next);
    }

    private static List<ProxyConfig> configs(BackendConfig config) {
        return config.proxies().values().stream().map(p -> p.proxy()).toList();
    }
}
