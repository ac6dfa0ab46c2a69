package dev.reacher.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.ProxyRouter;
import dev.reacher.core.proxy.ProxySelectionStrategy;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.core.yahoo.YahooApi;
import dev.reacher.server.webhook.Webhook;
import dev.reacher.server.worker.WorkerSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.Address;

/**
 * Reads the backend configuration the way upstream does, with reacher-java's additions:
 * <ol>
 *   <li>the TOML file: {@code --config FILE}, else {@code RCH__CONFIG_FILE}, else
 *       {@code backend_config.toml} in the working directory <em>if it exists</em> (upstream requires
 *       it; here a missing default file means "all defaults");</li>
 *   <li>{@code RCH__*} variables on top, leaf by leaf (upstream's rule: the name is lowercased,
 *       {@code __} nests, values are strings coerced on demand);</li>
 *   <li>the legacy {@code PORT} variable, which overrides {@code http_port}.</li>
 * </ol>
 * Then every value is validated; the first bad one throws a {@link ConfigException} whose message
 * is one line naming the key, its variable and the expectation.
 */
public final class ConfigLoader {
    /** The file read from the working directory when no path is given. */
    public static final String DEFAULT_FILE = "backend_config.toml";
    /** The variable that names the file (not part of the configuration tree itself). */
    public static final String CONFIG_FILE_VAR = "RCH__CONFIG_FILE";

