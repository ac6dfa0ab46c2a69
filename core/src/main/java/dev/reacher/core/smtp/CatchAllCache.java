package dev.reacher.core.smtp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A domain's answer to the catch-all probe (a random address accepted or refused), reused for a
 * while so that the conversations of the following addresses at that domain skip the probe's
 * {@code RCPT}. Only definite answers are stored (a 2xx or a "no such user" 5xx), never a temporary
 * or unclear one, so a cached answer is the one the probe would have given. Per process today
 * ({@link #local}); the interface is what a fleet-wide implementation on shared state would provide.
 */
public interface CatchAllCache {

    /** The cached answer for {@code domain}: true for catch-all, false for not, null when unknown. */
    Boolean get(String domain);

    /** Remembers a definite probe answer for {@code domain}. */
    void put(String domain, boolean catchAll);

    /** No cache: every conversation probes (upstream's behaviour). */
    static CatchAllCache none() {
        return new CatchAllCache() {
            @Override
            public Boolean get(String domain) {
                return null;
            }

            @Override
            public void put(String domain, boolean catchAll) {}
        };
    }

    /** Answers kept for {@code ttl} on {@code clock} in this process; {@link #none()} when the ttl is zero. */
    static CatchAllCache local(Duration ttl, Clock clock) {
        return ttl.isZero() ? none() : new Local(ttl, clock);
    }

    /** The in-process cache: one entry per domain, dropped when read after it expired. */
    final class Local implements CatchAllCache {
        /** Above this many domains, expired entries are swept out on the next store. */
        private static final int SWEEP_ABOVE = 100_000;

        private record Answer(boolean catchAll, Instant expires) {}

        private final Duration ttl;
        private final Clock clock;
        private final ConcurrentHashMap<String, Answer> answers = new ConcurrentHashMap<>();

        private Local(Duration ttl, Clock clock) {
            this.ttl = ttl;
            this.clock = clock;
        }

        @Override
        public Boolean get(String domain) {
            String key = domain.toLowerCase(Locale.ROOT);
            Answer a = answers.get(key);
            if (a == null) {
                return null;
            }
            if (!clock.instant().isBefore(a.expires())) {
                answers.remove(key, a);
                return null;
            }
            return a.catchAll();
        }

        @Override
        public void put(String domain, boolean catchAll) {
            Instant now = clock.instant();
            if (answers.size() > SWEEP_ABOVE) {
                answers.values().removeIf(a -> !now.isBefore(a.expires()));
            }
            answers.put(domain.toLowerCase(Locale.ROOT), new Answer(catchAll, now.plus(ttl)));
        }
    }
}
