package dev.reacher.server.fleet;

import dev.reacher.core.smtp.CatchAllCache;
import dev.reacher.server.storage.Database;
import dev.reacher.server.storage.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CatchAllCache} for a fleet: a domain's definite probe answer, stored by whichever process
 * probed first, serves every process until it expires ({@code fleet_catch_all}, migration
 * {@code V6__fleet_politeness.sql}). Answers read from the store are also kept in this process
 * until the same expiry, so a busy domain costs one query per process and TTL. The store's clock
 * decides expiry, so processes with skewed clocks agree.
 *
 * <p>The cache only saves probes: when the store cannot be reached, lookups answer from this
 * process's answers or "unknown" (the conversation then probes as it would without a cache), stores
 * stay in this process, and the store is asked again a second later; that is logged once per
 * outage, never thrown.
 */
public final class PostgresCatchAllCache implements CatchAllCache, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresCatchAllCache.class);
    /** Above this many domains kept in this process, expired ones are dropped on the next store. */
    private static final int SWEEP_ABOVE = 100_000;
    /** Every this many stores, expired rows are deleted from the table. */
    private static final long SWEEP_TABLE_EVERY = 1_000;

    private record Answer(boolean catchAll, Instant expires) {}

    private final Database db;
    private final Duration ttl;
    private final Clock clock;
    private final ConcurrentHashMap<String, Answer> near = new ConcurrentHashMap<>();
    private final AtomicLong stores = new AtomicLong();
    private final RoundTrips roundTrips = new RoundTrips();
    private final AtomicBoolean outageLogged = new AtomicBoolean();
    /** While the store is known to be down, it is not asked (a dead server must not slow every check). */
    private volatile Instant storeDownUntil = Instant.MIN;

    public PostgresCatchAllCache(Database db, Duration ttl, Clock clock) {
        if (!ttl.isPositive()) {
            throw new IllegalArgumentException("catch_all_ttl must be positive for a shared cache, got " + ttl);
        }
        this.db = db;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public Boolean get(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        Answer a = near.get(key);
        if (a != null && clock.instant().isBefore(a.expires())) {
            return a.catchAll();
        }
        if (clock.instant().isBefore(storeDownUntil)) {
            return null;
        }
        long t0 = System.nanoTime();
        try {
            // One statement in auto-commit: one round trip, where a read-only transaction took two.
            Answer stored = db.autoCommit("reading the catch-all answer for " + key, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT catch_all,"
                        + " EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000 AS left_ms"
                        + " FROM fleet_catch_all WHERE domain = ? AND expires_at > clock_timestamp()")) {
                    ps.setString(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? new Answer(rs.getBoolean(1), clock.instant().plusMillis(rs.getLong(2))) : null;
                    }
                }
            });
            roundTrips.add("catch_all.read", 1, t0);
            storeAnswered();
            if (stored == null) {
                near.remove(key);
                return null;
            }
            near.put(key, stored);
            return stored.catchAll();
        } catch (StorageException e) {
            storeFailed(e);
            return null;
        }
    }

    @Override
    public void put(String domain, boolean catchAll) {
        String key = domain.toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        if (near.size() > SWEEP_ABOVE) {
            near.values().removeIf(a -> !now.isBefore(a.expires()));
        }
        near.put(key, new Answer(catchAll, now.plus(ttl)));
        if (now.isBefore(storeDownUntil)) {
            return;
        }
        boolean sweep = stores.incrementAndGet() % SWEEP_TABLE_EVERY == 0;
        long t0 = System.nanoTime();
        try {
            db.autoCommit("storing the catch-all answer for " + key, c -> { // each statement commits alone
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO fleet_catch_all (domain, catch_all, expires_at)"
                        + " VALUES (?, ?, clock_timestamp() + ? * INTERVAL '1 millisecond')"
                        + " ON CONFLICT (domain) DO UPDATE SET catch_all = EXCLUDED.catch_all,"
                        + " expires_at = EXCLUDED.expires_at")) {
                    ps.setString(1, key);
                    ps.setBoolean(2, catchAll);
                    ps.setLong(3, ttl.toMillis());
                    ps.executeUpdate();
                }
                if (sweep) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "DELETE FROM fleet_catch_all WHERE expires_at <= clock_timestamp()")) {
                        ps.executeUpdate();
                    }
                }
                return null;
            });
            roundTrips.add("catch_all.write", sweep ? 2 : 1, t0);
            storeAnswered();
        } catch (StorageException e) {
            storeFailed(e);
        }
    }

    /** Round trips and the time spent in them, by purpose. */
    public RoundTrips roundTrips() {
        return roundTrips;
    }

    /** Logs the round trips; the database belongs to whoever opened it. */
    @Override
    public void close() {
        LOG.info("fleet store round trips of the catch-all cache: {}", roundTrips);
    }

    private void storeFailed(StorageException e) {
        storeDownUntil = clock.instant().plusSeconds(1);
        if (outageLogged.compareAndSet(false, true)) {
            LOG.warn("the catch-all cache works in this process only until the shared store answers again: {}",
                    e.getMessage());
        }
    }

    private void storeAnswered() {
        if (outageLogged.compareAndSet(true, false)) {
            LOG.info("the catch-all cache is shared by the fleet again");
        }
    }
}
