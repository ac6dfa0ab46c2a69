package dev.reacher.server.config;

import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.core.yahoo.YahooApi;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.worker.WorkerSettings;
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
 * @param headless {@code webdriver_addr} and {@code [webdriver]}: the headless-browser checks
 * @param webdriverRequired an override sets {@code type = "headless"} for Hotmail B2C or Yahoo
 *     (not just upstream's default): the WebDriver is then a dependency that {@code /readyz} counts
 * @param yahooApi {@code [yahoo_api]}: where Yahoo's {@code api} method sends its two calls
 * @param proxies every defined proxy by id ({@code default} is {@code [proxy]}, then
 *     {@code [overrides.proxies.<id>]} and the members of the proxy list file), with its pool settings
 * @param proxyListFile {@code proxy_pool.file} as an absolute path, or null when there is none
 * @param verifMethod how each provider is verified when a request carries no proxy (upstream's
 *     {@code overrides.<provider>} tables, each inheriting the top-level values it does not set)
 * @param throttle the {@code /v1/check_email} limits ({@code [throttle]})
 * @param politeness sessions per destination, their spacing and the catch-all cache
 *     ({@code [smtp_politeness]}), counted in this process
 * @param worker {@code [worker]}: upstream's worker mode (RabbitMQ) plus reacher-java's knobs; with
 *     {@code enable = false} bulk still works on one machine (embedded queue, in-process worker)
 * @param storage {@code [storage]}: where results and jobs live
 * @param fleet whether the proxy pool's budgets and health are shared through PostgreSQL ({@code [proxy_pool.fleet]})
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
        HeadlessSettings headless,
        boolean webdriverRequired,
        YahooApi.Endpoints yahooApi,
        Duration shutdownTimeout,
        DnsServers dns,
        SmtpVerifier.ProxyDns proxyDns,
        Map<String, PoolProxy> proxies,
        Path proxyListFile,
        PoolSettings poolSettings,
        VerifMethod verifMethod,
        RateLimits throttle,
        Politeness politeness,
        WorkerSettings worker,
        StorageSettings storage,
        Fleet fleet,
        LicenseTrial commercialLicenseTrial,
        List<String> warnings) {

    public static final String DEFAULT_BACKEND_NAME = WorkerSettings.DEFAULT_BACKEND_NAME;
    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
    public static final int DEFAULT_HTTP_PORT = 8080;
    public static final String DEFAULT_HELLO_NAME = "localhost";
    public static final String DEFAULT_FROM_EMAIL = "hello@localhost";
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    public BackendConfig {
        // Ordered by id (as the pool orders its members), so logs and listings read the same each time.
        proxies = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(proxies));
        warnings = List.copyOf(warnings);
    }

    /**
     * {@code [proxy_pool.fleet]}: the pool's budgets, in-flight slots and health shared by every
     * process through the scale-out PostgreSQL ({@code storage.postgres}).
     *
     * @param enabled on by default when worker mode and PostgreSQL are configured, else off
     * @param leaseTtl how long an in-flight slot outlives a process that died holding it
     * @param onStoreFailure what verifications do while the database cannot be reached
     */
    public record Fleet(boolean enabled, Duration leaseTtl, OnStoreFailure onStoreFailure) {
        public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(30);
        public static final Fleet OFF = new Fleet(false, DEFAULT_LEASE_TTL, OnStoreFailure.PAUSE);

        /** {@code proxy_pool.fleet.on_store_failure}. */
        public enum OnStoreFailure {
            /** No proxy is used until the store is back: workers stop taking tasks, v1 answers 503 (default). */
            PAUSE,
            /** Each process falls back to its own budgets and health (limits then hold per process only). */
            LOCAL
        }
    }

    /** {@code [commercial_license_trial]}: parsed; reporting is not supported. */
    public record LicenseTrial(String apiToken, String url) {
        @Override
        public String toString() {
            return "LicenseTrial[…]";
        }
    }

    /**
     * The engine's input for {@code toEmail} verified with {@code method}, carrying this
     * configuration's backend name, WebDriver address and binary, and Sentry DSN. (Upstream parses
     * {@code webdriver_addr} but always sends {@code http://localhost:9515}.)
     */
    public CheckEmailInput input(String toEmail, VerifMethod method) {
        return new CheckEmailInput(toEmail, method, false, null, webdriverAddr(),
                new CheckEmailInput.WebdriverConfig(webdriverBinary()), backendName, sentryDsn);
    }

    /** {@code webdriver_addr}. */
    public String webdriverAddr() {
        return headless.webdriverAddr().toString();
    }

    /** {@code webdriver.binary}, or null. */
    public String webdriverBinary() {
        return headless.binary();
    }

    /**
     * The input bulk addresses are verified with: what a {@code /v1/check_email} request holding
     * only {@code to_email} gets, so the configured verification method (upstream).
     */
    public CheckEmailInput bulkTemplate() {
        return input("", verifMethod);
    }

    /**
     * This configuration with what a reload may change taken from {@code next}: the proxies (and the
     * list file they came from), the verification method that names them, and the top-level
     * {@code hello_name}, {@code from_email}, {@code smtp_timeout}, {@code smtp_port} and
     * {@code retries}. Everything else (ports, storage, queue, secret, DNS, pool settings, fleet sharing, throttle)
     * stays as this process started with it; {@link #restartOnlyChanges} names what differs there.
     */
    public BackendConfig withReloadable(BackendConfig next) {
        return new BackendConfig(source, backendName, httpHost, httpPort, next.helloName, next.fromEmail, next.smtpTimeout,
                next.smtpPort, next.retries, headerSecret, sentryDsn, headless, webdriverRequired, yahooApi, shutdownTimeout, dns,
                proxyDns, next.proxies, next.proxyListFile, poolSettings, next.verifMethod, throttle, politeness, worker, storage,
                fleet, commercialLicenseTrial, next.warnings);
    }

    /** The settings that differ in {@code next} but only take effect after a restart, by key. */
    public List<String> restartOnlyChanges(BackendConfig next) {
        List<String> changed = new java.util.ArrayList<>();
        compare(changed, "backend_name", backendName, next.backendName);
        compare(changed, "http_host/http_port", httpHost + ":" + httpPort, next.httpHost + ":" + next.httpPort);
        compare(changed, "header_secret", headerSecret, next.headerSecret);
        compare(changed, "webdriver_addr/webdriver", headless, next.headless);
        compare(changed, "yahoo_api", yahooApi, next.yahooApi);
        compare(changed, "shutdown_timeout", shutdownTimeout, next.shutdownTimeout);
        compare(changed, "dns", dns, next.dns);
        compare(changed, "dns.proxy_dns", proxyDns, next.proxyDns);
        compare(changed, "proxy_pool", poolSettings, next.poolSettings);
        compare(changed, "throttle", throttle, next.throttle);
        compare(changed, "smtp_politeness", politeness, next.politeness);
        // backend_name is compared above; the worker settings carry it too.
        compare(changed, "worker", worker, next.worker.withBackendName(worker.backendName()));
        compare(changed, "storage", storage, next.storage);
        compare(changed, "proxy_pool.fleet", fleet, next.fleet);
        return changed;
    }

    private static void compare(List<String> changed, String key, Object now, Object next) {
        if (!java.util.Objects.equals(now, next)) {
            changed.add(key);
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
