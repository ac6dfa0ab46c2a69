package dev.reacher.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.verify.VerifMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The backend's validated configuration: upstream's {@code backend_config.toml} keys and
 * {@code RCH__} variables, plus reacher-java's ({@code [dns]}, {@code [proxy_pool]}, per-proxy pool
 * settings, top-level {@code smtp_port}/{@code retries}, {@code shutdown_timeout}). Produced by
 * {@link ConfigLoader}; every value here has passed validation. {@link #toString()} hides secrets.
 *
 * @param source the file that was read, or null when only defaults and the environment were used
 * @param httpPort 0 binds a free port (tests)
 * @param smtpTimeout per-attempt limit from {@code smtp_timeout} (seconds), or null for none
 * @param headerSecret the {@code x-reacher-secret} value, or null when auth is off (absent or empty)
 * @param proxies every defined proxy by id ({@code default} is {@code [proxy]}), with its pool settings
 * @param verifMethod how each provider is verified when a request carries no proxy (backend.md §5.5,
 *     with overrides inheriting the top-level values)
 * @param throttle the {@code /v1/check_email} limits ({@code [throttle]})
 * @param warnings things that do not stop startup but an operator should see (unknown keys,
 *     features that are parsed but not available)
 */
public record BackendConfig(
        Path source,
        String backendName,
        String httpHost,
        int httpPort,
        String helloName,
        String fromEmail,
        Duration smtpTimeout,
        int smtpPort,
        int retries,
        String headerSecret,
        String sentryDsn,
        String webdriverAddr,
        String webdriverBinary,
        Duration shutdownTimeout,
        DnsServers dns,
        SmtpVerifier.ProxyDns proxyDns,
        Map<String, PoolProxy> proxies,
        PoolSettings poolSettings,
        VerifMethod verifMethod,
        RateLimits throttle,
        Worker worker,
        Storage storage,
        LicenseTrial commercialLicenseTrial,
        List<String> warnings) {

    public static final String DEFAULT_BACKEND_NAME = "backend-dev";
    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
    public static final int DEFAULT_HTTP_PORT = 8080;
    public static final String DEFAULT_HELLO_NAME = "localhost";
    public static final String DEFAULT_FROM_EMAIL = "hello@localhost";
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    public BackendConfig {
        proxies = Map.copyOf(proxies);
        warnings = List.copyOf(warnings);
    }

    /** {@code [worker]}: parsed for compatibility; enabling it is refused until the bulk feature lands. */
    public record Worker(boolean enable, String rabbitmqUrl, int rabbitmqConcurrency) {
        @Override
        public String toString() {
            return "Worker[enable=" + enable + ", concurrency=" + rabbitmqConcurrency + "]";
        }
    }

    /** {@code [storage.postgres]}: parsed; not used yet. {@code extra} is free-form JSON or null. */
    public record Storage(String postgresDbUrl, JsonNode extra) {
        @Override
        public String toString() {
            return "Storage[postgres]";
        }
    }

    /** {@code [commercial_license_trial]}: parsed; reporting is not supported. */
    public record LicenseTrial(String apiToken, String url) {
        @Override
        public String toString() {
            return "LicenseTrial[…]";
        }
    }

    /** True when {@code x-reacher-secret} is required on protected endpoints. */
    public boolean authEnabled() {
        return headerSecret != null;
    }

    @Override
    public String toString() {
        return "BackendConfig[source=" + source + ", backend_name=" + backendName + ", http=" + httpHost + ":" + httpPort
                + ", proxies=" + proxies.keySet() + ", pool=" + (poolSettings.enabled() ? poolSettings.strategy() : "off")
                + ", auth=" + (authEnabled() ? "on" : "off") + ", dns=" + dns + "]";
    }
}
