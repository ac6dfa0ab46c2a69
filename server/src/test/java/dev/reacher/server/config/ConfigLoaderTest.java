package dev.reacher.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.webhook.WebhookSender;
import dev.reacher.server.worker.WorkerSettings;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Upstream's configuration and our keys: sources, precedence, coercion, the verification method, validation. */
class ConfigLoaderTest {

    private static BackendConfig toml(String toml) {
        return ConfigLoader.fromToml(toml, Map.of());
    }

    private static BackendConfig env(Map<String, String> env) {
        return ConfigLoader.fromToml(null, env);
    }

    private static Map<String, String> vars(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static SmtpConfig smtp(BackendConfig c, Provider p) {
        return ((ProviderMethod.Smtp) c.verifMethod().method(p)).config();
    }

    // ---- defaults and the shipped file ------------------------------------------------------------

    @Test
    void defaultsWithoutFileOrEnvironment() {
        BackendConfig c = env(Map.of());
        assertThat(c.source()).isNull();
        assertThat(c.backendName()).isEqualTo("backend-dev");
        assertThat(c.httpHost()).isEqualTo("127.0.0.1");
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.helloName()).isEqualTo("localhost");
        assertThat(c.fromEmail()).isEqualTo("hello@localhost");
        assertThat(c.smtpTimeout()).isNull();
        assertThat(c.smtpPort()).isEqualTo(25);
        assertThat(c.retries()).isEqualTo(1);
        assertThat(c.headerSecret()).isNull();
        assertThat(c.authEnabled()).isFalse();
        assertThat(c.webdriverAddr()).isEqualTo("http://localhost:9515");
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.dns().usesSystemResolvers()).isTrue();
        assertThat(c.dns().cacheMaxTtl()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.proxyDns()).isEqualTo(SmtpVerifier.ProxyDns.REMOTE);
        assertThat(c.proxies()).isEmpty();
        assertThat(c.poolSettings().enabled()).isFalse();
        assertThat(c.poolSettings().strategy()).isEqualTo("round_robin");
        assertThat(c.poolSettings().maxAttempts()).isEqualTo(3);
        assertThat(c.poolSettings().ejection()).isEqualTo(PoolSettings.Ejection.DEFAULTS);
        assertThat(c.throttle()).isEqualTo(RateLimits.NONE);
        assertThat(c.worker().enable()).isFalse();
        assertThat(c.storage()).isEqualTo(StorageSettings.sqlite(null)); // embedded SQLite
        assertThat(c.storage().usesPostgres()).isFalse();
        assertThat(c.worker()).isEqualTo(WorkerSettings.defaults()); // single machine: embedded queue, concurrency 5
        assertThat(c.commercialLicenseTrial()).isNull();
        assertThat(c.warnings()).isEmpty();
        SmtpConfig base = new SmtpConfig("hello@localhost", "localhost", null, 25, null, 1);
        for (Provider p : Provider.values()) {
            if (p == Provider.HOTMAIL_B2C || p == Provider.YAHOO) {
                assertThat(c.verifMethod().method(p)).isInstanceOf(ProviderMethod.Headless.class);
            } else {
                assertThat(smtp(c, p)).as(p.key()).isEqualTo(base);
            }
        }
    }

    @Test
    void theShippedFileEqualsTheDefaultsAndHasNoUnknownKeys() {
        Path shipped = Path.of("..", ConfigLoader.DEFAULT_FILE).toAbsolutePath().normalize();
        assertThat(shipped).exists();
        BackendConfig fromFile = ConfigLoader.load(shipped, Map.of(), Path.of("."));
        assertThat(fromFile.source()).isEqualTo(shipped);
        assertThat(fromFile.warnings()).isEmpty();
        assertThat(withoutSource(fromFile)).isEqualTo(withoutSource(env(Map.of())));
    }

    /** The same record with {@code source} cleared, so two configurations can be compared. */
    private static BackendConfig withoutSource(BackendConfig c) {
        try {
            RecordComponent[] parts = BackendConfig.class.getRecordComponents();
            Object[] values = new Object[parts.length];
            Class<?>[] types = new Class<?>[parts.length];
            for (int i = 0; i < parts.length; i++) {
                values[i] = "source".equals(parts[i].getName()) ? null : parts[i].getAccessor().invoke(c);
                types[i] = parts[i].getType();
            }
            return BackendConfig.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    // ---- TOML only ---------------------------------------------------------------------------------

    @Test
    void everyKeyFromToml() {
        BackendConfig c = toml("""
                backend_name = "b1"
                http_host = "0.0.0.0"
                http_port = 9000
                hello_name = "mail.example.com"
                from_email = "verify@example.com"
                smtp_timeout = 45
                smtp_port = 587
                retries = 2
                header_secret = "s3cret"
                sentry_dsn = "https://key@sentry.example/1"
                webdriver_addr = "http://wd:9515"
                shutdown_timeout = 10
                [webdriver]
                binary = "/usr/bin/chromium"
                [dns]
                servers = ["10.0.0.2", "10.0.0.3:5353"]
                timeout_ms = 800
                attempts = 3
                cache_max_ttl_secs = 60
                proxy_dns = "local"
                [proxy]
                host = "proxy.example"
                port = 1080
                username = "alice"
                password = "pw"
                timeout_ms = 900
                weight = 2
                hello_name = "p.example"
                from_email = "p@example"
                max_in_flight = 7
                max_requests_per_second = 1
                max_requests_per_minute = 2
                max_requests_per_hour = 3
                max_requests_per_day = 4
                [overrides.proxies]
                proxy1 = { host = "10.0.0.11", port = 1081 }
                [overrides.proxies.proxy2]
                host = "10.0.0.12"
                port = 1082
                [overrides.gmail]
                type = "smtp"
                proxy = "proxy1,proxy2"
                smtp_timeout = { secs = 23, nanos = 5 }
                [overrides.yahoo]
                type = "api"
                [proxy_pool]
                enabled = true
                strategy = "weighted"
                proxies = ["default", "proxy1"]
                max_attempts = 4
                retry_on_blacklist = false
                [proxy_pool.ejection]
                consecutive_failures = 2
                base_ejection_ms = 1000
                max_ejection_ms = 9000
                [proxy_pool.health_check]
                enabled = true
                interval_secs = 15
                timeout_ms = 2500
                target = "mx.example.net:25"
                [throttle]
                max_requests_per_second = 10
                max_requests_per_minute = 20
                max_requests_per_hour = 30
                max_requests_per_day = 40
                [worker]
                enable = false
                [worker.rabbitmq]
                url = "amqp://u:p@mq:5672"
                concurrency = 9
                [storage.postgres]
                db_url = "postgres://u:p@db/reacher"
                extra = { tenant = "acme" }
                [commercial_license_trial]
                api_token = "tok"
                url = "https://trial.example"
                """);
        assertThat(c.backendName()).isEqualTo("b1");
        assertThat(c.httpHost()).isEqualTo("0.0.0.0");
        assertThat(c.httpPort()).isEqualTo(9000);
        assertThat(c.smtpTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.smtpPort()).isEqualTo(587);
        assertThat(c.retries()).isEqualTo(2);
        assertThat(c.headerSecret()).isEqualTo("s3cret");
        assertThat(c.sentryDsn()).isEqualTo("https://key@sentry.example/1");
        assertThat(c.webdriverAddr()).isEqualTo("http://wd:9515");
        assertThat(c.webdriverBinary()).isEqualTo("/usr/bin/chromium");
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.dns().spec()).isEqualTo("10.0.0.2:53,10.0.0.3:5353");
        assertThat(c.dns().timeout()).isEqualTo(Duration.ofMillis(800));
        assertThat(c.dns().attempts()).isEqualTo(3);
        assertThat(c.dns().cacheMaxTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.proxyDns()).isEqualTo(SmtpVerifier.ProxyDns.LOCAL);
        assertThat(c.proxies().get("default")).isEqualTo(new PoolProxy("default",
                new ProxyConfig("proxy.example", 1080, "alice", "pw", 900L), 2, "p.example", "p@example", 7,
                new RateLimits(1, 2, 3, 4)));
        assertThat(c.proxies().get("proxy1")).isEqualTo(PoolProxy.of("proxy1", new ProxyConfig("10.0.0.11", 1081)));
        assertThat(c.proxies()).containsOnlyKeys("default", "proxy1", "proxy2");
        assertThat(smtp(c, Provider.GMAIL).proxy()).isEqualTo("proxy1,proxy2");
        assertThat(smtp(c, Provider.GMAIL).smtpTimeout()).isEqualTo(Duration.ofSeconds(23, 5));
        assertThat(smtp(c, Provider.GMAIL).smtpPort()).isEqualTo(587);
        assertThat(c.verifMethod().method(Provider.YAHOO)).isInstanceOf(ProviderMethod.Api.class);
        // Pool enabled: unpinned providers name no proxy, so they rotate over the pool.
        assertThat(smtp(c, Provider.EVERYTHING_ELSE).proxy()).isNull();
        assertThat(c.poolSettings()).isEqualTo(new PoolSettings(true, "weighted", List.of("default", "proxy1"), 4, false,
                new PoolSettings.Ejection(2, Duration.ofSeconds(1), Duration.ofSeconds(9)), PoolSettings.Blacklist.DEFAULTS,
                new PoolSettings.HealthCheck(true, Duration.ofSeconds(15), Duration.ofMillis(2500), "mx.example.net", 25)));
        assertThat(c.throttle()).isEqualTo(new RateLimits(10, 20, 30, 40));
        assertThat(c.worker()).isEqualTo(WorkerSettings.builder().rabbitmqUrl("amqp://u:p@mq:5672").enable(false)
                .concurrency(9).queueName("check_email").consume(true).backendName("b1")
                .rpcTimeout(Duration.ofSeconds(120)).unknownRetries(1)
                .webhooks(WebhookSender.Settings.defaults()).shutdownGrace(Duration.ofSeconds(60)).build());
        assertThat(c.storage().postgresUrl()).isEqualTo("postgres://u:p@db/reacher");
        assertThat(c.storage().extra().get("tenant").asText()).isEqualTo("acme");
        assertThat(c.commercialLicenseTrial()).isEqualTo(new BackendConfig.LicenseTrial("tok", "https://trial.example"));
        assertThat(c.warnings()).hasSize(2).allMatch(w -> w.contains("not supported"));
        assertThat(c.toString()).doesNotContain("s3cret").doesNotContain("pw").doesNotContain("u:p@");
    }

    // ---- environment only: every documented variable -----------------------------------------------

    static Stream<Arguments> everyEnvVar() {
        List<Arguments> rows = new ArrayList<>();
        row(rows, "RCH__BACKEND_NAME", "test-backend", BackendConfig::backendName, "test-backend");
        row(rows, "RCH__HTTP_HOST", "0.0.0.0", BackendConfig::httpHost, "0.0.0.0");
        row(rows, "RCH__HTTP_HOST", "::", BackendConfig::httpHost, "::");
        row(rows, "RCH__HTTP_PORT", "9090", BackendConfig::httpPort, 9090);
        row(rows, "PORT", "7070", BackendConfig::httpPort, 7070);
        row(rows, "RCH__HELLO_NAME", "h.example", BackendConfig::helloName, "h.example");
        row(rows, "RCH__FROM_EMAIL", "f@example", BackendConfig::fromEmail, "f@example");
        row(rows, "RCH__SMTP_TIMEOUT", "45", BackendConfig::smtpTimeout, Duration.ofSeconds(45));
        row(rows, "RCH__SMTP_PORT", "2525", BackendConfig::smtpPort, 2525);
        row(rows, "RCH__RETRIES", "3", BackendConfig::retries, 3);
        row(rows, "RCH__HEADER_SECRET", "s", BackendConfig::headerSecret, "s");
        row(rows, "RCH__HEADER_SECRET", "", BackendConfig::headerSecret, null);
        row(rows, "RCH__SENTRY_DSN", "dsn", BackendConfig::sentryDsn, "dsn");
        row(rows, "RCH__WEBDRIVER_ADDR", "http://wd:1", BackendConfig::webdriverAddr, "http://wd:1");
        row(rows, "RCH__WEBDRIVER__BINARY", "/bin/chrome", BackendConfig::webdriverBinary, "/bin/chrome");
        row(rows, "RCH__WEBDRIVER__MAX_SESSIONS", "2", c -> c.headless().maxSessions(), 2);
        row(rows, "RCH__WEBDRIVER__RECYCLE_AFTER", "7", c -> c.headless().recycleAfter(), 7);
        row(rows, "RCH__WEBDRIVER__ELEMENT_WAIT_SECS", "5", c -> c.headless().elementWait(), Duration.ofSeconds(5));
        row(rows, "RCH__WEBDRIVER__CHECK_TIMEOUT_SECS", "20", c -> c.headless().checkTimeout(), Duration.ofSeconds(20));
        row(rows, "RCH__WEBDRIVER__HOTMAILB2C_PAGE", "http://127.0.0.1:1/h", c -> c.headless().hotmailPage().toString(),
                "http://127.0.0.1:1/h");
        row(rows, "RCH__WEBDRIVER__YAHOO_PAGE", "http://127.0.0.1:1/y", c -> c.headless().yahooPage().toString(),
                "http://127.0.0.1:1/y");
        row(rows, "RCH__YAHOO_API__SIGNUP_URL", "http://127.0.0.1:1/s", c -> c.yahooApi().signupPage().toString(),
                "http://127.0.0.1:1/s");
        row(rows, "RCH__YAHOO_API__VALIDATE_URL", "http://127.0.0.1:1/v", c -> c.yahooApi().validateEndpoint().toString(),
                "http://127.0.0.1:1/v");
        row(rows, "RCH__OVERRIDES__YAHOO__TYPE", "headless", BackendConfig::webdriverRequired, true);
        row(rows, "RCH__SHUTDOWN_TIMEOUT", "0", BackendConfig::shutdownTimeout, Duration.ZERO);
        row(rows, "RCH__DNS__SERVERS", "127.0.0.1:5353,10.0.0.2", c -> c.dns().spec(), "127.0.0.1:5353,10.0.0.2:53");
        row(rows, "RCH__DNS__TIMEOUT_MS", "250", c -> c.dns().timeout(), Duration.ofMillis(250));
        row(rows, "RCH__DNS__ATTEMPTS", "5", c -> c.dns().attempts(), 5);
        row(rows, "RCH__DNS__CACHE_MAX_TTL_SECS", "86400", c -> c.dns().cacheMaxTtl(), Duration.ofDays(1));
        row(rows, "RCH__DNS__CACHE_MAX_TTL_SECS", "0", c -> c.dns().cachesAnswers(), false);
        row(rows, "RCH__DNS__PROXY_DNS", "LOCAL", BackendConfig::proxyDns, SmtpVerifier.ProxyDns.LOCAL);
        row(rows, "RCH__PROXY_POOL__STRATEGY", "sticky", c -> c.poolSettings().strategy(), "sticky");
        row(rows, "RCH__PROXY_POOL__MAX_ATTEMPTS", "7", c -> c.poolSettings().maxAttempts(), 7);
        row(rows, "RCH__PROXY_POOL__RETRY_ON_BLACKLIST", "no", c -> c.poolSettings().retryOnBlacklist(), false);
        row(rows, "RCH__PROXY_POOL__HEALTH_CHECK__ENABLED", "true", c -> c.poolSettings().healthCheck().enabled(), true);
        row(rows, "RCH__PROXY_POOL__HEALTH_CHECK__INTERVAL_SECS", "10", c -> c.poolSettings().healthCheck().interval(),
                Duration.ofSeconds(10));
        row(rows, "RCH__PROXY_POOL__HEALTH_CHECK__TIMEOUT_MS", "1500", c -> c.poolSettings().healthCheck().timeout(),
                Duration.ofMillis(1500));
        row(rows, "RCH__PROXY_POOL__HEALTH_CHECK__TARGET", "smtp.example.com:25",
                c -> c.poolSettings().healthCheck().targetHost() + " " + c.poolSettings().healthCheck().targetPort(),
                "smtp.example.com 25");
        row(rows, "RCH__PROXY_POOL__HEALTH_CHECK__TARGET", "[2001:db8::1]:443",
                c -> c.poolSettings().healthCheck().targetHost() + " " + c.poolSettings().healthCheck().targetPort(),
                "2001:db8::1 443");
        row(rows, "RCH__PROXY_POOL__EJECTION__CONSECUTIVE_FAILURES", "9",
                c -> c.poolSettings().ejection().consecutiveFailures(), 9);
        row(rows, "RCH__PROXY_POOL__EJECTION__BASE_EJECTION_MS", "2000", c -> c.poolSettings().ejection().base(),
                Duration.ofSeconds(2));
        row(rows, "RCH__PROXY_POOL__EJECTION__MAX_EJECTION_MS", "600000", c -> c.poolSettings().ejection().max(),
                Duration.ofMinutes(10));
        row(rows, "RCH__PROXY_POOL__FLEET__LEASE_TTL_SECS", "12", c -> c.fleet().leaseTtl(), Duration.ofSeconds(12));
        row(rows, "RCH__PROXY_POOL__FLEET__ON_STORE_FAILURE", "Local", c -> c.fleet().onStoreFailure(),
                BackendConfig.Fleet.OnStoreFailure.LOCAL);
        row(rows, "RCH__PROXY_POOL__FLEET__ENABLED", "false", c -> c.fleet().enabled(), false);
        row(rows, "RCH__THROTTLE__MAX_REQUESTS_PER_SECOND", "1", c -> c.throttle().perSecond(), 1);
        row(rows, "RCH__THROTTLE__MAX_REQUESTS_PER_MINUTE", "2", c -> c.throttle().perMinute(), 2);
        row(rows, "RCH__THROTTLE__MAX_REQUESTS_PER_HOUR", "3", c -> c.throttle().perHour(), 3);
        row(rows, "RCH__THROTTLE__MAX_REQUESTS_PER_DAY", "4", c -> c.throttle().perDay(), 4);
        row(rows, "RCH__WORKER__ENABLE", "false", c -> c.worker().enable(), false);
        row(rows, "RCH__WORKER__RABBITMQ__URL", "amqp://mq", c -> c.worker().rabbitmqUrl(), "amqp://mq");
        row(rows, "RCH__WORKER__RABBITMQ__CONCURRENCY", "12", c -> c.worker().concurrency(), 12);
        row(rows, "RCH__WORKER__RABBITMQ__QUEUE", "emails", c -> c.worker().queueName(), "emails");
        row(rows, "RCH__WORKER__RPC_TIMEOUT_SECS", "9", c -> c.worker().rpcTimeout(), Duration.ofSeconds(9));
        row(rows, "RCH__WORKER__UNKNOWN_RETRIES", "0", c -> c.worker().unknownRetries(), 0);
        row(rows, "RCH__WORKER__SHUTDOWN_GRACE_SECS", "7", c -> c.worker().shutdownGrace(), Duration.ofSeconds(7));
        row(rows, "RCH__WORKER__HTTP_PORT", "9090", c -> c.worker().httpPort(), 9090);
        row(rows, "RCH__WORKER__WEBHOOK__MAX_ATTEMPTS", "3", c -> c.worker().webhooks().maxAttempts(), 3);
        row(rows, "RCH__WORKER__WEBHOOK__ON_EACH_EMAIL__URL", "http://hooks.test/each", c -> c.worker().defaultOnEachEmail().url(),
                "http://hooks.test/each");
        row(rows, "RCH__STORAGE__POSTGRES__DB_URL", "postgres://u@db/r", c -> c.storage().postgresUrl(), "postgres://u@db/r");
        // A JSON object in one variable is that object (upstream stores it as a string, QUIRK 13).
        row(rows, "RCH__STORAGE__POSTGRES__EXTRA", "{\"a\":1}", c -> c.storage().extra().get("a").asInt(), 1);
        row(rows, "RCH__STORAGE__POSTGRES__SCHEMA", "reacher", c -> c.storage().postgresSchema(), "reacher");
        row(rows, "RCH__STORAGE__SQLITE__PATH", "/tmp/r.db", c -> c.storage().sqlitePath(), java.nio.file.Path.of("/tmp/r.db"));
        row(rows, "RCH__STORAGE__SQLITE__ENABLE", "false", c -> c.storage().stores(), false);
        row(rows, "RCH__COMMERCIAL_LICENSE_TRIAL__API_TOKEN", "tok", c -> c.commercialLicenseTrial().apiToken(), "tok");
        row(rows, "RCH__COMMERCIAL_LICENSE_TRIAL__URL", "https://t", c -> c.commercialLicenseTrial().url(), "https://t");
        return rows.stream();
    }

    private static void row(List<Arguments> rows, String var, String value, Function<BackendConfig, Object> get,
            Object expected) {
        rows.add(Arguments.of(var, value, get, expected));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("everyEnvVar")
    void everyDocumentedVariableIsRead(String var, String value, Function<BackendConfig, Object> get, Object expected) {
        Map<String, String> e = new HashMap<>(Map.of(var, value));
        if (var.startsWith("RCH__STORAGE__POSTGRES__EXTRA")) {
            e.put("RCH__STORAGE__POSTGRES__DB_URL", "postgres://db/x");
        }
        assertThat(get.apply(env(e))).isEqualTo(expected);
    }

    @Test
    void proxyVariablesAndPerProxyPoolSettings() {
        BackendConfig c = env(Map.ofEntries(
                Map.entry("RCH__PROXY__HOST", "test-default-proxy"), Map.entry("RCH__PROXY__PORT", "5678"),
                Map.entry("RCH__PROXY__USERNAME", "u"), Map.entry("RCH__PROXY__PASSWORD", "p"),
                Map.entry("RCH__PROXY__TIMEOUT_MS", "1500"), Map.entry("RCH__PROXY__WEIGHT", "4"),
                Map.entry("RCH__PROXY__HELLO_NAME", "h"), Map.entry("RCH__PROXY__FROM_EMAIL", "f@x"),
                Map.entry("RCH__PROXY__MAX_IN_FLIGHT", "3"), Map.entry("RCH__PROXY__MAX_REQUESTS_PER_SECOND", "5"),
                Map.entry("RCH__PROXY__MAX_REQUESTS_PER_MINUTE", "6"), Map.entry("RCH__PROXY__MAX_REQUESTS_PER_HOUR", "7"),
                Map.entry("RCH__PROXY__MAX_REQUESTS_PER_DAY", "8"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY3__HOST", "test-proxy"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY3__PORT", "1234"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY3__WEIGHT", "3")));
        assertThat(c.proxies().get("default")).isEqualTo(new PoolProxy("default",
                new ProxyConfig("test-default-proxy", 5678, "u", "p", 1500L), 4, "h", "f@x", 3, new RateLimits(5, 6, 7, 8)));
        assertThat(c.proxies().get("proxy3")).isEqualTo(PoolProxy.of("proxy3", new ProxyConfig("test-proxy", 1234)).withWeight(3));
        assertThat(c.verifMethod().proxies()).containsOnlyKeys("default", "proxy3");
    }

    @Test
    void theFleetStateIsOnExactlyWhenWorkerModeIsUnlessSaidOtherwise() {
        assertThat(env(Map.of()).fleet()).isEqualTo(BackendConfig.Fleet.OFF);
        Map<String, String> scaleOut = vars("RCH__WORKER__ENABLE", "true", "RCH__STORAGE__POSTGRES__DB_URL", "postgres://db/x");
        assertThat(env(scaleOut).fleet().enabled()).isTrue();
        assertThat(env(scaleOut).fleet().leaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(env(scaleOut).fleet().onStoreFailure()).isEqualTo(BackendConfig.Fleet.OnStoreFailure.PAUSE);
        // PostgreSQL without worker mode: one process, its own state, unless turned on.
        assertThat(env(vars("RCH__STORAGE__POSTGRES__DB_URL", "postgres://db/x")).fleet().enabled()).isFalse();
        assertThat(env(vars("RCH__STORAGE__POSTGRES__DB_URL", "postgres://db/x", "RCH__PROXY_POOL__FLEET__ENABLED", "true"))
                .fleet().enabled()).isTrue();
        scaleOut.put("RCH__PROXY_POOL__FLEET__ENABLED", "false");
        assertThat(env(scaleOut).fleet().enabled()).isFalse();
    }

    /** Upstream's config::test_proxies and test_default_proxy. */
    @Test
    void upstreamProxyVectors() {
        BackendConfig named = env(Map.of("RCH__OVERRIDES__PROXIES__PROXY3__HOST", "test-proxy",
                "RCH__OVERRIDES__PROXIES__PROXY3__PORT", "1234"));
        assertThat(named.verifMethod().proxies()).containsExactly(Map.entry("proxy3", new ProxyConfig("test-proxy", 1234)));
        BackendConfig single = env(Map.of("RCH__PROXY__HOST", "test-default-proxy", "RCH__PROXY__PORT", "5678"));
        assertThat(single.verifMethod().proxies())
                .containsExactly(Map.entry("default", new ProxyConfig("test-default-proxy", 5678)));
        // Pool off: every SMTP provider goes through `default`, as upstream.
        assertThat(smtp(single, Provider.EVERYTHING_ELSE).proxy()).isEqualTo("default");
        assertThat(smtp(single, Provider.GMAIL).proxy()).isEqualTo("default");
    }

    @Test
    void providerOverridesFromTheEnvironmentIncludingNumbers() {
        BackendConfig c = env(vars(
                "RCH__OVERRIDES__PROXIES__PROXY1__HOST", "h1", "RCH__OVERRIDES__PROXIES__PROXY1__PORT", "1",
                "RCH__OVERRIDES__PROXIES__PROXY2__HOST", "h2", "RCH__OVERRIDES__PROXIES__PROXY2__PORT", "2",
                "RCH__OVERRIDES__GMAIL__TYPE", "smtp", "RCH__OVERRIDES__GMAIL__PROXY", "proxy1, PROXY2",
                "RCH__OVERRIDES__GMAIL__SMTP_PORT", "587", "RCH__OVERRIDES__GMAIL__RETRIES", "3",
                "RCH__OVERRIDES__GMAIL__SMTP_TIMEOUT__SECS", "23", "RCH__OVERRIDES__GMAIL__HELLO_NAME", "g.example",
                "RCH__OVERRIDES__YAHOO__TYPE", "smtp", "RCH__OVERRIDES__HOTMAILB2C__TYPE", "smtp"));
        assertThat(smtp(c, Provider.GMAIL))
                .isEqualTo(new SmtpConfig("hello@localhost", "g.example", "proxy1,proxy2", 587, Duration.ofSeconds(23), 3));
        assertThat(smtp(c, Provider.YAHOO)).isEqualTo(new SmtpConfig("hello@localhost", "localhost", null, 25, null, 1));
        assertThat(c.verifMethod().method(Provider.HOTMAIL_B2C)).isInstanceOf(ProviderMethod.Smtp.class);
        for (String p : List.of("hotmailb2b", "mimecast", "proofpoint")) {
            for (String key : List.of("TYPE", "FROM_EMAIL")) {
                BackendConfig o = env(Map.of("RCH__OVERRIDES__" + p.toUpperCase() + "__TYPE", "smtp",
                        "RCH__OVERRIDES__" + p.toUpperCase() + "__FROM_EMAIL", "o@x"));
                assertThat(smtp(o, Provider.fromKey(p)).fromEmail()).as(p + " " + key).isEqualTo("o@x");
            }
        }
    }

    /** Upstream's config::test_deserialize_verif_method, with reacher-java's inheritance fix. */
    @Test
    void upstreamVerifMethodVectorWithInheritance() {
        BackendConfig c = toml("""
                [overrides.proxies]
                proxy1 = { host = "my-proxy1", port = 1080, username = "u1", password = "p1" }
                [overrides.proxies.proxy2]
                host = "my-proxy2"
                port = 1080
                username = "u2"
                password = "p2"
                [overrides.gmail]
                type = "smtp"
                from_email = "from@email.com"
                hello_name = "email.com"
                proxy = "proxy1"
                smtp_port = 465
                retries = 3
                smtp_timeout = { secs = 23, nanos = 0 }
                [overrides.hotmailb2b]
                type = "smtp"
                """);
        assertThat(c.verifMethod().proxies()).hasSize(2);
        assertThat(smtp(c, Provider.GMAIL))
                .isEqualTo(new SmtpConfig("from@email.com", "email.com", "proxy1", 465, Duration.ofSeconds(23), 3));
        // Upstream gives reacher@gmail.com/gmail.com here; we inherit the top-level values.
        SmtpConfig inherited = new SmtpConfig("hello@localhost", "localhost", null, 25, null, 1);
        assertThat(smtp(c, Provider.HOTMAIL_B2B)).isEqualTo(inherited);
        assertThat(smtp(c, Provider.EVERYTHING_ELSE)).isEqualTo(inherited);
    }

    @Test
    void overridesInheritEveryTopLevelValueIncludingTheProxy() {
        BackendConfig c = toml("""
                hello_name = "top.example"
                from_email = "top@example"
                smtp_port = 2525
                smtp_timeout = 9
                retries = 2
                [proxy]
                host = "p"
                port = 1
                [overrides.mimecast]
                type = "smtp"
                hello_name = "mime.example"
                """);
        assertThat(smtp(c, Provider.MIMECAST))
                .isEqualTo(new SmtpConfig("top@example", "mime.example", "default", 2525, Duration.ofSeconds(9), 2));
    }

    @Test
    void aPinnedProxysOwnIdentityWins() {
        BackendConfig c = toml("""
                hello_name = "top.example"
                [overrides.proxies.p1]
                host = "h"
                port = 1
                hello_name = "p1.example"
                [overrides.gmail]
                type = "smtp"
                proxy = "p1"
                hello_name = "gmail.example"
                from_email = "g@example"
                """);
        assertThat(smtp(c, Provider.GMAIL).helloName()).isEqualTo("p1.example");
        assertThat(smtp(c, Provider.GMAIL).fromEmail()).isEqualTo("g@example");
    }

    @Test
    void overridesProxiesDefaultIsReplacedByTheTopLevelProxy() {
        BackendConfig c = toml("""
                [proxy]
                host = "top"
                port = 1
                [overrides.proxies.default]
                host = "named"
                port = 2
                """);
        assertThat(c.proxies().get("default").proxy().host()).isEqualTo("top");
    }

    // ---- both: the environment wins leaf by leaf ----------------------------------------------------

    @Test
    void environmentOverridesTheFileLeafByLeaf() {
        BackendConfig c = ConfigLoader.fromToml("""
                backend_name = "from-file"
                http_port = 8000
                [proxy]
                host = "file-host"
                port = 1080
                [worker.rabbitmq]
                url = "amqp://file"
                concurrency = 7
                [overrides.gmail]
                type = "smtp"
                hello_name = "file.hello"
                """, Map.of("RCH__BACKEND_NAME", "from-env", "RCH__PROXY__PORT", "2080",
                "RCH__WORKER__RABBITMQ__URL", "amqp://env", "RCH__OVERRIDES__GMAIL__FROM_EMAIL", "env@from"));
        assertThat(c.backendName()).isEqualTo("from-env");
        assertThat(c.httpPort()).isEqualTo(8000);
        assertThat(c.proxies().get("default").proxy()).isEqualTo(new ProxyConfig("file-host", 2080));
        assertThat(c.worker().rabbitmqUrl()).isEqualTo("amqp://env");
        assertThat(c.worker().concurrency()).isEqualTo(7);
        assertThat(smtp(c, Provider.GMAIL).helloName()).isEqualTo("file.hello");
        assertThat(smtp(c, Provider.GMAIL).fromEmail()).isEqualTo("env@from");
    }

    @Test
    void portWinsOverHttpPortFromFileAndEnvironment() {
        BackendConfig c = ConfigLoader.fromToml("http_port = 8000", Map.of("RCH__HTTP_PORT", "8001", "PORT", "8002"));
        assertThat(c.httpPort()).isEqualTo(8002);
    }

    @Test
    void keysAreLowercasedFromFileAndEnvironment() {
        BackendConfig c = ConfigLoader.fromToml("""
                [overrides.proxies.Proxy1]
                HOST = "h"
                Port = 1
                [Overrides.GMAIL]
                type = "smtp"
                proxy = "PROXY1"
                """, Map.of("rch__backend_name", "lower", "Rch__Hello_Name", "mixed"));
        assertThat(c.proxies()).containsOnlyKeys("proxy1");
        assertThat(smtp(c, Provider.GMAIL).proxy()).isEqualTo("proxy1");
        assertThat(c.backendName()).isEqualTo("lower");
        assertThat(c.helloName()).isEqualTo("mixed");
    }

    @Test
    void booleansAndNumbersAreCoercedFromStringsEverywhere() {
        for (String yes : List.of("true", "TRUE", "1", "on", "Yes")) {
            BackendConfig c = env(Map.of("RCH__PROXY_POOL__ENABLED", yes, "RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "1"));
            assertThat(c.poolSettings().enabled()).as(yes).isTrue();
        }
        BackendConfig fromTomlStrings = toml("http_port = \"9001\"\n[proxy_pool]\nretry_on_blacklist = \"off\"");
        assertThat(fromTomlStrings.httpPort()).isEqualTo(9001);
        assertThat(fromTomlStrings.poolSettings().retryOnBlacklist()).isFalse();
    }

    @Test
    void poolEnabledTakesTheProxyIdOutOfTheDefaultConfig() {
        BackendConfig c = env(Map.of("RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "1",
                "RCH__OVERRIDES__PROXIES__B__HOST", "h2", "RCH__OVERRIDES__PROXIES__B__PORT", "2",
                "RCH__PROXY_POOL__ENABLED", "true", "RCH__PROXY_POOL__PROXIES", "default,b"));
        assertThat(smtp(c, Provider.EVERYTHING_ELSE).proxy()).isNull();
        assertThat(smtp(c, Provider.GMAIL).proxy()).isNull();
        assertThat(c.poolSettings().members()).containsExactly("default", "b");
    }

    // ---- files --------------------------------------------------------------------------------------

    @Test
    void fileResolution(@TempDir Path dir) throws Exception {
        assertThat(ConfigLoader.load(null, Map.of(), dir).source()).isNull(); // no default file: defaults
        Files.writeString(dir.resolve(ConfigLoader.DEFAULT_FILE), "backend_name = \"cwd\"");
        assertThat(ConfigLoader.load(null, Map.of(), dir).backendName()).isEqualTo("cwd");
        Path other = Files.writeString(dir.resolve("other.toml"), "backend_name = \"other\"");
        assertThat(ConfigLoader.load(null, Map.of(ConfigLoader.CONFIG_FILE_VAR, other.toString()), dir).backendName())
                .isEqualTo("other");
        assertThat(ConfigLoader.load(Path.of("other.toml"), Map.of(), dir).backendName()).isEqualTo("other");
        // --config wins over RCH__CONFIG_FILE, which is not itself a configuration key.
        BackendConfig both = ConfigLoader.load(dir.resolve(ConfigLoader.DEFAULT_FILE),
                Map.of(ConfigLoader.CONFIG_FILE_VAR, other.toString()), dir);
        assertThat(both.backendName()).isEqualTo("cwd");
        assertThat(both.warnings()).isEmpty();
    }

    @Test
    void anExplicitFileMustExist(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.load(Path.of("missing.toml"), Map.of(), dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("configuration file " + dir.resolve("missing.toml") + " not found (given by --config)");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(ConfigLoader.CONFIG_FILE_VAR, "/nonexistent/x.toml"), dir))
                .hasMessage("configuration file /nonexistent/x.toml not found (given by RCH__CONFIG_FILE)");
    }

    @Test
    void tomlSyntaxErrorsAreOneLine() {
        assertThatThrownBy(() -> toml("http_port = = 3"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("cannot parse the TOML configuration: ")
                        .doesNotContain("\n"));
    }

    // ---- warnings -----------------------------------------------------------------------------------

    @Test
    void unknownKeysAreReportedNotFatal() {
        BackendConfig c = ConfigLoader.fromToml("backend_nmae = \"typo\"\n[proxy_pool]\nstrategi = \"x\"",
                Map.of("RCH__WORKER__THROTTLE__MAX_REQUESTS_PER_DAY", "10", "OTHER_VAR", "x"));
        assertThat(c.warnings()).containsExactly(
                "unknown configuration key backend_nmae (from file TOML) is ignored",
                "unknown configuration key proxy_pool.strategi (from file TOML) is ignored",
                "unknown configuration key worker.throttle.max_requests_per_day (from env "
                        + "RCH__WORKER__THROTTLE__MAX_REQUESTS_PER_DAY) is ignored");
    }

    @Test
    void freeFormAndUnusedUpstreamKeysAreNotUnknown() {
        BackendConfig c = toml("""
                [worker.webhook.on_each_email]
                url = "https://hook"
                headers = { a = "b" }
                [storage.postgres]
                db_url = "postgres://db/x"
                extra = { any = { nested = 1 } }
                """);
        assertThat(c.warnings()).noneMatch(w -> w.startsWith("unknown"));
        assertThat(c.worker().defaultOnEachEmail()).isEqualTo(new dev.reacher.server.webhook.Webhook("https://hook", Map.of("a", "b"), null));
    }

    // ---- invalid values: one line, the key, the variable, the expectation ------------------------------

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(Map.of("RCH__HTTP_PORT", "80a"),
                        "http_port (RCH__HTTP_PORT): expected a port number 0-65535, got \"80a\" (from env RCH__HTTP_PORT)"),
                Arguments.of(Map.of("RCH__HTTP_PORT", "70000"),
                        "http_port (RCH__HTTP_PORT): expected a port number 0-65535, got \"70000\" (from env RCH__HTTP_PORT)"),
                Arguments.of(Map.of("PORT", "x"), "http_port (PORT): expected a port number 0-65535, got \"x\" (from env PORT)"),
                Arguments.of(Map.of("RCH__HTTP_HOST", "localhost"),
                        "http_host (RCH__HTTP_HOST): expected an IP address such as 0.0.0.0, 127.0.0.1 or :: (host names "
                                + "such as localhost are not accepted, as upstream), got \"localhost\" (from env RCH__HTTP_HOST)"),
                Arguments.of(Map.of("RCH__SMTP_TIMEOUT", ""),
                        "smtp_timeout (RCH__SMTP_TIMEOUT): expected a whole number of seconds 1-86400, got \"\" (from env "
                                + "RCH__SMTP_TIMEOUT)"),
                Arguments.of(Map.of("RCH__SMTP_TIMEOUT", "0"), "smtp_timeout (RCH__SMTP_TIMEOUT): expected a whole number"),
                Arguments.of(Map.of("RCH__SMTP_PORT", "0"), "smtp_port (RCH__SMTP_PORT): expected a port number 1-65535"),
                Arguments.of(Map.of("RCH__RETRIES", "zero"), "retries (RCH__RETRIES): expected a whole number of attempts"),
                Arguments.of(Map.of("RCH__SHUTDOWN_TIMEOUT", "-1"), "shutdown_timeout (RCH__SHUTDOWN_TIMEOUT): expected"),
                Arguments.of(Map.of("RCH__DNS__SERVERS", "dns.google"),
                        "dns.servers (RCH__DNS__SERVERS): expected a comma-separated list of DNS server IP addresses"),
                Arguments.of(Map.of("RCH__DNS__TIMEOUT_MS", "0"), "dns.timeout_ms (RCH__DNS__TIMEOUT_MS): expected"),
                Arguments.of(Map.of("RCH__DNS__ATTEMPTS", "11"), "dns.attempts (RCH__DNS__ATTEMPTS): expected a whole number 1-10"),
                Arguments.of(Map.of("RCH__DNS__CACHE_MAX_TTL_SECS", "86401"), "dns.cache_max_ttl_secs "
                        + "(RCH__DNS__CACHE_MAX_TTL_SECS): expected a whole number of seconds 0-86400 (0: no cache), got "
                        + "\"86401\" (from env RCH__DNS__CACHE_MAX_TTL_SECS)"),
                Arguments.of(Map.of("RCH__DNS__CACHE_MAX_TTL_SECS", "-1"),
                        "dns.cache_max_ttl_secs (RCH__DNS__CACHE_MAX_TTL_SECS): expected a whole number of seconds 0-86400"),
                Arguments.of(Map.of("RCH__DNS__CACHE_MAX_TTL_SECS", "5m"),
                        "dns.cache_max_ttl_secs (RCH__DNS__CACHE_MAX_TTL_SECS): expected a whole number of seconds 0-86400"),
                Arguments.of(Map.of("RCH__DNS__PROXY_DNS", "both"),
                        "dns.proxy_dns (RCH__DNS__PROXY_DNS): expected \"remote\" (the proxy resolves MX hosts) or \"local\""),
                Arguments.of(Map.of("RCH__PROXY__HOST", "h"),
                        "proxy.port (RCH__PROXY__PORT): missing: a proxy needs host and port"),
                Arguments.of(Map.of("RCH__PROXY__PORT", "1080"),
                        "proxy.host (RCH__PROXY__HOST): missing: a proxy needs host and port"),
                Arguments.of(Map.of("RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "socks"),
                        "proxy.port (RCH__PROXY__PORT): expected a port number 1-65535, got \"socks\""),
                Arguments.of(Map.of("RCH__OVERRIDES__PROXIES__P1__HOST", "h", "RCH__OVERRIDES__PROXIES__P1__PORT", "1",
                        "RCH__OVERRIDES__PROXIES__P1__WEIGHT", "0"),
                        "overrides.proxies.p1.weight (RCH__OVERRIDES__PROXIES__P1__WEIGHT): expected a whole number ≥ 1, "
                                + "got \"0\""),
                Arguments.of(Map.of("RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "1", "RCH__PROXY__MAX_IN_FLIGHT", "0"),
                        "proxy.max_in_flight (RCH__PROXY__MAX_IN_FLIGHT): expected a whole number ≥ 1"),
                Arguments.of(Map.of("RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "1", "RCH__PROXY__MAX_REQUESTS_PER_DAY", "-3"),
                        "proxy.max_requests_per_day (RCH__PROXY__MAX_REQUESTS_PER_DAY): expected a whole number ≥ 1"),
                Arguments.of(Map.of("RCH__PROXY_POOL__FLEET__ENABLED", "true"),
                        "proxy_pool.fleet.enabled (RCH__PROXY_POOL__FLEET__ENABLED): is true but the shared proxy state "
                                + "lives in PostgreSQL: set storage.postgres.db_url (RCH__STORAGE__POSTGRES__DB_URL)"),
                Arguments.of(Map.of("RCH__PROXY_POOL__FLEET__LEASE_TTL_SECS", "1"),
                        "proxy_pool.fleet.lease_ttl_secs (RCH__PROXY_POOL__FLEET__LEASE_TTL_SECS): expected a whole number "
                                + "of seconds 3-3600"),
                Arguments.of(Map.of("RCH__PROXY_POOL__FLEET__ON_STORE_FAILURE", "ignore"),
                        "proxy_pool.fleet.on_store_failure (RCH__PROXY_POOL__FLEET__ON_STORE_FAILURE): expected one of "
                                + "pause, local"),
                Arguments.of(Map.of("RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "1", "RCH__PROXY__TIMEOUT_MS", "soon"),
                        "proxy.timeout_ms (RCH__PROXY__TIMEOUT_MS): expected a whole number of milliseconds ≥ 0"),
                Arguments.of(Map.of("RCH__OVERRIDES__GMAIL__TYPE", "smtp", "RCH__OVERRIDES__GMAIL__PROXY", "proxy9"),
                        "overrides.gmail.proxy (RCH__OVERRIDES__GMAIL__PROXY): unknown proxy id `proxy9`, expected one of "
                                + "the defined proxies: none is defined (from env RCH__OVERRIDES__GMAIL__PROXY)"),
                Arguments.of(Map.of("RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "1", "RCH__OVERRIDES__MIMECAST__TYPE", "smtp",
                        "RCH__OVERRIDES__MIMECAST__PROXY", "default,nope"),
                        "overrides.mimecast.proxy (RCH__OVERRIDES__MIMECAST__PROXY): unknown proxy id `nope`, expected one "
                                + "of the defined proxies: default"),
                Arguments.of(Map.of("RCH__OVERRIDES__GMAIL__TYPE", "headless"),
                        "overrides.gmail.type (RCH__OVERRIDES__GMAIL__TYPE): expected \"smtp\", got \"headless\""),
                Arguments.of(Map.of("RCH__OVERRIDES__YAHOO__TYPE", "Smtp"),
                        "overrides.yahoo.type (RCH__OVERRIDES__YAHOO__TYPE): expected \"smtp\", \"headless\" or \"api\", "
                                + "got \"Smtp\""),
                Arguments.of(Map.of("RCH__OVERRIDES__HOTMAILB2C__HELLO_NAME", "x"),
                        "overrides.hotmailb2c.type (RCH__OVERRIDES__HOTMAILB2C__TYPE): missing: expected \"smtp\" or "
                                + "\"headless\""),
                Arguments.of(Map.of("RCH__OVERRIDES__GMAIL__TYPE", "smtp", "RCH__OVERRIDES__GMAIL__SMTP_PORT", "x"),
                        "overrides.gmail.smtp_port (RCH__OVERRIDES__GMAIL__SMTP_PORT): expected a port number 1-65535"),
                Arguments.of(Map.of("RCH__OVERRIDES__GMAIL__TYPE", "smtp", "RCH__OVERRIDES__GMAIL__SMTP_TIMEOUT__NANOS", "5"),
                        "overrides.gmail.smtp_timeout.secs (RCH__OVERRIDES__GMAIL__SMTP_TIMEOUT__SECS): missing"),
                Arguments.of(Map.of("RCH__OVERRIDES__GMAIL__TYPE", "smtp", "RCH__OVERRIDES__GMAIL__SMTP_TIMEOUT", "0"),
                        "overrides.gmail.smtp_timeout (RCH__OVERRIDES__GMAIL__SMTP_TIMEOUT): expected a duration"),
                Arguments.of(Map.of("RCH__OVERRIDES__GMAIL__TYPE", "smtp", "RCH__OVERRIDES__GMAIL__RETRIES", "many"),
                        "overrides.gmail.retries (RCH__OVERRIDES__GMAIL__RETRIES): expected a whole number of attempts 0-100"),
                Arguments.of(Map.of("RCH__WEBDRIVER_ADDR", "localhost:9515"),
                        "webdriver_addr (RCH__WEBDRIVER_ADDR): expected an http(s) URL such as http://localhost:9515"),
                Arguments.of(Map.of("RCH__WEBDRIVER__MAX_SESSIONS", "0"),
                        "webdriver.max_sessions (RCH__WEBDRIVER__MAX_SESSIONS): expected a whole number 1-64"),
                Arguments.of(Map.of("RCH__WEBDRIVER__YAHOO_PAGE", "ftp://x/forgot"),
                        "webdriver.yahoo_page (RCH__WEBDRIVER__YAHOO_PAGE): expected an http(s) URL"),
                Arguments.of(Map.of("RCH__YAHOO_API__VALIDATE_URL", "nowhere"),
                        "yahoo_api.validate_url (RCH__YAHOO_API__VALIDATE_URL): expected an http(s) URL"),
                Arguments.of(Map.of("RCH__PROXY_POOL__ENABLED", "maybe"),
                        "proxy_pool.enabled (RCH__PROXY_POOL__ENABLED): expected a boolean (true/false, 1/0, on/off, yes/no), "
                                + "got \"maybe\""),
                Arguments.of(Map.of("RCH__PROXY_POOL__ENABLED", "true"),
                        "proxy_pool.enabled (RCH__PROXY_POOL__ENABLED): is true but no proxy is defined: expected [proxy]"),
                Arguments.of(Map.of("RCH__PROXY_POOL__STRATEGY", "fastest"),
                        "proxy_pool.strategy (RCH__PROXY_POOL__STRATEGY): expected one of round_robin, random, weighted, "
                                + "least_used, sticky, got \"fastest\""),
                Arguments.of(Map.of("RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "1", "RCH__PROXY_POOL__PROXIES", "default,ghost"),
                        "proxy_pool.proxies (RCH__PROXY_POOL__PROXIES): unknown proxy id `ghost`, expected one of the "
                                + "defined proxies: default"),
                Arguments.of(Map.of("RCH__PROXY_POOL__MAX_ATTEMPTS", "0"),
                        "proxy_pool.max_attempts (RCH__PROXY_POOL__MAX_ATTEMPTS): expected a whole number 1-100"),
                Arguments.of(Map.of("RCH__PROXY_POOL__HEALTH_CHECK__ENABLED", "sometimes"),
                        "proxy_pool.health_check.enabled (RCH__PROXY_POOL__HEALTH_CHECK__ENABLED): expected a boolean"),
                Arguments.of(Map.of("RCH__PROXY_POOL__HEALTH_CHECK__INTERVAL_SECS", "0"),
                        "proxy_pool.health_check.interval_secs (RCH__PROXY_POOL__HEALTH_CHECK__INTERVAL_SECS): expected a "
                                + "whole number of seconds 1-86400, got \"0\""),
                Arguments.of(Map.of("RCH__PROXY_POOL__HEALTH_CHECK__TIMEOUT_MS", "90000"),
                        "proxy_pool.health_check.timeout_ms (RCH__PROXY_POOL__HEALTH_CHECK__TIMEOUT_MS): expected a "
                                + "whole number of milliseconds 1-60000"),
                Arguments.of(Map.of("RCH__PROXY_POOL__HEALTH_CHECK__TARGET", "smtp.example.com"),
                        "proxy_pool.health_check.target (RCH__PROXY_POOL__HEALTH_CHECK__TARGET): expected host:port"),
                Arguments.of(Map.of("RCH__PROXY_POOL__HEALTH_CHECK__TARGET", "smtp.example.com:70000"),
                        "proxy_pool.health_check.target (RCH__PROXY_POOL__HEALTH_CHECK__TARGET): expected host:port"),
                Arguments.of(Map.of("RCH__PROXY_POOL__EJECTION__CONSECUTIVE_FAILURES", "0"),
                        "proxy_pool.ejection.consecutive_failures (RCH__PROXY_POOL__EJECTION__CONSECUTIVE_FAILURES): expected"),
                Arguments.of(Map.of("RCH__PROXY_POOL__EJECTION__BASE_EJECTION_MS", "5000",
                        "RCH__PROXY_POOL__EJECTION__MAX_EJECTION_MS", "1000"),
                        "proxy_pool.ejection.max_ejection_ms (RCH__PROXY_POOL__EJECTION__MAX_EJECTION_MS): expected at least "
                                + "base_ejection_ms (5000), got 1000"),
                Arguments.of(Map.of("RCH__THROTTLE__MAX_REQUESTS_PER_MINUTE", "0"),
                        "throttle.max_requests_per_minute (RCH__THROTTLE__MAX_REQUESTS_PER_MINUTE): expected a whole number ≥ 1 "
                                + "(remove the key for no limit), got \"0\""),
                Arguments.of(Map.of("RCH__WORKER__ENABLE", "true"),
                        "worker.enable (RCH__WORKER__ENABLE): When worker mode is enabled, a Postgres database must be "
                                + "configured: set storage.postgres.db_url (RCH__STORAGE__POSTGRES__DB_URL) (from env "
                                + "RCH__WORKER__ENABLE)"),
                Arguments.of(Map.of("RCH__WORKER__ENABLE", "true", "RCH__STORAGE__POSTGRES__DB_URL", "postgres://db/r",
                        "RCH__WORKER__RABBITMQ__URL", "http://mq:5672"),
                        "worker.rabbitmq.url (RCH__WORKER__RABBITMQ__URL): expected an amqp:// or amqps:// URL, got a value "
                                + "that is not shown (secret)"),
                Arguments.of(Map.of("RCH__WORKER__CONSUME", "false"),
                        "worker.consume (RCH__WORKER__CONSUME): false only makes sense in worker mode"),
                Arguments.of(Map.of("RCH__STORAGE__POSTGRES__DB_URL", "mysql://db/r"),
                        "storage.postgres.db_url (RCH__STORAGE__POSTGRES__DB_URL): expected a postgres://user:password@host:5432/"
                                + "database URL, got a value that is not shown (secret)"),
                Arguments.of(Map.of("RCH__WORKER__WEBHOOK__ON_EACH_EMAIL__HEADERS__X", "1"),
                        "worker.webhook.on_each_email.url (RCH__WORKER__WEBHOOK__ON_EACH_EMAIL__URL): missing: a webhook needs a url"),
                Arguments.of(Map.of("RCH__WORKER__ENABLE", "perhaps"),
                        "worker.enable (RCH__WORKER__ENABLE): expected a boolean"),
                Arguments.of(Map.of("RCH__WORKER__RABBITMQ__CONCURRENCY", "0"),
                        "worker.rabbitmq.concurrency (RCH__WORKER__RABBITMQ__CONCURRENCY): expected a whole number 1-65535"),
                Arguments.of(Map.of("RCH__OVERRIDES__PROXIES", "p1"),
                        "overrides.proxies (RCH__OVERRIDES__PROXIES): expected a table of named entries, got \"p1\""),
                Arguments.of(Map.of("RCH__PROXY", "socks5://h:1"), "proxy (RCH__PROXY): expected a table, got"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void invalidValuesStopStartupWithOneLine(Map<String, String> env, String expected) {
        assertThatThrownBy(() -> env(env))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).startsWith(expected).doesNotContain("\n");
                    assertThat(((ConfigException) e).key()).isNotBlank();
                });
    }

    @Test
    void invalidTomlValuesNameTheFileAsOrigin() {
        assertThatThrownBy(() -> toml("[proxy]\nhost = \"h\"\nport = 99999"))
                .hasMessage("proxy.port (RCH__PROXY__PORT): expected a port number 1-65535, got 99999 (from file TOML)");
        assertThatThrownBy(() -> toml("[overrides.proxies.\"bad,id\"]\nhost = \"h\"\nport = 1"))
                .hasMessageStartingWith("overrides.proxies.bad,id (RCH__OVERRIDES__PROXIES__BAD,ID): a proxy id may hold only");
    }

    @Test
    void smtpPolitenessDefaultsTomlAndEnvironment() {
        assertThat(env(Map.of()).politeness()).isEqualTo(Politeness.DEFAULTS);
        assertThat(Politeness.DEFAULTS).isEqualTo(new Politeness(5, Duration.ZERO, Duration.ofHours(1), 10));
        assertThat(toml("[smtp_politeness]\nmax_concurrency = 2\nmin_interval_ms = 250\ncatch_all_ttl_secs = 0\n"
                + "max_rcpt_per_session = 1").politeness())
                .isEqualTo(new Politeness(2, Duration.ofMillis(250), Duration.ZERO, 1));
        BackendConfig fromEnv = ConfigLoader.fromToml("[smtp_politeness]\nmax_concurrency = 2", vars(
                "RCH__SMTP_POLITENESS__MAX_CONCURRENCY", "7", "RCH__SMTP_POLITENESS__MIN_INTERVAL_MS", "100",
                "RCH__SMTP_POLITENESS__CATCH_ALL_TTL_SECS", "60", "RCH__SMTP_POLITENESS__MAX_RCPT_PER_SESSION", "25"));
        assertThat(fromEnv.politeness())
                .isEqualTo(new Politeness(7, Duration.ofMillis(100), Duration.ofSeconds(60), 25));
        assertThat(fromEnv.politeness().sharesSessions()).isTrue();
        assertThat(fromEnv.politeness().cachesCatchAll()).isTrue();
        assertThat(fromEnv.warnings()).isEmpty();
    }

    @Test
    void badMaxRcptPerSessionNamesTheKeyAndVariable() {
        assertThatThrownBy(() -> env(vars("RCH__SMTP_POLITENESS__MAX_RCPT_PER_SESSION", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("smtp_politeness.max_rcpt_per_session (RCH__SMTP_POLITENESS__MAX_RCPT_PER_SESSION): "
                        + "expected a whole number of recipients 1-1000 (1: a session per address), got");
    }

    @Test
    void badSmtpPolitenessValuesNameTheKeyAndVariable() {
        assertThatThrownBy(() -> env(vars("RCH__SMTP_POLITENESS__MAX_CONCURRENCY", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("smtp_politeness.max_concurrency (RCH__SMTP_POLITENESS__MAX_CONCURRENCY): "
                        + "expected a whole number of sessions 1-100000, got");
        assertThatThrownBy(() -> toml("[smtp_politeness]\nmin_interval_ms = -1"))
                .hasMessageStartingWith("smtp_politeness.min_interval_ms (RCH__SMTP_POLITENESS__MIN_INTERVAL_MS): expected");
        assertThatThrownBy(() -> env(vars("RCH__SMTP_POLITENESS__CATCH_ALL_TTL_SECS", "an hour")))
                .hasMessageStartingWith("smtp_politeness.catch_all_ttl_secs (RCH__SMTP_POLITENESS__CATCH_ALL_TTL_SECS): "
                        + "expected a whole number of seconds 0-604800 (0: no catch-all cache)");
        assertThatThrownBy(() -> env(vars("RCH__SMTP_POLITENESS", "5")))
                .hasMessageStartingWith("smtp_politeness (RCH__SMTP_POLITENESS): expected a table");
    }

    @Test
    void secretValuesAreNeverQuotedInErrors() {
        for (Map<String, String> env : List.of(
                Map.of("RCH__PROXY__HOST", "h", "RCH__PROXY__PORT", "1", "RCH__PROXY__PASSWORD__X", "hunter2-very-secret"),
                Map.of("RCH__HEADER_SECRET__NESTED", "hunter2-very-secret"),
                Map.of("RCH__STORAGE__POSTGRES__DB_URL__X", "hunter2-very-secret"))) {
            assertThatThrownBy(() -> env(env)).isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2").contains("not shown (secret)"));
        }
    }

    @Test
    void aRestartOnlyChangeIsNamedByItsOwnSectionOnly() {
        BackendConfig before = ConfigLoader.fromToml("backend_name = \"a\"", Map.of());
        // The worker settings carry backend_name too; a new name is still one change, not two.
        assertThat(before.restartOnlyChanges(ConfigLoader.fromToml("backend_name = \"b\"", Map.of())))
                .containsExactly("backend_name");
        assertThat(before.restartOnlyChanges(ConfigLoader.fromToml("""
                backend_name = "a"
                [worker.rabbitmq]
                concurrency = 9
                """, Map.of()))).containsExactly("worker");
        assertThat(before.restartOnlyChanges(ConfigLoader.fromToml("""
                backend_name = "a"
                [storage.sqlite]
                enable = false
                """, Map.of()))).containsExactly("storage");
    }
}
