package dev.reacher.server.fleet;

import dev.reacher.core.smtp.DestinationLimits;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.server.storage.Database;
import dev.reacher.server.storage.StorageException;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DestinationLimits} for a fleet: {@code max_concurrency} sessions per destination and
 * {@code min_interval} between new ones hold across every process using the same PostgreSQL
 * (tables and function of migration {@code V6__fleet_politeness.sql}).
 *
 * <ul>
 *   <li>In front of the store, a per-process gate of the same {@code max_concurrency} (first come,
 *       first served): at most that many of this process's verifications ask the store for one
 *       destination, whatever the crowd waiting behind them.</li>
 *   <li>Taking a slot is one round trip ({@code fleet_destination_acquire}, one statement in
 *       auto-commit); when the destination is
 *       full the caller asks again after 25 ms, doubling to 200 ms; when only the spacing refuses, it
 *       waits exactly as long as the store says. Returning a slot is one more (delete).</li>
 *   <li>Slots are leases: this process renews the ones it holds every third of {@code leaseTtl}, so
 *       the slots of a process killed with {@code kill -9} are free within the TTL.</li>
 *   <li>When the store cannot be reached, the limits hold per process only (the gate) until a call
 *       succeeds again a second later; a session is never refused or held back for the store's
 *       sake. That is logged once per outage.</li>
 * </ul>
 */