    private static final TomlMapper TOML = new TomlMapper();
    /** {@code host:port} or {@code [v6]:port}, as {@code proxy_pool.health_check.target} takes it. */
    private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([\\x21-\\x7E&&[^:\\[\\]]]+)):(\\d{1,5})");
    /** What a proxy URL's query or a list file line may set, as the keys of a proxy table. */
    private static final List<String> MEMBER_SETTINGS = List.of("weight", "hello_name", "from_email", "max_in_flight",
            "max_requests_per_second", "max_requests_per_minute", "max_requests_per_hour", "max_requests_per_day",
            "timeout_ms");
    private static final String SOCKS5H_VS_LOCAL = "socks5h:// asks the proxy to resolve host names, but [dns] proxy_dns"
            + " = \"local\" (RCH__DNS__PROXY_DNS) resolves them here: use socks5://, or proxy_dns = \"remote\"";

    private ConfigLoader() {}

    /**
     * Loads the configuration for a process.
     *
     * @param explicitFile the {@code --config} argument, or null
     * @param env the environment ({@code System.getenv()})
     * @param workingDir where {@value #DEFAULT_FILE} is looked for
     * @throws ConfigException for an unreadable file or any invalid value
     */
    public static BackendConfig load(Path explicitFile, Map<String, String> env, Path workingDir) {
        Path file = explicitFile;
        if (file == null && env.get(CONFIG_FILE_VAR) != null && !env.get(CONFIG_FILE_VAR).isBlank()) {
            file = Path.of(env.get(CONFIG_FILE_VAR));
        }
        boolean explicit = file != null;
        if (file == null) {
            Path candidate = workingDir.resolve(DEFAULT_FILE);
            file = Files.isRegularFile(candidate) ? candidate : null;
        } else if (!file.isAbsolute()) {
            file = workingDir.resolve(file);
        }
        String text = null;
        if (file != null) {
            try {
                text = Files.readString(file);
            } catch (NoSuchFileException e) {
                throw ConfigException.general("configuration file " + file + " not found (given by "
                        + (explicitFile != null ? "--config" : CONFIG_FILE_VAR) + ")");
            } catch (IOException e) {
                throw ConfigException.general("cannot read configuration file " + file + ": " + e.getMessage());
            }
        }
        return bind(file, text, env, explicit);
    }

    /** The configuration from TOML text (may be null) and an environment; for tests and tools. */
    public static BackendConfig fromToml(String toml, Map<String, String> env) {
        return bind(null, toml, env, false);
    }

    private static BackendConfig bind(Path file, String toml, Map<String, String> env, boolean explicit) {
        ConfigTree tree = new ConfigTree();
        if (toml != null) {
            String name = file != null ? file.getFileName().toString() : "TOML";
            JsonNode parsed;
            try {
                parsed = TOML.readTree(toml);
            } catch (JacksonException e) {
                throw ConfigException.general("cannot parse " + (file != null ? file : "the TOML configuration") + ": "
                        + oneLine(e.getOriginalMessage()) + locationOf(e, toml));
            }
            if (parsed != null && parsed.isObject()) {
                tree.mergeFile(parsed, "file " + name);
            }
        }
        List<String> warnings = new ArrayList<>();
        // Sorted so that a name given twice with different case resolves the same way every time.
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (!lower.startsWith("rch__") || lower.equals(CONFIG_FILE_VAR.toLowerCase(Locale.ROOT))) {
                continue;
            }
            List<String> path = Arrays.asList(lower.substring(5).split("__", -1));
            if (path.stream().anyMatch(String::isEmpty)) {
                warnings.add("environment variable " + e.getKey() + " is ignored: empty key segment");
                continue;
            }
            tree.setFromEnv(path, e.getValue(), e.getKey());
        }
        String port = env.get("PORT");
        if (port != null) {
            tree.setFromEnv(List.of("http_port"), port, "PORT");
        }
        return new Binder(tree, file, warnings).bind();
    }

    private static String oneLine(String s) {
        return s == null ? "syntax error" : s.replaceAll("\\s+", " ").strip();
    }

    private static String locationOf(JacksonException e, String toml) {
        var loc = e.getLocation();
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        if (String.valueOf(e.getOriginalMessage()).startsWith("Duplicate key")) {
            return duplicateKeyLine(toml, loc.getLineNr(), loc.getColumnNr());
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    /**
     * The TOML parser notices a duplicate key once it has read the value, so its position is past
     * the line at fault (often the start of the next one): the key is on the last line with content
     * before that position. Named with its line, e.g. {@code `enable` (line 8)}.
     */
    private static String duplicateKeyLine(String toml, int line, int column) {
        List<String> lines = toml.lines().toList();
        int n = Math.min(column <= 1 ? line - 1 : line, lines.size());
        while (n > 0 && (lines.get(n - 1).isBlank() || lines.get(n - 1).strip().startsWith("#"))) {
            n--;
        }
        if (n == 0) {
            return " (line " + line + ")";
        }
        String text = lines.get(n - 1).strip();
        int eq = text.indexOf('=');
        String key = eq > 0 ? text.substring(0, eq).strip() : text;
        return " `" + key + "` (line " + n + ")";
    }

    /** One pass over the tree; keeps the binding code in one place per section. */
    private static final class Binder {
        private final ConfigTree t;
        private final Path file;
        private final List<String> warnings;
        private Path proxyListFile;

        Binder(ConfigTree tree, Path file, List<String> warnings) {
            this.t = tree;
            this.file = file;
            this.warnings = warnings;
        }

        BackendConfig bind() {
            String backendName = t.string("backend_name", BackendConfig.DEFAULT_BACKEND_NAME);
            String httpHost = ipLiteral("http_host", t.string("http_host", BackendConfig.DEFAULT_HTTP_HOST));
            int httpPort = orDefault(t.intValue("http_port", 0, 65535, "a port number 0-65535"), BackendConfig.DEFAULT_HTTP_PORT);
            String helloName = t.string("hello_name", BackendConfig.DEFAULT_HELLO_NAME);
            String fromEmail = t.string("from_email", BackendConfig.DEFAULT_FROM_EMAIL);
            Long timeoutSecs = t.integer("smtp_timeout", 1, 86_400, "a whole number of seconds 1-86400");
            Duration smtpTimeout = timeoutSecs == null ? null : Duration.ofSeconds(timeoutSecs);
            int smtpPort = orDefault(t.intValue("smtp_port", 1, 65535, "a port number 1-65535"), SmtpConfig.DEFAULT_SMTP_PORT);
            int retries = orDefault(t.intValue("retries", 1, 100, "a whole number of attempts 1-100"), 1);
            String secret = t.string("header_secret", null);
            if (secret != null && secret.isEmpty()) {
                secret = null; // upstream: an empty secret means no auth
            }
            String sentryDsn = t.string("sentry_dsn", null);
            if (sentryDsn != null && !sentryDsn.isEmpty()) {
                warnings.add("sentry_dsn is set but Sentry reporting is not supported by reacher-java; it is ignored");
            }
            HeadlessSettings headless = headless();
            boolean webdriverRequired = explicitlyHeadless(Provider.HOTMAIL_B2C) || explicitlyHeadless(Provider.YAHOO);
            YahooApi.Endpoints yahooApi = yahooApi();
            Duration shutdown = Duration.ofSeconds(orDefault(
                    t.intValue("shutdown_timeout", 0, 3600, "a whole number of seconds 0-3600"),
                    (int) BackendConfig.DEFAULT_SHUTDOWN_TIMEOUT.toSeconds()));

            DnsServers dns = dns();
            SmtpVerifier.ProxyDns proxyDns = proxyDns();
            Map<String, PoolProxy> proxies = proxies(proxyDns);
            PoolSettings pool = poolSettings(proxies);
            VerifMethod verifMethod = verifMethod(proxies, pool.enabled(), helloName, fromEmail, smtpPort, smtpTimeout, retries);
            RateLimits throttle = rateLimits("throttle");
            Politeness politeness = politeness();
            BackendConfig.Storage storage = storage();
            BackendConfig.Worker worker = worker(storage);
            BackendConfig.Fleet fleet = fleet(storage, worker);
            BackendConfig.LicenseTrial trial = licenseTrial();

            for (String key : t.unreadKeys()) {
                warnings.add("unknown configuration key " + key + " is ignored");
            }
            return new BackendConfig(file, backendName, httpHost, httpPort, helloName, fromEmail, smtpTimeout, smtpPort,
                    retries, secret, sentryDsn, headless, webdriverRequired, yahooApi, shutdown, dns, proxyDns, proxies,
                    proxyListFile, pool,
                    verifMethod, throttle, politeness, worker, storage, fleet, trial, warnings);
        }

        // ---- sections ---------------------------------------------------------------------------

        /** {@code webdriver_addr} and {@code [webdriver]}; {@link HeadlessSettings} holds the defaults and rules. */
        private HeadlessSettings headless() {
            HeadlessSettings d = HeadlessSettings.defaults();
            URI addr = url("webdriver_addr", d.webdriverAddr());
            t.requireTable("webdriver");
            String binary = t.string("webdriver.binary", null);
            int maxSessions = orDefault(t.intValue("webdriver.max_sessions", 1, 64, "a whole number 1-64"),
                    d.maxSessions());
            int recycleAfter = orDefault(t.intValue("webdriver.recycle_after", 1, 100_000, "a whole number 1-100000"),
                    d.recycleAfter());
            Integer waitSecs = t.intValue("webdriver.element_wait_secs", 1, 600, "a whole number of seconds 1-600");
            Integer checkSecs = t.intValue("webdriver.check_timeout_secs", 1, 3600, "a whole number of seconds 1-3600");
            URI hotmail = url("webdriver.hotmailb2c_page", d.hotmailPage());
            URI yahoo = url("webdriver.yahoo_page", d.yahooPage());
            try {
                return new HeadlessSettings(addr, binary, maxSessions, recycleAfter,
                        waitSecs == null ? d.elementWait() : Duration.ofSeconds(waitSecs),
                        checkSecs == null ? d.checkTimeout() : Duration.ofSeconds(checkSecs), hotmail, yahoo);
            } catch (IllegalArgumentException e) {
                String key = e.getMessage().split(" ", 2)[0];
                throw t.problem(t.has(key) ? key : "webdriver", e.getMessage());
            }
        }

        /** The operator chose {@code type = "headless"} for the provider (not just upstream's default). */
        private boolean explicitlyHeadless(Provider provider) {
            String path = "overrides." + provider.key() + ".type";
            return t.has(path) && "headless".equals(t.string(path, null));
        }

        /** {@code [yahoo_api]}: the two endpoints of Yahoo's {@code api} method (tests point them at a stub). */
        private YahooApi.Endpoints yahooApi() {
            t.requireTable("yahoo_api");
            YahooApi.Endpoints d = YahooApi.Endpoints.defaults();
            return new YahooApi.Endpoints(url("yahoo_api.signup_url", d.signupPage()),
                    url("yahoo_api.validate_url", d.validateEndpoint()));
        }

        /** An absolute http(s) URL at {@code path}, or {@code fallback} when absent. */
        private URI url(String path, URI fallback) {
            String raw = t.string(path, null);
            if (raw == null) {
                return fallback;
            }
            try {
                URI uri = new URI(raw.strip());
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (java.net.URISyntaxException e) {
                // reported below
            }
            throw t.fail(path, "an http(s) URL such as http://localhost:9515", t.node(path));
        }

        private DnsServers dns() {
            t.requireTable("dns");
            List<String> servers = t.stringList("dns.servers");
            DnsServers dns;
            try {
                dns = DnsServers.parse(servers == null ? null : String.join(",", servers));
            } catch (IllegalArgumentException e) {
                throw t.problem("dns.servers", "expected a comma-separated list of DNS server IP addresses "
                        + "(a.b.c.d[:port] or [v6][:port]): " + e.getMessage());
            }
            Long timeoutMs = t.integer("dns.timeout_ms", 1, 600_000, "a whole number of milliseconds 1-600000");
            if (timeoutMs != null) {
                dns = dns.withTimeout(Duration.ofMillis(timeoutMs));
            }
            Integer attempts = t.intValue("dns.attempts", 1, 10, "a whole number 1-10");
            if (attempts != null) {
                dns = dns.withAttempts(attempts);
            }
            Long cacheSecs = t.integer("dns.cache_max_ttl_secs", 0, 86_400, "a whole number of seconds 0-86400 (0: no cache)");
            return dns.withCacheMaxTtl(cacheSecs == null ? DnsServers.RECOMMENDED_CACHE_MAX_TTL : Duration.ofSeconds(cacheSecs));
        }

        private SmtpVerifier.ProxyDns proxyDns() {
            String mode = t.string("dns.proxy_dns", "remote");
            return switch (mode.strip().toLowerCase(Locale.ROOT)) {
                case "remote" -> SmtpVerifier.ProxyDns.REMOTE;
                case "local" -> SmtpVerifier.ProxyDns.LOCAL;
                default -> throw t.fail("dns.proxy_dns", "\"remote\" (the proxy resolves MX hosts) or \"local\"",
                        t.node("dns.proxy_dns"));
            };
        }

        /**
         * {@code [proxy]} as id {@code default}, then {@code [overrides.proxies.<id>]}, then the members
         * of {@code proxy_pool.file}; ordered by id.
         */
        private Map<String, PoolProxy> proxies(SmtpVerifier.ProxyDns proxyDns) {
            Map<String, PoolProxy> proxies = new TreeMap<>();
            t.requireTable("overrides");
            for (String id : t.keys("overrides.proxies")) {
                if (!id.matches("[a-z0-9][a-z0-9_.-]*")) {
                    throw t.problem("overrides.proxies." + id, "a proxy id may hold only a-z, 0-9, '_', '-' and '.'"
                            + " (ids are lowercase, and a comma separates ids in lists), got `" + id + "`");
                }
                proxies.put(id, proxy("overrides.proxies." + id, id, proxyDns));
            }
            if (t.has("proxy")) {
                t.requireTable("proxy");
                // Upstream: the top-level proxy replaces any overrides.proxies.default.
                proxies.put(VerifMethod.DEFAULT_PROXY_ID, proxy("proxy", VerifMethod.DEFAULT_PROXY_ID, proxyDns));
            }
            t.requireTable("proxy_pool");
            String list = t.string("proxy_pool.file", null);
            if (list != null && !list.isBlank()) {
                proxyListFile = Path.of(list.strip()).toAbsolutePath();
                for (ProxyListFile.Entry entry : ProxyListFile.read(proxyListFile)) {
                    String origin = ProxyListFile.origin(proxyListFile.toString(), entry.line());
                    if (proxies.containsKey(entry.id())) {
                        throw ConfigException.general(origin + ": the id " + entry.id() + " is also defined in the"
                                + " configuration; give the line another one with ?id=…");
                    }
                    proxies.put(entry.id(), listMember(entry, origin, proxyDns));
                }
            }
            return proxies;
        }

        /**
         * A list file member, validated by the same code as a {@code [overrides.proxies.<id>]} table:
         * its URL parts and settings become a table of their own whose origin is the file and line.
         */
        private PoolProxy listMember(ProxyListFile.Entry entry, String origin, SmtpVerifier.ProxyDns proxyDns) {
            ConfigTree member = new ConfigTree();
            urlParts(entry.url()).forEach((key, value) -> member.set(List.of("proxy", key), value, origin));
            for (Map.Entry<String, String> setting : entry.settings().entrySet()) {
                if (!MEMBER_SETTINGS.contains(setting.getKey())) {
                    throw ConfigException.general(origin + ": unknown setting `" + setting.getKey() + "`, expected "
                            + String.join(", ", MEMBER_SETTINGS) + " or id");
                }
                member.set(List.of("proxy", setting.getKey()), setting.getValue(), origin);
            }
            if (entry.url().proxyResolvesNames() && proxyDns == SmtpVerifier.ProxyDns.LOCAL) {
                throw ConfigException.general(origin + ": " + SOCKS5H_VS_LOCAL);
            }
            return new Binder(member, file, warnings).proxy("proxy", entry.id(), proxyDns);
        }

        private PoolProxy proxy(String path, String id, SmtpVerifier.ProxyDns proxyDns) {
            t.requireTable(path);
            String url = t.string(path + ".url", null);
            if (url != null) {
                expandUrl(path, url.strip(), proxyDns);
            }
            String host = t.string(path + ".host", null);
            if (host == null || host.isBlank()) {
                throw t.problem(path + ".host", host == null ? "missing: a proxy needs host and port"
                        : "expected a host name or IP address, got an empty string");
            }
            Integer port = t.intValue(path + ".port", 1, 65535, "a port number 1-65535");
            if (port == null) {
                throw t.problem(path + ".port", "missing: a proxy needs host and port");
            }
            String username = t.string(path + ".username", null);
            String password = t.string(path + ".password", null);
            if (username != null && password == null) {
                // Authentication is offered only with both; a lone username is a forgotten password.
                throw t.problem(path + ".password", "missing: " + path + ".username is set, and the proxy is offered"
                        + " username/password authentication only when both are");
            }
            if (password != null && username == null) {
                throw t.problem(path + ".username", "missing: " + path + ".password is set, and the proxy is offered"
                        + " username/password authentication only when both are");
            }
            Long timeoutMs = t.integer(path + ".timeout_ms", 0, Long.MAX_VALUE, "a whole number of milliseconds ≥ 0");
            int weight = orDefault(t.intValue(path + ".weight", 1, 1_000_000, "a whole number ≥ 1"), 1);
            String hello = t.string(path + ".hello_name", null);
            String from = t.string(path + ".from_email", null);
            Integer maxInFlight = t.intValue(path + ".max_in_flight", 1, 1_000_000, "a whole number ≥ 1");
            return new PoolProxy(id, new ProxyConfig(host.strip(), port, username, password, timeoutMs), weight, hello, from,
                    maxInFlight, rateLimits(path));
        }

        /**
         * {@code url = "socks5://user:pass@host:port?weight=3"}: its parts become the table's keys, so
         * they are validated as if written out; giving a key both ways is an error.
         */
        private void expandUrl(String path, String url, SmtpVerifier.ProxyDns proxyDns) {
            ProxyUrl parsed;
            try {
                parsed = ProxyUrl.parseUrl(url);
            } catch (IllegalArgumentException e) {
                throw t.problem(path + ".url", e.getMessage());
            }
            if (parsed.proxyResolvesNames() && proxyDns == SmtpVerifier.ProxyDns.LOCAL) {
                throw t.problem(path + ".url", SOCKS5H_VS_LOCAL);
            }
            Map<String, String> parts = new LinkedHashMap<>(urlParts(parsed));
            for (Map.Entry<String, String> setting : parsed.params().entrySet()) {
                if (!MEMBER_SETTINGS.contains(setting.getKey())) {
                    throw t.problem(path + ".url", "unknown setting `" + setting.getKey() + "` in the URL, expected "
                            + String.join(", ", MEMBER_SETTINGS));
                }
                parts.put(setting.getKey(), setting.getValue());
            }
            for (Map.Entry<String, String> part : parts.entrySet()) {
                if (t.has(path + "." + part.getKey())) {
                    throw t.problem(path + ".url", "the URL gives " + part.getKey() + ", and so does " + path + "."
                            + part.getKey() + ": give it one way");
                }
                t.setImplied(path + ".url", path + "." + part.getKey(), part.getValue());
            }
        }

        private static Map<String, String> urlParts(ProxyUrl url) {
            Map<String, String> parts = new LinkedHashMap<>();
            parts.put("host", url.host());
            parts.put("port", String.valueOf(url.port()));
            if (url.username() != null) {
                parts.put("username", url.username());
                parts.put("password", url.password());
            }
            return parts;
        }

        private RateLimits rateLimits(String path) {
            t.requireTable(path);
            String expectation = "a whole number ≥ 1 (remove the key for no limit)";
            return new RateLimits(
                    t.intValue(path + ".max_requests_per_second", 1, Integer.MAX_VALUE, expectation),
                    t.intValue(path + ".max_requests_per_minute", 1, Integer.MAX_VALUE, expectation),
                    t.intValue(path + ".max_requests_per_hour", 1, Integer.MAX_VALUE, expectation),
                    t.intValue(path + ".max_requests_per_day", 1, Integer.MAX_VALUE, expectation));
        }

        /** {@code [smtp_politeness]}: what the receiving mail servers see of us, per destination. */
        private Politeness politeness() {
            t.requireTable("smtp_politeness");
            Politeness d = Politeness.DEFAULTS;
            int maxConcurrency = orDefault(t.intValue("smtp_politeness.max_concurrency", 1, 100_000,
                    "a whole number of sessions 1-100000"), d.maxConcurrency());
            long minIntervalMs = orDefault(t.integer("smtp_politeness.min_interval_ms", 0, 3_600_000L,
                    "a whole number of milliseconds 0-3600000 (0: no spacing)"), d.minInterval().toMillis());
            long ttlSecs = orDefault(t.integer("smtp_politeness.catch_all_ttl_secs", 0, 604_800L,
                    "a whole number of seconds 0-604800 (0: no catch-all cache)"), d.catchAllTtl().toSeconds());
            int maxRcpt = orDefault(t.intValue("smtp_politeness.max_rcpt_per_session", 1, 1000,
                    "a whole number of recipients 1-1000 (1: a session per address)"), d.maxRcptPerSession());
            return new Politeness(maxConcurrency, Duration.ofMillis(minIntervalMs), Duration.ofSeconds(ttlSecs),
                    maxRcpt);
        }

        private PoolSettings poolSettings(Map<String, PoolProxy> proxies) {
            t.requireTable("proxy_pool");
            boolean enabled = orDefault(t.bool("proxy_pool.enabled"), false);
            PoolSettings defaults = PoolSettings.DISABLED;
            String strategy = t.string("proxy_pool.strategy", defaults.strategy()).strip().toLowerCase(Locale.ROOT);
            List<String> strategies = ProxySelectionStrategy.names();
            if (!strategies.contains(strategy)) {
                throw t.fail("proxy_pool.strategy", "one of " + String.join(", ", strategies), t.node("proxy_pool.strategy"));
            }
            List<String> members = t.stringList("proxy_pool.proxies");
            members = members == null ? List.of() : members.stream().map(s -> s.toLowerCase(Locale.ROOT)).distinct().toList();
            for (String id : members) {
                checkProxyId("proxy_pool.proxies", id, proxies);
            }
            int maxAttempts = orDefault(t.intValue("proxy_pool.max_attempts", 1, 100, "a whole number 1-100"),
                    defaults.maxAttempts());
            boolean retryOnBlacklist = orDefault(t.bool("proxy_pool.retry_on_blacklist"), defaults.retryOnBlacklist());
            t.requireTable("proxy_pool.ejection");
            PoolSettings.Ejection d = PoolSettings.Ejection.DEFAULTS;
            int failures = orDefault(t.intValue("proxy_pool.ejection.consecutive_failures", 1, 1_000_000,
                    "a whole number ≥ 1"), d.consecutiveFailures());
            long base = orDefault(t.integer("proxy_pool.ejection.base_ejection_ms", 1, 86_400_000L,
                    "a whole number of milliseconds 1-86400000"), d.base().toMillis());
            long max = orDefault(t.integer("proxy_pool.ejection.max_ejection_ms", 1, 86_400_000L,
                    "a whole number of milliseconds 1-86400000"), d.max().toMillis());
            if (max < base) {
                throw t.problem("proxy_pool.ejection.max_ejection_ms", "expected at least base_ejection_ms (" + base
                        + "), got " + max);
            }
            if (enabled && proxies.isEmpty()) {
                throw t.problem("proxy_pool.enabled", "is true but no proxy is defined: expected [proxy] "
                        + "(RCH__PROXY__HOST, RCH__PROXY__PORT) or [overrides.proxies.<id>] "
                        + "(RCH__OVERRIDES__PROXIES__<ID>__HOST, …__PORT)");
            }
            return new PoolSettings(enabled, strategy, members, maxAttempts, retryOnBlacklist,
                    new PoolSettings.Ejection(failures, Duration.ofMillis(base), Duration.ofMillis(max)),
                    PoolSettings.Blacklist.DEFAULTS, healthCheck());
        }

        /** {@code [proxy_pool.health_check]}: off unless enabled; see docs/proxies.md, "Active health checks". */
        private PoolSettings.HealthCheck healthCheck() {
            String path = "proxy_pool.health_check";
            t.requireTable(path);
            PoolSettings.HealthCheck d = PoolSettings.HealthCheck.OFF;
            boolean enabled = orDefault(t.bool(path + ".enabled"), d.enabled());
            long interval = orDefault(t.integer(path + ".interval_secs", 1, 86_400L,
                    "a whole number of seconds 1-86400"), d.interval().toSeconds());
            long timeout = orDefault(t.integer(path + ".timeout_ms", 1, 60_000L,
                    "a whole number of milliseconds 1-60000"), d.timeout().toMillis());
            PoolSettings.HealthCheck check = new PoolSettings.HealthCheck(enabled, Duration.ofSeconds(interval),
                    Duration.ofMillis(timeout), null, 0);
            String target = t.string(path + ".target", "").strip();
            if (target.isEmpty()) {
                return check;
            }
            Matcher m = HOST_PORT.matcher(target);
            int port = m.matches() ? Integer.parseInt(m.group(3)) : 0;
            String host = m.matches() ? (m.group(1) != null ? m.group(1) : m.group(2)) : null;
            if (host == null || port < 1 || port > 65535 || host.length() > 255) {
                throw t.fail(path + ".target", "host:port with an ASCII host name or IP ([…] for IPv6) and a port 1-65535,"
                        + " such as smtp.example.com:25", t.node(path + ".target"));
            }
            return check.withTarget(host, port);
        }

        /**
         * {@code [proxy_pool.fleet]}: shared pool state needs the scale-out PostgreSQL; by default it
         * is on exactly when worker mode is (several processes then use the same proxies).
         */
        private BackendConfig.Fleet fleet(BackendConfig.Storage storage, BackendConfig.Worker worker) {
            t.requireTable("proxy_pool.fleet");
            Boolean enabled = t.bool("proxy_pool.fleet.enabled");
            long ttl = orDefault(t.integer("proxy_pool.fleet.lease_ttl_secs", 3, 3600, "a whole number of seconds 3-3600"),
                    BackendConfig.Fleet.DEFAULT_LEASE_TTL.toSeconds());
            String failure = t.string("proxy_pool.fleet.on_store_failure", "pause").strip().toLowerCase(Locale.ROOT);
            BackendConfig.Fleet.OnStoreFailure onFailure = switch (failure) {
                case "pause" -> BackendConfig.Fleet.OnStoreFailure.PAUSE;
                case "local" -> BackendConfig.Fleet.OnStoreFailure.LOCAL;
                default -> throw t.fail("proxy_pool.fleet.on_store_failure", "one of pause, local",
                        t.node("proxy_pool.fleet.on_store_failure"));
            };
            if (Boolean.TRUE.equals(enabled) && !storage.usesPostgres()) {
                throw t.problem("proxy_pool.fleet.enabled", "is true but the shared proxy state lives in PostgreSQL: "
                        + "set storage.postgres.db_url (" + ConfigTree.envVar("storage.postgres.db_url") + ")");
            }
            boolean on = enabled != null ? enabled : storage.usesPostgres() && worker.enable();
            return new BackendConfig.Fleet(on, Duration.ofSeconds(ttl), onFailure);
        }

        private void checkProxyId(String path, String id, Map<String, PoolProxy> proxies) {
            if (!proxies.containsKey(id)) {
                throw t.problem(path, "unknown proxy id `" + id + "`, expected one of the defined proxies: "
                        + (proxies.isEmpty() ? "none is defined" : String.join(", ", proxies.keySet())));
            }
        }

        /**
         * Upstream's {@code overrides.<provider>} tables with one fix: a provider override inherits the top-level hello_name,
         * from_email, proxy, smtp_port, smtp_timeout and retries unless it sets them (upstream falls
         * back to gmail.com defaults). With the pool enabled, unpinned configs name no proxy, so
         * their traffic rotates over the pool ({@code default} being one member).
         */
        private VerifMethod verifMethod(Map<String, PoolProxy> proxies, boolean poolEnabled, String hello, String from,
                int smtpPort, Duration smtpTimeout, int retries) {
            String defaultProxy = proxies.containsKey(VerifMethod.DEFAULT_PROXY_ID) && hasTopLevelProxy() && !poolEnabled
                    ? VerifMethod.DEFAULT_PROXY_ID : null;
            SmtpConfig base = new SmtpConfig(from, hello, defaultProxy, smtpPort, smtpTimeout, retries);
            Map<Provider, ProviderMethod> methods = new EnumMap<>(Provider.class);
            for (Provider provider : Provider.values()) {
                String path = "overrides." + provider.key();
                ProviderMethod method;
                if (provider == Provider.EVERYTHING_ELSE || !t.has(path)) {
                    method = VerifMethod.defaultMethod(provider) instanceof ProviderMethod.Smtp
                            ? ProviderMethod.smtp(base) : VerifMethod.defaultMethod(provider);
                } else {
                    method = providerOverride(provider, path, base, proxies);
                }
                if (method instanceof ProviderMethod.Smtp s) {
                    method = ProviderMethod.smtp(withProxyIdentity(s.config(), proxies));
                }
                methods.put(provider, method);
            }
            Map<String, ProxyConfig> configs = new LinkedHashMap<>();
            proxies.forEach((id, p) -> configs.put(id, p.proxy()));
            return VerifMethod.of(configs, methods);
        }

        private boolean hasTopLevelProxy() {
            return t.has("proxy");
        }

        private ProviderMethod providerOverride(Provider provider, String path, SmtpConfig base,
                Map<String, PoolProxy> proxies) {
            t.requireTable(path);
            String allowed = provider.methodTypesText("\"");
            String type = t.string(path + ".type", null);
            if (type == null && t.has(path + ".proxy")) {
                type = "smtp"; // naming proxies means verifying over SMTP through them: the only method that uses one
            }
            if (type == null) {
                throw t.problem(path + ".type", "missing: expected " + allowed);
            }
            if (!provider.allowsMethod(type)) {
                throw t.fail(path + ".type", allowed, t.node(path + ".type"));
            }
            return switch (type) {
                case "headless" -> new ProviderMethod.Headless();
                case "api" -> new ProviderMethod.Api();
                default -> ProviderMethod.smtp(smtpOverride(path, base, proxies));
            };
        }

        private SmtpConfig smtpOverride(String path, SmtpConfig base, Map<String, PoolProxy> proxies) {
            String from = t.string(path + ".from_email", base.fromEmail());
            String hello = t.string(path + ".hello_name", base.helloName());
            String proxy = base.proxy();
            List<String> ids = t.stringList(path + ".proxy");
            if (ids != null) {
                ids = ids.stream().map(s -> s.toLowerCase(Locale.ROOT)).distinct().toList();
                for (String id : ids) {
                    checkProxyId(path + ".proxy", id, proxies);
                }
                proxy = ids.isEmpty() ? null : String.join(",", ids);
            }
            int port = orDefault(t.intValue(path + ".smtp_port", 1, 65535, "a port number 1-65535"), base.smtpPort());
            Duration timeout = t.has(path + ".smtp_timeout") ? duration(path + ".smtp_timeout") : base.smtpTimeout();
            int retries = orDefault(t.intValue(path + ".retries", 0, 100, "a whole number of attempts 0-100"), base.retries());
            return new SmtpConfig(from, hello, proxy, port, timeout, retries);
        }

        /** {@code {secs, nanos}} (upstream), {@code [secs, nanos]}, or a whole number of seconds. */
        private Duration duration(String path) {
            JsonNode node = t.node(path);
            String expectation = "a duration {secs = N, nanos = N} or a whole number of seconds, greater than zero";
            Duration d;
            if (node.isObject()) {
                Long secs = t.integer(path + ".secs", 0, 86_400, "a whole number of seconds 0-86400");
                if (secs == null) {
                    throw t.problem(path + ".secs", "missing: expected " + expectation);
                }
                Long nanos = t.integer(path + ".nanos", 0, 999_999_999, "a whole number 0-999999999");
                d = Duration.ofSeconds(secs, nanos == null ? 0 : nanos);
            } else if (node.isArray() && node.size() == 2 && node.get(0).canConvertToLong() && node.get(1).canConvertToInt()
                    && node.get(0).isIntegralNumber() && node.get(1).isIntegralNumber()) {
                long secs = node.get(0).asLong();
                int nanos = node.get(1).asInt();
                if (secs < 0 || nanos < 0 || nanos > 999_999_999) {
                    throw t.fail(path, expectation, node);
                }
                d = Duration.ofSeconds(secs, nanos);
            } else {
                Long secs = t.integer(path, 1, 86_400, expectation);
                d = Duration.ofSeconds(secs);
            }
            if (d.isZero()) {
                throw t.fail(path, expectation, node);
            }
            return d;
        }

        /** A proxy's own identity (matching its IP's reverse DNS) wins when the config pins that one proxy. */
        private static SmtpConfig withProxyIdentity(SmtpConfig config, Map<String, PoolProxy> proxies) {
            List<String> ids = ProxyRouter.parseIds(config.proxy());
            if (ids.size() != 1) {
                return config; // rotations apply the identity of the proxy each attempt leases
            }
            PoolProxy p = proxies.get(ids.get(0));
            return p == null ? config : config.withProxyIdentity(p.helloName(), p.fromEmail());
        }

        private BackendConfig.Worker worker(BackendConfig.Storage storage) {
            t.requireTable("worker");
            t.requireTable("worker.rabbitmq");
            WorkerSettings d = WorkerSettings.defaults();
            boolean enable = orDefault(t.bool("worker.enable"), false);
            String url = t.string("worker.rabbitmq.url", "amqp://guest:guest@localhost:5672");
            int concurrency = orDefault(t.intValue("worker.rabbitmq.concurrency", 1, 65535, "a whole number 1-65535"),
                    d.concurrency());
            String queue = t.string("worker.rabbitmq.queue", d.queueName());
            if (queue.isBlank()) {
                throw t.problem("worker.rabbitmq.queue", "expected a queue name, got an empty string");
            }
            boolean consume = orDefault(t.bool("worker.consume"), d.consume());
            int rpcTimeout = orDefault(t.intValue("worker.rpc_timeout_secs", 1, 86_400, "a whole number of seconds 1-86400"),
                    (int) d.rpcTimeout().toSeconds());
            int unknownRetries = orDefault(t.intValue("worker.unknown_retries", 0, 10, "a whole number 0-10"),
                    d.unknownRetries());
            int grace = orDefault(t.intValue("worker.shutdown_grace_secs", 0, 3600, "a whole number of seconds 0-3600"),
                    (int) d.shutdownGrace().toSeconds());
            t.requireTable("worker.webhook");
            int webhookAttempts = orDefault(t.intValue("worker.webhook.max_attempts", 1, 100, "a whole number 1-100"),
                    d.webhooks().maxAttempts());
            Webhook onEachEmail = webhook("worker.webhook.on_each_email");
            Integer httpPort = t.intValue("worker.http_port", 0, 65535, "a port number 0-65535");
            if (enable) {
                if (!url.startsWith("amqp://") && !url.startsWith("amqps://")) {
                    throw t.fail("worker.rabbitmq.url", "an amqp:// or amqps:// URL", t.node("worker.rabbitmq.url"));
                }
                String problem = WorkerSettings.storageProblem(true, storage.usesPostgres());
                if (problem != null) {
                    throw t.problem("worker.enable", problem + ": set storage.postgres.db_url ("
                            + ConfigTree.envVar("storage.postgres.db_url") + ")");
                }
            } else if (!consume) {
                throw t.problem("worker.consume", "false only makes sense in worker mode (worker.enable = true, "
                        + ConfigTree.envVar("worker.enable") + "): without it nobody else would run this server's tasks");
            }
            return new BackendConfig.Worker(enable, url, concurrency, queue, consume, Duration.ofSeconds(rpcTimeout),
                    unknownRetries, webhookAttempts, Duration.ofSeconds(grace), onEachEmail, httpPort);
        }

        /**
         * A JSON object or array given as text (the only way to pass one in a single environment
         * variable) becomes that value; upstream stores the text itself as a JSON string.
         */
        private static JsonNode jsonText(JsonNode node) {
            if (node != null && node.isTextual()) {
                String text = node.textValue().strip();
                if (text.startsWith("{") || text.startsWith("[")) {
                    try {
                        return ReacherJson.mapper().readTree(text);
                    } catch (IOException e) {
                        return node; // not JSON after all: keep the string
                    }
                }
            }
            return node;
        }

        /** A {@code {url, headers, extra}} table, or null when absent. */
        private Webhook webhook(String path) {
            t.requireTable(path);
            if (!t.has(path)) {
                return null;
            }
            String url = t.string(path + ".url", null);
            if (url == null) {
                throw t.problem(path + ".url", "missing: a webhook needs a url");
            }
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw t.fail(path + ".url", "an http:// or https:// URL", t.node(path + ".url"));
            }
            t.requireTable(path + ".headers");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String name : t.keys(path + ".headers")) {
                headers.put(name, t.string(path + ".headers." + name, ""));
            }
            JsonNode extra = t.raw(path + ".extra");
            return new Webhook(url, headers, extra);
        }

        private BackendConfig.Storage storage() {
            t.requireTable("storage");
            t.requireTable("storage.postgres");
            t.requireTable("storage.sqlite");
            String dbUrl = t.string("storage.postgres.db_url", null);
            if (dbUrl != null && dbUrl.isBlank()) {
                dbUrl = null;
            }
            if (dbUrl != null && !dbUrl.startsWith("postgres://") && !dbUrl.startsWith("postgresql://")
                    && !dbUrl.startsWith("jdbc:postgresql://")) {
                throw t.fail("storage.postgres.db_url", "a postgres://user:password@host:5432/database URL",
                        t.node("storage.postgres.db_url"));
            }
            JsonNode extra = jsonText(t.raw("storage.postgres.extra"));
            String schema = t.string("storage.postgres.schema", null);
            if (schema != null && !schema.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw t.fail("storage.postgres.schema", "a lowercase SQL identifier (letters, digits, _)",
                        t.node("storage.postgres.schema"));
            }
            boolean sqlite = orDefault(t.bool("storage.sqlite.enable"), true);
            String path = t.string("storage.sqlite.path", null);
            Path sqlitePath = null;
            if (path != null && !path.isBlank()) {
                String expanded = path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
                try {
                    sqlitePath = Path.of(expanded).toAbsolutePath();
                } catch (java.nio.file.InvalidPathException e) {
                    throw t.fail("storage.sqlite.path", "a file path", t.node("storage.sqlite.path"));
                }
            }
            return new BackendConfig.Storage(dbUrl, extra, schema, sqlitePath, sqlite);
        }

        private BackendConfig.LicenseTrial licenseTrial() {
            t.requireTable("commercial_license_trial");
            String token = t.string("commercial_license_trial.api_token", null);
            String url = t.string("commercial_license_trial.url", null);
            if (token == null && url == null) {
                return null;
            }
            warnings.add("commercial_license_trial is set but reporting to the trial endpoint is not supported by "
                    + "reacher-java; it is ignored");
            return new BackendConfig.LicenseTrial(token, url);
        }

        // ---- helpers ----------------------------------------------------------------------------

        private String ipLiteral(String path, String value) {
            String host = value.strip();
            String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (Address.toByteArray(bare, Address.IPv4) == null && Address.toByteArray(bare, Address.IPv6) == null) {
                throw t.fail(path, "an IP address such as 0.0.0.0, 127.0.0.1 or :: (host names such as localhost are "
                        + "not accepted, as upstream)", t.node(path));
            }
            return bare;
        }

        private static <T> T orDefault(T value, T fallback) {
            return value != null ? value : fallback;
        }
    }
}
