package dev.reacher.core.mx;

import dev.reacher.core.mx.MxResolver.Answer;
import dev.reacher.core.mx.MxResolver.Failure;
import dev.reacher.core.mx.MxResolver.Outcome;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

/**
 * Usable replies (NOERROR, NXDOMAIN) of {@link MxResolver}, kept for their TTL and at most the
 * configured maximum, so that a bulk job with many addresses at one domain asks DNS once per TTL
 * rather than once per address (resolvers rate-limit). Questions asked while the same one is in
 * flight wait for its reply instead of sending their own. Failures are shared only with those
 * waiters: the next caller asks again. With a zero maximum TTL nothing is kept, and the cache only
 * joins questions in flight.
 */
final class DnsAnswerCache {
    static final int DEFAULT_MAX_ENTRIES = 10_000;

    /** The name in lower case: DNS names are case-insensitive (RFC 4343). */
    private record Key(Name name, int type) {}

    private static final class Entry {
        final CompletableFuture<Outcome> reply = new CompletableFuture<>();
        /** Clock value after which the reply is stale; written before {@link #reply} completes. */
        volatile long expires;
    }

    private final long maxTtlNanos;
    private final int maxEntries;
    private final LongSupplier clock;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final ReentrantLock trimming = new ReentrantLock();

    /** @param clock nanoseconds, as {@link System#nanoTime} (tests drive it by hand) */
    DnsAnswerCache(Duration maxTtl, int maxEntries, LongSupplier clock) {
        this.maxTtlNanos = maxTtl.toNanos();
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    /** The fresh cached reply to ({@code name}, {@code type}), the one in flight, or {@code query}'s. */
    Outcome get(Name name, int type, Supplier<Outcome> query) {
        Key key = new Key(name.canonicalize(), type);
        Outcome hit = fresh(entries.get(key));
        if (hit != null) {
            return hit; // the common case, without a new entry per call
        }
        while (true) {
            Entry mine = new Entry();
            Entry found = entries.putIfAbsent(key, mine);
            if (found == null) {
                return ask(key, mine, query);
            }
            if (found.reply.isDone() && clock.getAsLong() - found.expires >= 0) {
                entries.remove(key, found); // stale
                continue;
            }
            Outcome shared = await(found);
            if (shared != null) {
                return shared;
            }
            // The asker was interrupted: its failure says nothing about DNS, so ask again.
        }
    }

    /** The fresh cached reply to ({@code name}, {@code type}), or null: none, stale or still in flight. */
    Outcome cached(Name name, int type) {
        return fresh(entries.get(new Key(name.canonicalize(), type)));
    }

    private Outcome fresh(Entry entry) {
        if (entry == null || !entry.reply.isDone() || entry.reply.isCompletedExceptionally()
                || clock.getAsLong() - entry.expires >= 0) {
            return null;
        }
        return entry.reply.getNow(null);
    }

    int size() {
        return entries.size();
    }

    private Outcome ask(Key key, Entry entry, Supplier<Outcome> query) {
        Outcome outcome;
        try {
            outcome = query.get();
        } catch (RuntimeException | Error e) {
            entries.remove(key, entry);
            entry.reply.completeExceptionally(e);
            throw e;
        }
        long ttl = outcome instanceof Answer a ? ttlSeconds(a.message(), key.type()) : 0;
        if (ttl > 0 && maxTtlNanos > 0) {
            entry.expires = clock.getAsLong() + Math.min(Duration.ofSeconds(ttl).toNanos(), maxTtlNanos);
        } else {
            entries.remove(key, entry); // waiters still get it, later callers ask again
        }
        boolean interrupted = outcome instanceof Failure && Thread.currentThread().isInterrupted();
        entry.reply.complete(interrupted ? null : outcome);
        if (entries.size() > maxEntries) {
            trim();
        }
        return outcome;
    }

    private static Outcome await(Entry entry) {
        try {
            return entry.reply.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failure(MxLookup.Failed.RESOLVE_ERROR, "interrupted");
        } catch (ExecutionException e) {
            return new Failure(MxLookup.Failed.RESOLVE_ERROR, "lookup failed: " + e.getCause());
        }
    }

    /**
     * Drops stale entries, then any, until a tenth of the room is free again: one pass per
     * {@code maxEntries / 10} insertions keeps the cost per insertion constant on average.
     */
    private void trim() {
        if (!trimming.tryLock()) {
            return; // someone else is at it
        }
        try {
            long now = clock.getAsLong();
            int target = maxEntries - Math.max(1, maxEntries / 10);
            entries.values().removeIf(e -> e.reply.isDone() && now - e.expires >= 0);
            for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && entries.size() > target; ) {
                it.next();
                it.remove(); // an asker still in flight only loses its waiters' company
            }
        } finally {
            trimming.unlock();
        }
    }

    /**
     * How long a reply may be reused, in seconds; 0 when it may not. A positive answer lives as long
     * as its shortest record; a negative one (NXDOMAIN, or no record of the type asked) as long as
     * its SOA allows, min(SOA TTL, SOA minimum) (RFC 2308), and not at all without an SOA.
     */
    static long ttlSeconds(Message reply, int type) {
        long ttl = Long.MAX_VALUE;
        boolean hasType = false;
        for (Record r : reply.getSection(Section.ANSWER)) {
            ttl = Math.min(ttl, r.getTTL());
            hasType |= r.getType() == type;
        }
        if (reply.getRcode() == Rcode.NOERROR && hasType) {
            return ttl;
        }
        for (Record r : reply.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(ttl, Math.min(soa.getTTL(), soa.getMinimum()));
            }
        }
        return 0;
    }
}
