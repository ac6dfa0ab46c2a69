package dev.reacher.server.config;

import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.VerifMethod;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The defined proxies: {@code [proxy]}, {@code [overrides.proxies.<id>]} and the members of
 * {@code proxy_pool.file}, each validated by the same code (a URL or a list line becomes the keys
 * of a proxy table).
 */
final class ProxySection {
    /** What a proxy URL's query or a list file line may set, as the keys of a proxy table. */
    private static final List<String> MEMBER_SETTINGS = List.of("weight", "hello_name", "from_email", "max_in_flight",
            "max_requests_per_second", "max_requests_per_minute", "max_requests_per_hour", "max_requests_per_day",
            "timeout_ms");
    private static final String SOCKS5H_VS_LOCAL = "socks5h:// asks the proxy to resolve host names, but [dns] proxy_dns"
            + " = \"local\" (RCH__DNS__PROXY_DNS) resolves them here: use socks5://, or proxy_dns = \"remote\"";

    /**
     * @param byId every proxy by id, ordered by id
     * @param listFile {@code proxy_pool.file} as an absolute path, or null
     */
    record Proxies(Map<String, PoolProxy> byId, Path listFile) {}

    private ProxySection() {}

    /**
     * {@code [proxy]} as id {@code default}, then {@code [overrides.proxies.<id>]}, then the members
     * of {@code proxy_pool.file}; ordered by id.
     */
    static Proxies read(ConfigTree t, SmtpVerifier.ProxyDns proxyDns) {
        Map<String, PoolProxy> proxies = new TreeMap<>();
        t.requireTable("overrides");
        for (String id : t.keys("overrides.proxies")) {
            if (!id.matches("[a-z0-9][a-z0-9_.-]*")) {
                throw t.problem("overrides.proxies." + id, "a proxy id may hold only a-z, 0-9, '_', '-' and '.'"
                        + " (ids are lowercase, and a comma separates ids in lists), got `" + id + "`");
            }
            proxies.put(id, proxy(t, "overrides.proxies." + id, id, proxyDns));
        }
        if (t.has("proxy")) {
            t.requireTable("proxy");
            // Upstream: the top-level proxy replaces any overrides.proxies.default.
            proxies.put(VerifMethod.DEFAULT_PROXY_ID, proxy(t, "proxy", VerifMethod.DEFAULT_PROXY_ID, proxyDns));
        }
        t.requireTable("proxy_pool");
        String list = t.string("proxy_pool.file", null);
        Path proxyListFile = null;
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
        return new Proxies(proxies, proxyListFile);
    }

    /** Fails unless {@code id}, found at {@code path}, names a defined proxy. */
    static void checkId(ConfigTree t, String path, String id, Map<String, PoolProxy> proxies) {
        if (!proxies.containsKey(id)) {
            throw t.problem(path, "unknown proxy id `" + id + "`, expected one of the defined proxies: "
                    + (proxies.isEmpty() ? "none is defined" : String.join(", ", proxies.keySet())));
        }
    }

    /**
     * A list file member, validated by the same code as a {@code [overrides.proxies.<id>]} table:
     * its URL parts and settings become a table of their own whose origin is the file and line.
     */
    private static PoolProxy listMember(ProxyListFile.Entry entry, String origin, SmtpVerifier.ProxyDns proxyDns) {
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
        return proxy(member, "proxy", entry.id(), proxyDns);
    }

    private static PoolProxy proxy(ConfigTree t, String path, String id, SmtpVerifier.ProxyDns proxyDns) {
        t.requireTable(path);
        String url = t.string(path + ".url", null);
        if (url != null) {
            expandUrl(t, path, url.strip(), proxyDns);
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
        int weight = ConfigTree.orDefault(t.intValue(path + ".weight", 1, 1_000_000, "a whole number ≥ 1"), 1);
        String hello = t.string(path + ".hello_name", null);
        String from = t.string(path + ".from_email", null);
        Integer maxInFlight = t.intValue(path + ".max_in_flight", 1, 1_000_000, "a whole number ≥ 1");
        return new PoolProxy(id, new ProxyConfig(host.strip(), port, username, password, timeoutMs), weight, hello, from,
                maxInFlight, SmtpSection.rateLimits(t, path));
    }

    /**
     * {@code url = "socks5://user:pass@host:port?weight=3"}: its parts become the table's keys, so
     * they are validated as if written out; giving a key both ways is an error.
     */
    private static void expandUrl(ConfigTree t, String path, String url, SmtpVerifier.ProxyDns proxyDns) {
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
}
