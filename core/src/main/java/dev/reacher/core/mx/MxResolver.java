package dev.reacher.core.mx;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Looks up MX records, and the addresses of MX hosts, with dnsjava against the configured servers.
 * Build one per configuration and share it: it is thread-safe. Identical questions asked at once
 * share one query (a bulk job that starts a thousand checks at one domain sends one MX query, not a
 * thousand that a resolver would drop or rate-limit). Unless {@link DnsServers#cacheMaxTtl()} turns
 * the cache on, nothing is kept once the reply is in, and a later call asks DNS again (as upstream,
 * which builds a fresh resolver per check). With the cache, a usable reply (NOERROR or NXDOMAIN) is
 * reused for its TTL, capped at that maximum; failures are never kept. A name asked in another case
 * may get a reply whose names have the case of the first question (see {@link #lookupMx}).
 *
 * <p>Calls block; run them on virtual threads. Each query to one server is bounded by
 * {@link DnsServers#timeout()}; servers are tried in order, for {@link DnsServers#attempts()} rounds,
 * so a call returns within about {@code attempts × servers × timeout}. A server that answers
 * SERVFAIL or REFUSED, times out or cannot be reached is skipped in favour of the next. UDP is used,
 * with TCP only when a reply is truncated (dnsjava pipelines concurrent TCP queries on one
 * connection, which some servers break).
 *
 * <p>Names are always queried as absolute names: no search list or ndots rule is applied (unlike
 * upstream), so {@code example.com} is never retried as {@code example.com.corp.internal}. Host
 * addresses for SMTP come from {@link #resolveHost} so that the JVM's resolver and its cache are
 * never involved.
 */
public final class MxResolver {
    private final DnsServers config;
    private final DnsQuery dns;
    /** Set when the system configuration gave no servers; every call then fails with IoError. */
    private final String configError;
    /** With a zero maximum TTL when the configuration turns the cache off: it then only joins identical questions in flight. */
    private final DnsAnswerCache cache;

    public MxResolver(DnsServers config) {
        this(config, System::nanoTime);
    }

    /** With the cache's clock, in nanoseconds, for tests. */
    MxResolver(DnsServers config, LongSupplier clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.cache = new DnsAnswerCache(config.cacheMaxTtl(), DnsAnswerCache.DEFAULT_MAX_ENTRIES, clock);
        List<InetSocketAddress> servers = config.servers();
        String error = null;
        if (config.usesSystemResolvers()) {
            try {
                servers = ResolverConfig.getCurrentConfig().servers();
                if (servers.isEmpty()) {
                    error = "no DNS servers found in the system configuration";
                }
            } catch (RuntimeException e) {
                servers = List.of();
                error = "cannot read the system DNS configuration: " + e.getMessage();
            }
        }
        this.configError = error;
        this.dns = new DnsQuery(config, servers);
    }

    public DnsServers config() {
        return config;
    }

    /**
     * MX records of {@code domain}, queried as typed (case kept, no trailing dot needed, no search
     * list). A null MX alone gives {@link MxLookup.NullMx}; null MX records mixed with real ones (which
     * RFC 7505 forbids) are dropped and the real ones returned. CNAMEs in the answer are followed.
     * Exchange names keep the case the server wrote (which name compression may borrow from the
     * question), as upstream reports them.
     */
    public MxLookup lookupMx(String domain) {
        Name name;
        try {
            name = absoluteName(domain);
        } catch (TextParseException e) {
            return MxLookup.Failed.resolveError("invalid domain name: " + e.getMessage());
        }
        if (configError != null) {
            return MxLookup.Failed.ioError(configError);
        }
        return switch (query(name, Type.MX)) {
            case Failure f -> new MxLookup.Failed(f.type(), f.message());
            case Answer a when a.message().getRcode() == Rcode.NXDOMAIN -> new MxLookup.NoRecords();
            case Answer a -> {
                List<MxRecord> records = new ArrayList<>();
                for (Record r : recordsFor(a.message(), name, Type.MX)) {
                    MXRecord mx = (MXRecord) r;
                    records.add(new MxRecord(mx.getPriority(), mx.getTarget().toString()));
                }
                List<MxRecord> real = records.stream().filter(r -> !r.isNullMx()).toList();
                if (records.isEmpty()) {
                    yield new MxLookup.NoRecords();
                }
                yield real.isEmpty() ? new MxLookup.NullMx() : new MxLookup.Found(real);
            }
        };
    }

    /**
     * Addresses of a mail host: its A records, then its AAAA records, asked of the same servers as
     * {@link #lookupMx}. An IP literal ({@code 127.0.0.1}, {@code ::1}, {@code [::1]}) is returned
     * as is, without a query.
     *
     * @throws UnknownHostException when the name has no A or AAAA record, or no answer could be had;
     *     the message names the host and the reason
     */
    public List<InetAddress> resolveHost(String host) throws UnknownHostException {
        Objects.requireNonNull(host, "host");
        InetAddress literal = parseLiteral(host);
        if (literal != null) {
            return List.of(literal);
        }
        Name name;
        try {
            name = absoluteName(host);
        } catch (TextParseException e) {
            throw new UnknownHostException(host + ": invalid host name: " + e.getMessage());
        }
        if (configError != null) {
            throw new UnknownHostException(host + ": " + configError);
        }
        Outcome v4 = cache.cached(name, Type.A);
        Outcome v6 = cache.cached(name, Type.AAAA);
        if (v4 == null || v6 == null) {
            // Both families at once: a slow or silent server costs one round of timeouts, not two. (Not
            // when both answers are cached: a thread per lookup was most of a cached lookup's cost.)
            try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Outcome> aaaa = exec.submit(() -> query(name, Type.AAAA));
                v4 = query(name, Type.A);
                v6 = join(aaaa);
            }
        }
        List<InetAddress> addresses = new ArrayList<>();
        addAddresses(v4, name, Type.A, addresses);
        addAddresses(v6, name, Type.AAAA, addresses);
        if (!addresses.isEmpty()) {
            return List.copyOf(addresses);
        }
        if (v4 instanceof Failure f) {
            throw new UnknownHostException(host + ": " + f.message());
        }
        if (v6 instanceof Failure f) {
            throw new UnknownHostException(host + ": " + f.message());
        }
        boolean nxdomain = ((Answer) v4).message().getRcode() == Rcode.NXDOMAIN;
        throw new UnknownHostException(host + (nxdomain ? ": no such host (NXDOMAIN)" : ": no A or AAAA records"));
    }

    @Override
    public String toString() {
        return "MxResolver[" + config + "]";
    }

    // ---------------------------------------------------------------------------------------------

    /** What one question got: a usable reply (NOERROR or NXDOMAIN), or the last error seen. */
    sealed interface Outcome {}

    record Answer(Message message) implements Outcome {}

    record Failure(String type, String message) implements Outcome {}

    private Outcome query(Name name, int type) {
        return cache.get(name, type, () -> dns.ask(name, type));
    }


    /** Records of {@code type} owned by {@code name} or by a CNAME target reached from it, in answer order. */
    private static List<Record> recordsFor(Message reply, Name name, int type) {
        Set<Name> owners = new HashSet<>();
        owners.add(name);
        List<Record> out = new ArrayList<>();
        // Servers list a CNAME before the records of its target, so one pass follows the chain.
        for (Record r : reply.getSection(Section.ANSWER)) {
            if (!owners.contains(r.getName())) {
                continue;
            }
            if (r.getType() == type) {
                out.add(r);
            } else if (r instanceof CNAMERecord cname) {
                owners.add(cname.getTarget());
            }
        }
        return out;
    }

    private static void addAddresses(Outcome outcome, Name name, int type, List<InetAddress> into) {
        if (outcome instanceof Answer answer) {
            for (Record r : recordsFor(answer.message(), name, type)) {
                into.add(r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress());
            }
        }
    }

    private static Outcome join(Future<Outcome> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failure(MxLookup.Failed.RESOLVE_ERROR, "interrupted");
        } catch (ExecutionException e) {
            return new Failure(MxLookup.Failed.RESOLVE_ERROR, DnsQuery.describe(e));
        }
    }

    /** The name as absolute (no search list applies to it); the root and {@code @} are not domains. */
    private static Name absoluteName(String text) throws TextParseException {
        if (text == null || text.isBlank() || text.equals("@")) {
            throw new TextParseException("'" + text + "': empty name");
        }
        Name name = Name.fromString(text, Name.root);
        if (name.equals(Name.root)) {
            throw new TextParseException("'" + text + "': the root is not a host or domain");
        }
        return name;
    }

    private static InetAddress parseLiteral(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        byte[] bytes = Address.toByteArray(h, Address.IPv4);
        if (bytes == null) {
            bytes = Address.toByteArray(h, Address.IPv6);
        }
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes); // no lookup: the bytes are the address
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
