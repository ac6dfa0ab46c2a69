package dev.reacher.core.mx;

import dev.reacher.core.mx.MxResolver.Answer;
import dev.reacher.core.mx.MxResolver.Failure;
import dev.reacher.core.mx.MxResolver.Outcome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/**
 * Asks one question of the configured servers: each in order, for {@link DnsServers#attempts()}
 * rounds, until one gives a usable reply (NOERROR or NXDOMAIN). A server that answers SERVFAIL or
 * REFUSED, times out or cannot be reached is skipped; when none answers, the last error (or
 * upstream's "request timed out" when every try timed out) is the outcome. {@link MxResolver}
 * reads the records out of the reply.
 */
final class DnsQuery {
    // MxResolver's logger, as before the split: log configurations name it.
    private static final Logger log = LoggerFactory.getLogger(MxResolver.class);

    private final int attempts;
    private final List<SimpleResolver> resolvers;

    DnsQuery(DnsServers config, List<InetSocketAddress> servers) {
        this.attempts = config.attempts();
        this.resolvers = servers.stream().map(server -> {
            SimpleResolver r = new SimpleResolver(server);
            r.setTimeout(config.timeout());
            return r;
        }).toList();
    }

    Outcome ask(Name name, int type) {
        Failure last = null;
        boolean onlyTimeouts = true;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            for (SimpleResolver resolver : resolvers) {
                String server = DnsServers.format(resolver.getAddress());
                Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
                try {
                    Message reply = resolver.send(query);
                    int rcode = reply.getRcode();
                    if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                        log.debug("DNS {} {} via {}: {}, {} record(s)", Type.string(type), name, server, Rcode.string(rcode),
                                reply.getSection(Section.ANSWER).size());
                        return new Answer(reply);
                    }
                    onlyTimeouts = false;
                    last = new Failure(MxLookup.Failed.RESOLVE_ERROR,
                            "nameserver " + server + " responded with " + Rcode.string(rcode));
                } catch (IOException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return new Failure(MxLookup.Failed.RESOLVE_ERROR, "interrupted");
                    }
                    boolean timeout = isTimeout(e);
                    onlyTimeouts &= timeout;
                    last = classify(e, timeout, server);
                }
                log.debug("DNS {} {} via {} (attempt {}/{}): {}", Type.string(type), name, server, attempt,
                        attempts, last.message());
            }
        }
        if (last == null) {
            return new Failure(MxLookup.Failed.IO_ERROR, "no DNS servers configured");
        }
        // Upstream's (hickory's) text for the common case, which clients may have seen before.
        return onlyTimeouts ? new Failure(MxLookup.Failed.RESOLVE_ERROR, "request timed out") : last;
    }

    private static Failure classify(IOException e, boolean timeout, String server) {
        if (timeout) {
            return new Failure(MxLookup.Failed.RESOLVE_ERROR, "request to " + server + " timed out");
        }
        if (e instanceof WireParseException) {
            return new Failure(MxLookup.Failed.RESOLVE_ERROR, "malformed reply from " + server + ": " + e.getMessage());
        }
        return new Failure(MxLookup.Failed.IO_ERROR, "cannot query " + server + ": " + describe(e));
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage();
        return text == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": " + text;
    }
}
