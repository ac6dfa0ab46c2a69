package dev.reacher.core.mx;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.xbill.DNS.Address;

/**
 * Which DNS servers {@link MxResolver} asks, and how patiently. An empty server list means "the
 * system resolvers" ({@code /etc/resolv.conf}, read by dnsjava's {@code ResolverConfig}).
 *
 * <p>Servers are IP addresses only: resolving a DNS server's own name would need a resolver, and the
 * only one available at that point is the JVM's, which we never use. The defaults match hickory's
 * (upstream's resolver): {@value #DEFAULT_ATTEMPTS} attempts, {@link #DEFAULT_TIMEOUT} per query.
 *
 * <p>Answers are not cached unless {@link #withCacheMaxTtl} turns the cache on: then a usable reply
 * is reused for its TTL, at most {@code cacheMaxTtl}, which saves a bulk job with many addresses at
 * one domain from asking the same question once per address. The factories leave it off, so an
 * embedding application asks DNS every time, as upstream does; the server and the CLI turn it on
 * with {@link #RECOMMENDED_CACHE_MAX_TTL}.
 *
 * @param servers servers in the order they are tried; empty for the system resolvers
 * @param timeout limit for one query to one server
 * @param attempts how many rounds over all servers before giving up (at least 1)
 * @param cacheMaxTtl longest time an answer is reused; {@link Duration#ZERO} turns the cache off
 */
public record DnsServers(List<InetSocketAddress> servers, Duration timeout, int attempts, Duration cacheMaxTtl) {

    public static final int DEFAULT_PORT = 53;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_ATTEMPTS = 2;
    /** The cache limit the server and the CLI use unless told otherwise (the library's own default is off). */
    public static final Duration RECOMMENDED_CACHE_MAX_TTL = Duration.ofMinutes(5);

    public DnsServers {
        servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
        for (InetSocketAddress s : servers) {
            if (s.isUnresolved()) {
                throw new IllegalArgumentException("DNS server must be an IP address, got unresolved " + s.getHostString());
            }
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("DNS timeout must be positive, got " + timeout);
        }
        if (attempts < 1) {
            throw new IllegalArgumentException("DNS attempts must be at least 1, got " + attempts);
        }
        Objects.requireNonNull(cacheMaxTtl, "cacheMaxTtl");
        if (cacheMaxTtl.isNegative()) {
            throw new IllegalArgumentException("DNS cache max TTL must not be negative, got " + cacheMaxTtl);
        }
    }

    /** These servers without a cache. */
    public DnsServers(List<InetSocketAddress> servers, Duration timeout, int attempts) {
        this(servers, timeout, attempts, Duration.ZERO);
    }

    /** The system resolvers with the default timeout and attempts. */
    public static DnsServers system() {
        return new DnsServers(List.of(), DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS);
    }

    /** These servers, in this order, with the default timeout and attempts. */
    public static DnsServers of(InetSocketAddress... servers) {
        return new DnsServers(List.of(servers), DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS);
    }

    /**
     * Parses a comma-separated list such as {@code 127.0.0.1:5353,10.0.0.2,[::1]:53}. Each entry is
     * {@code a.b.c.d[:port]}, {@code [v6][:port]} or a bare IPv6 address; the port defaults to 53.
     * A null or blank string means the system resolvers.
     *
     * @throws IllegalArgumentException naming the first bad entry
     */
    public static DnsServers parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return system();
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String entry : spec.split(",", -1)) {
            try {
                servers.add(parseEntry(entry.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "invalid DNS server \"" + entry.strip() + "\" in \"" + spec + "\": " + e.getMessage(), e);
            }
        }
        return new DnsServers(servers, DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS);
    }

    public DnsServers withTimeout(Duration timeout) {
        return new DnsServers(servers, timeout, attempts, cacheMaxTtl);
    }

    public DnsServers withAttempts(int attempts) {
        return new DnsServers(servers, timeout, attempts, cacheMaxTtl);
    }

    /** The same servers with answers cached for their TTL, at most {@code maxTtl}; ZERO turns the cache off. */
    public DnsServers withCacheMaxTtl(Duration maxTtl) {
        return new DnsServers(servers, timeout, attempts, maxTtl);
    }

    public boolean cachesAnswers() {
        return cacheMaxTtl.isPositive();
    }

    public boolean usesSystemResolvers() {
        return servers.isEmpty();
    }

    /** The server list in the form {@link #parse} accepts; empty for the system resolvers. */
    public String spec() {
        return servers.stream().map(DnsServers::format).collect(Collectors.joining(","));
    }

    @Override
    public String toString() {
        return "DnsServers[" + (servers.isEmpty() ? "system" : spec()) + ", timeout=" + timeout + ", attempts="
                + attempts + (cachesAnswers() ? ", cacheMaxTtl=" + cacheMaxTtl : "") + "]";
    }

    static String format(InetSocketAddress server) {
        String host = server.getAddress().getHostAddress();
        return server.getAddress() instanceof Inet6Address ? "[" + host + "]:" + server.getPort() : host + ":" + server.getPort();
    }

    private static InetSocketAddress parseEntry(String entry) {
        if (entry.isEmpty()) {
            throw new IllegalArgumentException("empty entry");
        }
        String host;
        String port = null;
        int family;
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ']' after the IPv6 address");
            }
            host = entry.substring(1, close);
            String rest = entry.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("expected ':port' after ']'");
                }
                port = rest.substring(1);
            }
            family = Address.IPv6;
        } else if (entry.indexOf(':') != entry.lastIndexOf(':')) {
            host = entry; // several colons and no brackets: a bare IPv6 address, default port
            family = Address.IPv6;
        } else {
            int colon = entry.indexOf(':');
            host = colon < 0 ? entry : entry.substring(0, colon);
            port = colon < 0 ? null : entry.substring(colon + 1);
            family = Address.IPv4;
        }
        // dnsjava's literal parser never does a lookup, unlike InetAddress.getByName.
        byte[] bytes = Address.toByteArray(host, family);
        if (bytes == null) {
            throw new IllegalArgumentException("expected an IP address (a.b.c.d[:port] or [v6][:port]), "
                    + "host names are not accepted");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port == null ? DEFAULT_PORT : parsePort(port));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address length", e); // cannot happen for 4 or 16 bytes
        }
    }

    private static int parsePort(String port) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("port must be a number 1-65535");
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port must be a number 1-65535");
        }
        return p;
    }
}