public final class PostgresDestinationLimits implements DestinationLimits, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresDestinationLimits.class);
    private static final long FIRST_POLL_MS = 25;
    private static final long MAX_POLL_MS = 200;
    private static final Duration STORE_RETRY = Duration.ofSeconds(1);
    /** Destinations idle this long (no slot, spacing passed) are swept from the table. */
    private static final Duration IDLE_ROWS = Duration.ofHours(1);
    private static final long LOCAL_ONLY = -1;

    private final Database db;
    private final boolean ownsDb;
    private final String holder;
    private final int maxConcurrency;
    private final Duration minInterval;
    private final Duration leaseTtl;
    private final DestinationLimits gate;
    private final Clock clock;
    private final Set<Long> held = ConcurrentHashMap.newKeySet();
    private final RoundTrips roundTrips = new RoundTrips();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicBoolean outageLogged = new AtomicBoolean();
    private volatile Instant storeDownUntil = Instant.MIN;
    private final Thread renewer;

    /**
     * @param holder how this process is named in the slot rows (e.g. {@code worker-a/4711})
     * @param leaseTtl a dead holder's slots are free after at most this long
     */
    public PostgresDestinationLimits(Database db, String holder, Politeness politeness, Duration leaseTtl,
            Clock clock) {
        this(db, false, holder, politeness, leaseTtl, clock);
    }

    private PostgresDestinationLimits(Database db, boolean ownsDb, String holder, Politeness politeness,
            Duration leaseTtl, Clock clock) {
        this.db = db;
        this.ownsDb = ownsDb;
        this.holder = holder;
        this.maxConcurrency = politeness.maxConcurrency();
        this.minInterval = politeness.minInterval();
        this.leaseTtl = leaseTtl;
        this.clock = clock;
        this.gate = DestinationLimits.local(new Politeness(maxConcurrency, Duration.ZERO, Duration.ZERO), clock);
        this.renewer = Thread.ofVirtual().name("fleet-destination-renewer").start(this::renewLoop);
    }

    /**
     * Opens a small connection pool of its own on the fleet's database (so that session slots never
     * queue behind the proxy pool's budget calls), closed with these limits; every wait on it is
     * bounded by {@code timeout}. The catch-all cache of the same fleet can share it ({@link #database()}).
     *
     * @throws dev.reacher.server.storage.StorageException when the database cannot be reached at start
     */
    public static PostgresDestinationLimits open(String url, String schema, String holder, Politeness politeness,
            Duration leaseTtl, Duration timeout) {
        return new PostgresDestinationLimits(Database.postgres(url, schema, 4, timeout, true), true, holder, politeness,
                leaseTtl, Clock.systemUTC());
    }

    /** The database these limits use. */
    public Database database() {
        return db;
    }

    @Override
    public Slot acquire(String destination, Instant deadline) throws InterruptedException {
        Slot local = gate.acquire(destination, deadline);
        if (local == null) {
            return null;
        }
        long id;
        long t0 = System.nanoTime();
        try {
            id = fleetSlot(destination, deadline);
        } catch (InterruptedException | RuntimeException e) {
            local.close();
            throw e;
        } finally {
            roundTrips.add("destination.wait", 0, t0); // the whole wait for a slot, sleeps included
        }
        if (id == 0) {
            local.close();
            return null;
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                if (id != LOCAL_ONLY) {
                    release(id);
                }
                local.close();
            }
        };
    }

    /** The store's slot id, {@link #LOCAL_ONLY} while the store is down, or 0 when the deadline passed first. */
    private long fleetSlot(String destination, Instant deadline) throws InterruptedException {
        long pollMs = FIRST_POLL_MS;
        while (true) {
            if (clock.instant().isBefore(storeDownUntil)) {
                return LOCAL_ONLY;
            }
            long waitMs;
            try {
                long[] answer = tryAcquire(destination);
                if (answer[0] != 0) {
                    held.add(answer[0]);
                    return answer[0];
                }
                waitMs = answer[1] > 0 ? answer[1] : pollMs;
                pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
                outageOver();
            } catch (StorageException e) {
                storeDown(e);
                return LOCAL_ONLY;
            }
            long leftMs = DestinationLimits.millisUntil(clock.instant(), deadline);
            if (leftMs <= 0) {
                return 0;
            }
            Thread.sleep(Math.min(waitMs, leftMs));
        }
    }

    /** {slot id or 0, ms until the spacing allows a session or 0}. */
    private long[] tryAcquire(String destination) {
        long t0 = System.nanoTime();
        // One statement in auto-commit: the function is atomic by itself, no BEGIN/COMMIT round trip.
        long[] answer = db.autoCommit("taking a session slot for " + destination, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT slot_id, wait_ms FROM fleet_destination_acquire(?, ?, ?, ?, ?)")) {
                ps.setString(1, destination);
                ps.setString(2, holder);
                ps.setInt(3, maxConcurrency);
                ps.setInt(4, (int) Math.min(Integer.MAX_VALUE, minInterval.toMillis()));
                ps.setInt(5, (int) Math.min(Integer.MAX_VALUE, leaseTtl.toMillis()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new long[] {rs.getLong(1), rs.getLong(2)};
                }
            }
        });
        roundTrips.add("destination.acquire", 1, t0);
        return answer;
    }

    private void release(long id) {
        held.remove(id);
        long t0 = System.nanoTime();
        try {
            db.autoCommit("returning a session slot", c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM fleet_destination_slot WHERE id = ?")) {
                    ps.setLong(1, id);
                    return ps.executeUpdate();
                }
            });
            roundTrips.add("destination.release", 1, t0);
        } catch (StorageException e) {
            storeDown(e); // the lease expires by itself within the TTL
        }
    }

    /** Renews the held slots every third of the TTL; once a minute, sweeps destinations long idle. */
    private void renewLoop() {
        Duration every = leaseTtl.dividedBy(3);
        Instant nextSweep = clock.instant();
        try {
            while (!stop.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    renew();
                    if (!clock.instant().isBefore(nextSweep)) {
                        sweep();
                        nextSweep = clock.instant().plusSeconds(60);
                    }
                } catch (StorageException e) {
                    storeDown(e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void renew() {
        Long[] ids = held.toArray(Long[]::new);
        if (ids.length == 0) {
            return;
        }
        long t0 = System.nanoTime();
        db.autoCommit("renewing session slots", c -> {
            Array array = c.createArrayOf("bigint", ids);
            try (PreparedStatement ps = c.prepareStatement("UPDATE fleet_destination_slot"
                    + " SET expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond' WHERE id = ANY(?)")) {
                ps.setLong(1, leaseTtl.toMillis());
                ps.setArray(2, array);
                return ps.executeUpdate();
            } finally {
                array.free();
            }
        });
        roundTrips.add("destination.renew", 1, t0);
    }

    private void sweep() {
        long t0 = System.nanoTime();
        db.autoCommit("sweeping idle destinations", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM fleet_destination d"
                    + " WHERE d.next_start < clock_timestamp() - ? * INTERVAL '1 second' AND NOT EXISTS"
                    + " (SELECT 1 FROM fleet_destination_slot s WHERE s.destination = d.destination)")) {
                ps.setLong(1, IDLE_ROWS.toSeconds());
                return ps.executeUpdate();
            }
        });
        roundTrips.add("destination.sweep", 1, t0);
    }

    private void storeDown(StorageException e) {
        storeDownUntil = clock.instant().plus(STORE_RETRY);
        if (outageLogged.compareAndSet(false, true)) {
            LOG.warn("per-destination SMTP limits hold per process only until the shared store answers again: {}",
                    e.getMessage());
        }
    }

    private void outageOver() {
        if (outageLogged.compareAndSet(true, false)) {
            LOG.info("per-destination SMTP limits are fleet-wide again");
        }
    }

    /** Slots this process holds in the store now (for tests and the status view). */
    public int heldSlots() {
        return held.size();
    }

    /** Round trips and the time spent in them, by purpose. */
    public RoundTrips roundTrips() {
        return roundTrips;
    }

    /** Stops renewing (the slots still held expire within the TTL) and closes the database it opened. */
    @Override
    public void close() {
        stop.countDown();
        LOG.info("fleet store round trips of the destination limits: {}", roundTrips);
        try {
            renewer.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (ownsDb) {
                db.close();
            }
        }
    }
}
