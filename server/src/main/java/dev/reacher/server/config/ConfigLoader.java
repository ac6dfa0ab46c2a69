package dev.reacher.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.core.yahoo.YahooApi;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.worker.WorkerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
        return assemble(tree, file, warnings);
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

    /**
     * One pass over the tree: the top-level keys here, each section by the class of its feature.
     * The order is the order of the checks, so with several bad values the same one is named first.
     */
    private static BackendConfig assemble(ConfigTree t, Path file, List<String> warnings) {
        String backendName = t.string("backend_name", BackendConfig.DEFAULT_BACKEND_NAME);
        String httpHost = ipLiteral(t, "http_host", t.string("http_host", BackendConfig.DEFAULT_HTTP_HOST));
        int httpPort = ConfigTree.orDefault(t.intValue("http_port", 0, 65535, "a port number 0-65535"),
                BackendConfig.DEFAULT_HTTP_PORT);
        String helloName = t.string("hello_name", BackendConfig.DEFAULT_HELLO_NAME);
        String fromEmail = t.string("from_email", BackendConfig.DEFAULT_FROM_EMAIL);
        Long timeoutSecs = t.integer("smtp_timeout", 1, 86_400, "a whole number of seconds 1-86400");
        Duration smtpTimeout = timeoutSecs == null ? null : Duration.ofSeconds(timeoutSecs);
        int smtpPort = ConfigTree.orDefault(t.intValue("smtp_port", 1, 65535, "a port number 1-65535"),
                SmtpConfig.DEFAULT_SMTP_PORT);
        int retries = ConfigTree.orDefault(t.intValue("retries", 1, 100, "a whole number of attempts 1-100"), 1);
        String secret = t.string("header_secret", null);
        if (secret != null && secret.isEmpty()) {
            secret = null; // upstream: an empty secret means no auth
        }
        String sentryDsn = t.string("sentry_dsn", null);
        if (sentryDsn != null && !sentryDsn.isEmpty()) {
            warnings.add("sentry_dsn is set but Sentry reporting is not supported by reacher-java; it is ignored");
        }
        HeadlessSettings headless = WebdriverSection.headless(t);
        boolean webdriverRequired = WebdriverSection.required(t);
        YahooApi.Endpoints yahooApi = WebdriverSection.yahooApi(t);
        Duration shutdown = Duration.ofSeconds(ConfigTree.orDefault(
                t.intValue("shutdown_timeout", 0, 3600, "a whole number of seconds 0-3600"),
                (int) BackendConfig.DEFAULT_SHUTDOWN_TIMEOUT.toSeconds()));

        DnsServers dns = DnsSection.servers(t);
        SmtpVerifier.ProxyDns proxyDns = DnsSection.proxyDns(t);
        ProxySection.Proxies proxies = ProxySection.read(t, proxyDns);
        PoolSettings pool = PoolSection.settings(t, proxies.byId());
        VerifMethod verifMethod = MethodSection.read(t, proxies.byId(), pool.enabled(), helloName, fromEmail, smtpPort,
                smtpTimeout, retries);
        RateLimits throttle = SmtpSection.rateLimits(t, "throttle");
        Politeness politeness = SmtpSection.politeness(t);
        StorageSettings storage = StorageSection.read(t);
        WorkerSettings worker = WorkerSection.read(t, storage.usesPostgres(), backendName);
        BackendConfig.Fleet fleet = PoolSection.fleet(t, storage.usesPostgres(), worker.enable());
        BackendConfig.LicenseTrial trial = licenseTrial(t, warnings);

        for (String key : t.unreadKeys()) {
            warnings.add("unknown configuration key " + key + " is ignored");
        }
        return new BackendConfig(file, backendName, httpHost, httpPort, helloName, fromEmail, smtpTimeout, smtpPort,
                retries, secret, sentryDsn, headless, webdriverRequired, yahooApi, shutdown, dns, proxyDns,
                proxies.byId(), proxies.listFile(), pool, verifMethod, throttle, politeness, worker, storage, fleet,
                trial, warnings);
    }

    private static BackendConfig.LicenseTrial licenseTrial(ConfigTree t, List<String> warnings) {
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

    private static String ipLiteral(ConfigTree t, String path, String value) {
        String host = value.strip();
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (Address.toByteArray(bare, Address.IPv4) == null && Address.toByteArray(bare, Address.IPv6) == null) {
            throw t.fail(path, "an IP address such as 0.0.0.0, 127.0.0.1 or :: (host names such as localhost are "
                    + "not accepted, as upstream)", t.node(path));
        }
        return bare;
    }
}
