package dev.reacher.testkit;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A scripted, authoritative DNS server on {@code 127.0.0.1} for tests: UDP on an ephemeral port and
 * TCP on the same port (for replies that do not fit in UDP and are truncated).
 *
 * <p>Script it per name, then point a resolver at {@link #address()}:
 * <pre>{@code
 * try (DnsFixture dns = DnsFixture.start()) {
 *     dns.mx("example.test", 10, "mx1.example.test").a("mx1.example.test", "127.0.0.1");
 *     dns.silent("slow.test");
 *     ... resolver configured with dns.address() ...
 * }
 * }</pre>
 * Answers: records of the asked type, in insertion order (CNAMEs are followed); a known name
 * without that type gives NODATA (NOERROR, empty answer); an unknown name gives NXDOMAIN.
 * {@link #servfail}, {@link #refused} and {@link #silent} override this for a name, whatever the
 * type; {@link #delay} holds the reply back. Records have a TTL of 60 s unless {@link #ttl} says
 * otherwise; negative answers carry no SOA unless {@link #soa} gives the zone one. Names are
 * case-insensitive and may omit the trailing dot.
 * (Name compression may give a reply's names the case of the question: ask {@code EXAMPLE.test} and
 * {@code mx.example.test} can come back as {@code mx.EXAMPLE.test}, as from many real servers.)
 * Each query is answered on its own virtual thread. Thread-safe.
 */
public final class DnsFixture implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsFixture.class);
    private static final long TTL = 60;
    private static final int PLAIN_UDP_LIMIT = 512;
    private static final int MAX_CNAME_HOPS = 8;

    private enum Behaviour { SERVFAIL, REFUSED, SILENT }

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Map<Name, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final Map<Name, Duration> delays = new ConcurrentHashMap<>();
    private final Map<Name, Long> ttls = new ConcurrentHashMap<>();
    private final Map<Name, SOARecord> soas = new ConcurrentHashMap<>();
    private final Map<Name, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger tcpTotal = new AtomicInteger();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private DnsFixture(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        workers.execute(this::serveUdp);
        workers.execute(this::acceptTcp);
    }

    /** Binds UDP and TCP on one free port of 127.0.0.1 and starts answering. */
    public static DnsFixture start() throws IOException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        BindException last = null;
        // The UDP port is free for UDP only; TCP may hold it already, so try a few ports.
        for (int i = 0; i < 20; i++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()), 256);
                return new DnsFixture(udp, tcp);
            } catch (BindException e) {
                last = e;
                tcp.close();
                udp.close();
            }
        }
        throw last;
    }

    // ---- script -----------------------------------------------------------------------------------

    /** Adds an MX record; several calls for one domain are answered in call order. */
    public DnsFixture mx(String domain, int preference, String exchange) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, preference, name(exchange)));
    }

    /** The RFC 7505 null MX: {@code domain MX 0 .}. */
    public DnsFixture nullMx(String domain) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, 0, Name.root));
    }

    /** Adds an A record; {@code ipv4} must be a literal such as {@code 127.0.0.2}. */
    public DnsFixture a(String host, String ipv4) {
        return add(new ARecord(name(host), DClass.IN, TTL, literal(ipv4, Address.IPv4)));
    }

    /** Adds an AAAA record; {@code ipv6} must be a literal such as {@code ::1}. */
    public DnsFixture aaaa(String host, String ipv6) {
        return add(new AAAARecord(name(host), DClass.IN, TTL, literal(ipv6, Address.IPv6)));
    }

    /** Makes {@code alias} a CNAME for {@code target}; queries for the alias get the chain. */
    public DnsFixture cname(String alias, String target) {
        return add(new CNAMERecord(name(alias), DClass.IN, TTL, name(target)));
    }

    /** Every query for {@code name} gets SERVFAIL. */
    public DnsFixture servfail(String name) {
        behaviours.put(name(name), Behaviour.SERVFAIL);
        return this;
    }

    /** Every query for {@code name} gets REFUSED. */
    public DnsFixture refused(String name) {
        behaviours.put(name(name), Behaviour.REFUSED);
        return this;
    }

    /** Queries for {@code name} are counted and dropped, so the client times out. */
    public DnsFixture silent(String name) {
        behaviours.put(name(name), Behaviour.SILENT);
        return this;
    }

    /** Replies for {@code name} are sent after {@code delay}. */
    public DnsFixture delay(String name, Duration delay) {
        delays.put(name(name), delay);
        return this;
    }

    /** Records owned by {@code name} are answered with this TTL instead of 60 s. */
    public DnsFixture ttl(String name, long seconds) {
        ttls.put(name(name), seconds);
        return this;
    }

    /**
     * Negative answers (NXDOMAIN, NODATA) for {@code zone} and names below it carry an SOA in the
     * authority section, with this record TTL and this {@code minimum} (RFC 2308's negative TTL is
     * the smaller of the two).
     */
    public DnsFixture soa(String zone, long ttl, long minimum) {
        Name z = name(zone);
        soas.put(z, new SOARecord(z, DClass.IN, ttl, name("ns." + zone), name("hostmaster." + zone), 1, 3600, 600,
                86400, minimum));
        return this;
    }

    // ---- observe ----------------------------------------------------------------------------------

    /** Queries received for {@code name} (any type, UDP and TCP), including dropped ones. */
    public int queries(String name) {
        AtomicInteger n = counts.get(name(name));
        return n == null ? 0 : n.get();
    }

    /** All queries received, for any name. */
    public int totalQueries() {
        return total.get();
    }

    /** Queries received over TCP (after a truncated UDP reply, normally). */
    public int tcpQueries() {
        return tcpTotal.get();
    }

    /** {@code 127.0.0.1:<port>}, the form resolver configurations take. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    public int port() {
        return udp.getLocalPort();
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(udp.getLocalAddress(), port());
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        workers.shutdownNow(); // interrupts delayed replies
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "DnsFixture[" + address() + "]";
    }

    // ---- serving ----------------------------------------------------------------------------------

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (!closed) {
                    log.warn("DNS fixture UDP receive failed", e);
                }
                return;
            }
            byte[] wire = Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
            SocketAddress client = packet.getSocketAddress();
            workers.execute(() -> reply(wire, true).ifPresent(out -> {
                try {
                    udp.send(new DatagramPacket(out, out.length, client));
                } catch (IOException e) {
                    log.debug("DNS fixture UDP send failed", e);
                }
            }));
        }
    }

    private void acceptTcp() {
        while (!closed) {
            try {
                Socket socket = tcp.accept();
                connections.add(socket);
                workers.execute(() -> serveTcp(socket));
            } catch (IOException e) {
                if (!closed) {
                    log.warn("DNS fixture TCP accept failed", e);
                }
                return;
            }
        }
    }

    /** Length-prefixed queries, possibly pipelined; each answered as soon as it is ready. */
    private void serveTcp(Socket socket) {
        List<Future<?>> pending = new CopyOnWriteArrayList<>();
        try (socket) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (!closed) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException e) {
                    break;
                }
                byte[] wire = in.readNBytes(length);
                tcpTotal.incrementAndGet();
                pending.add(workers.submit(() -> reply(wire, false).ifPresent(answer -> {
                    try {
                        synchronized (out) {
                            out.write(answer.length >>> 8);
                            out.write(answer.length & 0xff);
                            out.write(answer);
                            out.flush();
                        }
                    } catch (IOException e) {
                        log.debug("DNS fixture TCP write failed", e);
                    }
                })));
            }
            // The client may read its last replies after sending EOF; let them go out first.
            for (Future<?> f : pending) {
                f.get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            if (!closed) {
                log.debug("DNS fixture TCP connection ended", e);
            }
        } finally {
            connections.remove(socket);
        }
    }

    /** The reply to one query, or empty to drop it. */
    private Optional<byte[]> reply(byte[] wire, boolean udpTransport) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException e) {
            log.debug("DNS fixture dropped an unparsable query", e);
            return Optional.empty();
        }
        Record question = query.getQuestion();
        if (question == null) {
            return Optional.empty();
        }
        Name qname = question.getName();
        total.incrementAndGet();
        counts.computeIfAbsent(qname, n -> new AtomicInteger()).incrementAndGet();

        Duration delay = delays.get(qname);
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return Optional.empty(); // closing
            }
        }
        Behaviour behaviour = behaviours.get(qname);
        if (behaviour == Behaviour.SILENT) {
            return Optional.empty();
        }

        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
            response.getHeader().setFlag(Flags.RA);
        }
        response.addRecord(question, Section.QUESTION);
        if (behaviour == Behaviour.SERVFAIL) {
            response.getHeader().setRcode(Rcode.SERVFAIL);
        } else if (behaviour == Behaviour.REFUSED) {
            response.getHeader().setRcode(Rcode.REFUSED);
        } else {
            answer(response, qname, question.getType());
        }

        if (!udpTransport) {
            return Optional.of(response.toWire());
        }
        OPTRecord opt = query.getOPT();
        int limit = opt == null ? PLAIN_UDP_LIMIT : Math.max(PLAIN_UDP_LIMIT, opt.getPayloadSize());
        return Optional.of(response.toWire(limit)); // sets TC and drops records when over the limit
    }

    private void answer(Message response, Name qname, int type) {
        Name current = qname;
        for (int hop = 0; hop < MAX_CNAME_HOPS; hop++) {
            List<Record> owned = records.get(current);
            if (owned == null) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
                addSoa(response, current);
                return;
            }
            List<Record> matching = owned.stream().filter(r -> r.getType() == type).toList();
            if (!matching.isEmpty()) {
                matching.forEach(r -> response.addRecord(withTtl(r), Section.ANSWER));
                return;
            }
            Optional<Record> cname = owned.stream().filter(r -> r.getType() == Type.CNAME).findFirst();
            if (cname.isEmpty()) {
                addSoa(response, current); // NODATA
                return;
            }
            response.addRecord(withTtl(cname.get()), Section.ANSWER);
            current = ((CNAMERecord) cname.get()).getTarget();
        }
    }

    private Record withTtl(Record r) {
        Long ttl = ttls.get(r.getName());
        if (ttl == null) {
            return r;
        }
        try {
            return Record.fromString(r.getName(), r.getType(), r.getDClass(), ttl, r.rdataToString(), Name.root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy " + r, e); // its own text always parses
        }
    }

    /** The SOA of the closest enclosing zone that has one, if any. */
    private void addSoa(Message response, Name name) {
        for (Name n = name; n.labels() > 1; n = new Name(n, 1)) {
            SOARecord soa = soas.get(n);
            if (soa != null) {
                response.addRecord(soa, Section.AUTHORITY);
                return;
            }
        }
    }

    private DnsFixture add(Record record) {
        records.computeIfAbsent(record.getName(), n -> new CopyOnWriteArrayList<>()).add(record);
        return this;
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad DNS name `" + text + "`: " + e.getMessage(), e);
        }
    }

    private static InetAddress literal(String ip, int family) {
        try {
            return Address.getByAddress(ip, family); // literal only: never a lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal of the right family: " + ip, e);
        }
    }
}
