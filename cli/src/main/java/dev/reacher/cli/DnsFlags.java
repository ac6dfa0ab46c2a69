package dev.reacher.cli;

import dev.reacher.core.mx.DnsServers;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code reacher check}'s DNS flags (a picocli mixin), on top of the configured {@code [dns]}. */
final class DnsFlags {
    @Option(names = "--dns-servers", defaultValue = "${env:DNS_SERVERS}", paramLabel = "HOST:PORT[,…]",
            description = "DNS servers for MX and host lookups, e.g. 127.0.0.1:5353 (default: the configuration's [dns] servers, "
                    + "else the system resolvers).")
    String servers;

    @Option(names = "--dns-cache-ttl", defaultValue = "${env:DNS_CACHE_TTL}", paramLabel = "SECONDS",
            description = "Reuse DNS answers for their TTL, at most SECONDS (0-86400; 0: ask every time; "
                    + "default: the configuration's dns.cache_max_ttl_secs, 300).")
    Integer cacheTtl;

    /** The configured resolvers and cache, unless --dns-servers or --dns-cache-ttl say otherwise. */
    DnsServers over(DnsServers configured, CommandLine.Model.CommandSpec spec) {
        if (servers == null && cacheTtl == null) {
            return configured;
        }
        if (cacheTtl != null && (cacheTtl < 0 || cacheTtl > 86_400)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--dns-cache-ttl must be a whole number of seconds 0-86400, got " + cacheTtl);
        }
        DnsServers result = configured;
        if (servers != null) {
            try {
                DnsServers given = DnsServers.parse(servers); // blank: the system resolvers
                result = new DnsServers(given.servers(), result.timeout(), result.attempts(), result.cacheMaxTtl());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dns-servers: " + e.getMessage());
            }
        }
        return cacheTtl == null ? result : result.withCacheMaxTtl(Duration.ofSeconds(cacheTtl));
    }
}
