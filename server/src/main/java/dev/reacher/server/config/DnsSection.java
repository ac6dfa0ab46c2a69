package dev.reacher.server.config;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.smtp.SmtpVerifier;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** {@code [dns]}: the resolvers of MX lookups and who resolves MX hosts behind a proxy. */
final class DnsSection {
    private DnsSection() {}

    static DnsServers servers(ConfigTree t) {
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

    static SmtpVerifier.ProxyDns proxyDns(ConfigTree t) {
        String mode = t.string("dns.proxy_dns", "remote");
        return switch (mode.strip().toLowerCase(Locale.ROOT)) {
            case "remote" -> SmtpVerifier.ProxyDns.REMOTE;
            case "local" -> SmtpVerifier.ProxyDns.LOCAL;
            default -> throw t.fail("dns.proxy_dns", "\"remote\" (the proxy resolves MX hosts) or \"local\"",
                    t.node("dns.proxy_dns"));
        };
    }
}
