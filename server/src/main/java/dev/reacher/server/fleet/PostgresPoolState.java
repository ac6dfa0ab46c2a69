package dev.reacher.server.fleet;

import dev.reacher.core.proxy.HealthEvent;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolState;
import dev.reacher.core.proxy.PoolStateUnavailableException;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.server.storage.Database;
import dev.reacher.server.storage.StorageException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet's {@link PoolState} in the scale-out PostgreSQL (tables and functions of migration
 * {@code V5__fleet_pool.sql}, in the configured schema):
 * <ul>
 *   <li>a verification start is one round trip ({@code fleet_acquire}: refill and take one token of
 *       every limited period under the proxy's row lock, check {@code max_in_flight}, insert a
 *       lease); its end costs no round trip of its own: released leases are deleted in batches every
 *       {@link #RELEASE_WINDOW} by a background thread;</li>
 *   <li>a proxy with nothing to enforce (no rate limit, no {@code max_in_flight}) costs no round
 *       trip at all: this process counts its slots and publishes the counts every second
 *       ({@code fleet_process_in_flight}, expiring like leases), for {@code least_used} and the
 *       fleet view;</li>
 *   <li>leases expire after {@code leaseTtl}; this process renews the ones it holds every third of
 *       it, so a process killed with {@code kill -9} frees its slots within the TTL;</li>
 *   <li>health changes are rows in {@code fleet_proxy_health} plus a {@code NOTIFY} on a channel
 *       per schema; a dedicated connection LISTENs on a virtual thread, reads the table on every
 *       (re)connect, and hands events to the pool;</li>
 *   <li>in-flight counts for {@code least_used} and the budget view are refreshed every second;</li>
 *   <li>after the store answered "no budget for this proxy until t", this process's callers wait
 *       for t locally and only one of them asks again then, the others waiting for its answer
 *       (Envoy's lesson: a local filter in front of the shared authority); a grant that empties the
 *       bucket names the next token's time too (V8), so under a binding limit a process asks about
 *       once per token instead of every waiting verification asking after each grant.</li>
 * </ul>
 * When the database cannot be reached, calls that need it throw {@link PoolStateUnavailableException}
 * at once (no waiting on a dead server) and {@link #problem()} says why, until a probe succeeds.
 */
public final class PostgresPoolState implements PoolState {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresPoolState.class);
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration SWEEP_EVERY = Duration.ofSeconds(30);
    /** How long other callers of this process wait (then look again) while one asks the store about an exhausted proxy. */
    private static final Duration PROBE_SPACING = Duration.ofMillis(20);
    private static final long OPEN = Long.MIN_VALUE;
    /** The gate's value while one caller of this process asks the store about an exhausted proxy. */
    private static final long PROBING = Long.MAX_VALUE;
    /** The id of a slot taken without a lease (a proxy with nothing to enforce): counted, not stored per verification. */
    private static final long UNLEASED = -1;
    /**
     * Connections for acquire/release and the ticker: each holds one for a few milliseconds, and a
     * caller waits up to 30 s for a free one (queueing, not an outage). Plus one for LISTEN.
     */
    private static final int POOL_SIZE = 8;
    /**
     * Releases are collected this long and deleted in one statement, off the verification's path:
     * a released slot is free for the fleet this much (plus one round trip) later.
     */
    static final Duration RELEASE_WINDOW = Duration.ofMillis(20);

    private final Database db;
    private final boolean ownsDb;
    private final PoolState fallback; // null: refuse while the store is down (on_store_failure = pause)
    private final String processId;
    private final Duration leaseTtl;
    private final String channel;
    private final Clock clock = Clock.systemUTC();
    private final Set<Long> held = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<Long> released = new LinkedBlockingQueue<>();
    private final Map<String, Integer> fleetInFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> unleased = new ConcurrentHashMap<>();
    private final Map<String, StoredBudget> budgets = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> notBefore = new ConcurrentHashMap<>(); // System.nanoTime() per proxy
    private final RoundTrips roundTrips = new RoundTrips();
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile String storeProblem;
    private volatile boolean crashed; // tests: stop as kill -9 would, leaving every lease behind
    private volatile String listenProblem;
    private volatile Consumer<HealthEvent> receiver;
    private volatile Connection listening;
    private final Thread ticker;
    private final Thread releaser;
    private Thread listener;

    private record StoredBudget(Double[] tokens, Instant refilledAt) {}

    private PostgresPoolState(Database db, boolean ownsDb, String processId, Duration leaseTtl, boolean localFallback) {
        this.db = db;
        this.ownsDb = ownsDb;
        this.fallback = localFallback ? PoolState.local(clock) : null;
        this.processId = processId;
        this.leaseTtl = leaseTtl;
        String schema = db.schema() == null ? "public" : db.schema();
        String name = "reacher_fleet_" + schema.toLowerCase(Locale.ROOT);
        this.channel = name.length() > 63 ? name.substring(0, 63) : name;
        this.ticker = Thread.ofVirtual().name("fleet-state-ticker").start(this::tick);
        this.releaser = Thread.ofVirtual().name("fleet-state-releaser").start(this::releaseLoop);
    }

    /**
     * Opens (and migrates) the database at {@code url}; every wait on it is bounded by
     * {@code timeout}.
     *
     * @param processId how this process is named in events and leases (e.g. {@code worker-a/4711})
     * @param localFallback while the store cannot be reached, use this process's own budgets
     *     (limits then hold per process only) instead of refusing every verification
     * @throws StorageException when it cannot be reached at start
     */
    public static PostgresPoolState open(String url, String schema, String processId, Duration leaseTtl,
            Duration timeout, boolean localFallback) {
        return new PostgresPoolState(Database.postgres(url, schema, POOL_SIZE, timeout, true), true, processId, leaseTtl,
                localFallback);
    }

    /** Round trips to the database so far (acquire, release, publish, claims and the background ones). */
    public long roundTrips() {
        return roundTrips.total();
    }

    /** Round trips and the time spent in them, by purpose. */
    public RoundTrips roundTripsByKind() {
        return roundTrips;
    }

    /** The lease time-to-live: a dead holder's slots are free after at most this long. */
    public Duration leaseTtl() {
        return leaseTtl;
    }

    @Override
    public Acquire tryAcquire(PoolProxy proxy, boolean enforceLimits) {
        String problem = storeProblem;
        if (problem != null) {
            if (fallback != null) {
                return fallback.tryAcquire(proxy, enforceLimits);
            }
            throw new PoolStateUnavailableException(problem, null);
        }
        if (proxy.limits().limits().isEmpty() && (proxy.maxInFlight() == null || !enforceLimits)) {
            // Nothing to enforce: no round trip. The count is published every second (tick), and
            // drops out of the fleet's view by itself if this process dies.
            unleased.computeIfAbsent(proxy.id(), id -> new AtomicInteger()).incrementAndGet();
            fleetInFlight.merge(proxy.id(), 1, Integer::sum);
            return new Slot(proxy.id(), UNLEASED);
        }
        long now = System.nanoTime();
        AtomicLong gate = enforceLimits ? notBefore.computeIfAbsent(proxy.id(), id -> new AtomicLong(OPEN)) : null;
        long until = gate == null ? OPEN : gate.get();
        if (until != OPEN) {
            // The store said "no budget until t": callers of this process wait for t here, and one
            // of them asks again then; the others wait for its answer (PROBING) however long the
            // round trip takes, so a crowd of waiting verifications costs the database one query
            // per proxy, process and token, not one each.
            if (until == PROBING) {
                return new Wait(PROBE_SPACING);
            }
            if (now - until < 0) {
                return new Wait(Duration.ofNanos(Math.max(1_000_000, until - now)));
            }
            if (!gate.compareAndSet(until, PROBING)) {
                return new Wait(PROBE_SPACING);
            }
        }
        long t0 = System.nanoTime();
        boolean answered = false;
        try {
            Acquire result = db.autoCommit("acquiring a slot of proxy " + proxy.id(), c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT lease_id, wait_ms, in_flight FROM fleet_acquire(?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, proxy.id());
                    ps.setString(2, processId);
                    ps.setInt(3, (int) leaseTtl.toMillis());
                    if (proxy.maxInFlight() == null) {
                        ps.setNull(4, java.sql.Types.INTEGER);
                    } else {
                        ps.setInt(4, proxy.maxInFlight());
                    }
                    RateLimits l = proxy.limits();
                    Array limits = c.createArrayOf("integer", new Integer[] {l.perSecond(), l.perMinute(), l.perHour(), l.perDay()});
                    ps.setArray(5, limits);
                    ps.setBoolean(6, enforceLimits);
                    try (ResultSet rs = ps.executeQuery()) {
                        roundTrips.add("pool.acquire", 1, t0);
                        rs.next();
                        long lease = rs.getLong(1);
                        boolean granted = !rs.wasNull();
                        fleetInFlight.put(proxy.id(), rs.getInt(3));
                        long waitMs = rs.getLong(2);
                        if (!granted) {
                            Duration wait = Duration.ofMillis(Math.max(1, waitMs));
                            if (gate != null) {
                                gate.set(nextGate(wait.toMillis()));
                            }
                            return new Wait(wait);
                        }
                        if (gate != null) {
                            // A grant says when the bucket has a token again (V8): 0 while budget is
                            // left (everyone may ask), else the time the next caller would be told.
                            gate.set(waitMs > 0 ? nextGate(waitMs) : OPEN);
                        }
                        held.add(lease);
                        return new Slot(proxy.id(), lease);
                    }
                }
            });
            answered = true;
            return result;
        } catch (StorageException e) {
            String message = fail(e);
            if (fallback != null) {
                return fallback.tryAcquire(proxy, enforceLimits);
            }
            throw new PoolStateUnavailableException(message, e);
        } finally {
            if (!answered && gate != null) {
                gate.compareAndSet(PROBING, OPEN); // no answer: let the next caller ask
            }
        }
    }

    /** System.nanoTime() value {@code millis} from now, never one of the sentinels. */
    private static long nextGate(long millis) {
        long t = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        return t == OPEN || t == PROBING ? t + 1 : t;
    }

    @Override
    public void release(Slot slot) {
        if (slot.id() == 0 && fallback != null) {
            fallback.release(slot); // taken while the store was down
            return;
        }
        if (slot.id() == UNLEASED) {
            var n = unleased.get(slot.proxyId());
            if (n != null) {
                n.decrementAndGet();
            }
            fleetInFlight.computeIfPresent(slot.proxyId(), (id, k) -> Math.max(0, k - 1));
            return;
        }
        held.remove(slot.id()); // no longer renewed: if the delete is lost it expires within the TTL
        fleetInFlight.computeIfPresent(slot.proxyId(), (id, n) -> Math.max(0, n - 1));
        if (storeProblem != null) {
            return;
        }
        released.add(slot.id()); // deleted with others by the releaser, within RELEASE_WINDOW
    }

    /**
     * Deletes released leases in batches: the first release of a batch waits {@link #RELEASE_WINDOW}
     * for others, then one {@code DELETE ... WHERE id = ANY(?)} takes them all. Until then the
     * fleet counts them as in flight, so {@code max_in_flight} errs on the safe side; a process
     * killed meanwhile leaves them to expire with its other leases.
     */
    private void releaseLoop() {
        while (true) {
            Long first;
            try {
                first = released.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                if (stop.getCount() == 0) {
                    return;
                }
                continue;
            }
            awaitStop(RELEASE_WINDOW); // at close, at once
            List<Long> ids = new ArrayList<>();
            ids.add(first);
            released.drainTo(ids);
            if (storeProblem != null || crashed) {
                continue; // they expire within the TTL
            }
            Long[] sorted = ids.stream().sorted().toArray(Long[]::new); // one lock order for every batch
            long t0 = System.nanoTime();
            try {
                db.autoCommit("releasing " + sorted.length + " proxy slot(s)", c -> {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM fleet_proxy_lease WHERE id = ANY(?)")) {
                        ps.setArray(1, c.createArrayOf("bigint", sorted));
                        int n = ps.executeUpdate();
                        roundTrips.add("pool.release_batch", 1, t0);
                        return n;
                    }
                });
            } catch (StorageException e) {
                fail(e);
            }
        }
    }

    @Override
    public int inFlight(String proxyId) {
        return fleetInFlight.getOrDefault(proxyId, 0);
    }

    @Override
    public Map<String, Double> budgetLeft(PoolProxy proxy) {
        Map<String, Double> left = new LinkedHashMap<>();
        StoredBudget stored = budgets.get(proxy.id());
        double elapsed = stored == null ? 0 : Math.max(0, Duration.between(stored.refilledAt(), clock.instant()).toNanos() / 1e9);
        for (RateLimits.Limit l : proxy.limits().limits()) {
            double cap = l.max();
            Double tokens = stored == null ? null : stored.tokens()[l.period().ordinal()];
            double now = tokens == null ? cap : Math.min(cap, tokens + elapsed * cap / l.period().length().toSeconds());
            left.put(l.period().name().toLowerCase(Locale.ROOT), Math.floor(now * 100) / 100);
        }
        return left;
    }

    @Override
    public void publish(HealthEvent event) {
        try {
            db.autoCommit("publishing " + event.kind() + " of proxy " + event.proxyId(), c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT fleet_publish(?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, channel);
                    ps.setString(2, event.kind().name().toLowerCase(Locale.ROOT));
                    ps.setString(3, event.proxyId());
                    ps.setString(4, event.scope() == null ? "" : event.scope());
                    ps.setObject(5, event.until() == null ? null : OffsetDateTime.ofInstant(event.until(), ZoneOffset.UTC));
                    ps.setInt(6, event.strikes());
                    ps.setString(7, event.by());
                    long t0 = System.nanoTime();
                    ps.execute();
                    roundTrips.add("pool.publish", 1, t0);
                    return null;
                }
            });
        } catch (StorageException e) {
            LOG.warn("proxy {} {} here, but other processes were not told: {}", event.proxyId(),
                    event.kind().name().toLowerCase(Locale.ROOT), fail(e));
        }
    }

    @Override
    public synchronized void subscribe(Consumer<HealthEvent> receiver) {
        if (this.receiver != null) {
            throw new IllegalStateException("one pool per state");
        }
        this.receiver = receiver;
        CountDownLatch firstRead = new CountDownLatch(1);
        listener = Thread.ofVirtual().name("fleet-state-listener").start(() -> listen(firstRead));
        try {
            // A process starts with the fleet's current ejections and blacklists, not a blank slate.
            firstRead.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<HealthEvent> current() {
        try {
            return db.autoCommit("reading the fleet's proxy health", this::readCurrent);
        } catch (StorageException e) {
            LOG.warn("reloaded proxies start without the fleet's ejections and blacklists: {}", fail(e));
            return List.of();
        }
    }

    @Override
    public boolean claimTrial(String proxyId) {
        try {
            return db.autoCommit("claiming the trial of proxy " + proxyId, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT fleet_claim_trial(?, ?, ?)")) {
                    ps.setString(1, proxyId);
                    ps.setString(2, processId);
                    ps.setInt(3, (int) leaseTtl.toMillis());
                    long t0 = System.nanoTime();
                    try (ResultSet rs = ps.executeQuery()) {
                        roundTrips.add("pool.trial", 1, t0);
                        rs.next();
                        return rs.getBoolean(1);
                    }
                }
            });
        } catch (StorageException e) {
            String message = fail(e);
            if (fallback != null) {
                return true; // on our own: as a single process would
            }
            throw new PoolStateUnavailableException(message, e);
        }
    }

    @Override
    public String processId() {
        return processId;
    }

    /** Null while usable; with the local fallback the pool stays usable (a warning is logged instead). */
    @Override
    public String problem() {
        if (fallback != null) {
            return null;
        }
        String s = storeProblem;
        return s != null ? s : listenProblem;
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    private String fail(StorageException e) {
        String message = "the fleet's shared proxy state (PostgreSQL) is unavailable: " + e.getMessage();
        if (storeProblem == null) {
            LOG.warn("{}; {}", message, fallback == null ? "proxies are not used until it is back"
                    : "each process uses its own budgets until it is back (proxy_pool.fleet.on_store_failure = local)");
        }
        storeProblem = message;
        return message;
    }

    /** Every second: renew held leases (every third of the TTL), refresh counts and budgets; probe when down. */
    private void tick() {
        long lastRenew = System.nanoTime();
        long renewEvery = leaseTtl.toNanos() / 3;
        long lastSweep = System.nanoTime();
        while (!awaitStop(TICK)) {
            try {
                boolean renew = System.nanoTime() - lastRenew >= renewEvery || storeProblem != null;
                // Acquires of proxies with nothing to enforce do not drop expired leases (V7): do it here.
                boolean sweep = System.nanoTime() - lastSweep >= SWEEP_EVERY.toNanos();
                db.autoCommit("refreshing the fleet's proxy state", c -> {
                    if (sweep) {
                        try (Statement st = c.createStatement()) {
                            long t0 = System.nanoTime();
                            st.executeUpdate("DELETE FROM fleet_proxy_lease WHERE expires_at < clock_timestamp()");
                            st.executeUpdate("DELETE FROM fleet_process_in_flight WHERE expires_at < clock_timestamp()");
                            roundTrips.add("pool.sweep", 2, t0);
                        }
                    }
                    if (renew && !held.isEmpty()) {
                        try (PreparedStatement ps = c.prepareStatement("UPDATE fleet_proxy_lease SET expires_at = "
                                + "clock_timestamp() + ? * INTERVAL '1 millisecond' WHERE id = ANY(?)")) {
                            ps.setInt(1, (int) leaseTtl.toMillis());
                            ps.setArray(2, c.createArrayOf("bigint", held.toArray()));
                            long t0 = System.nanoTime();
                            ps.executeUpdate();
                            roundTrips.add("pool.renew", 1, t0);
                        }
                    }
                    publishCounts(c);
                    refresh(c);
                    return null;
                });
                if (renew) {
                    lastRenew = System.nanoTime();
                }
                if (sweep) {
                    lastSweep = System.nanoTime();
                }
                if (storeProblem != null) {
                    LOG.info("the fleet's shared proxy state is reachable again");
                    storeProblem = null;
                }
            } catch (StorageException e) {
                fail(e);
            } catch (RuntimeException e) {
                LOG.warn("fleet state refresh failed", e);
            }
        }
    }

    /** This process's slots taken without a lease, per proxy, renewed for one lease TTL. */
    private void publishCounts(Connection c) throws SQLException {
        if (unleased.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        unleased.forEach((id, n) -> {
            ids.add(id);
            counts.add(Math.max(0, n.get()));
        });
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO fleet_process_in_flight (holder, proxy_id, n, expires_at)"
                + " SELECT ?, p, k, clock_timestamp() + ? * INTERVAL '1 millisecond' FROM unnest(?::text[], ?::int[]) AS u(p, k)"
                + " ON CONFLICT (holder, proxy_id) DO UPDATE SET n = EXCLUDED.n, expires_at = EXCLUDED.expires_at")) {
            ps.setString(1, processId);
            ps.setInt(2, (int) leaseTtl.toMillis());
            ps.setArray(3, c.createArrayOf("text", ids.toArray()));
            ps.setArray(4, c.createArrayOf("integer", counts.toArray()));
            ps.executeUpdate();
        }
        roundTrips.add("pool.publish_counts", 1, t0);
    }

    private void refresh(Connection c) throws SQLException {
        Map<String, Integer> counts = new java.util.HashMap<>();
        long t0 = System.nanoTime();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT proxy_id, sum(k)::int FROM ("
                    + "SELECT proxy_id, count(*) AS k FROM fleet_proxy_lease WHERE expires_at >= clock_timestamp() GROUP BY proxy_id"
                    + " UNION ALL SELECT proxy_id, sum(n) FROM fleet_process_in_flight WHERE expires_at >= clock_timestamp()"
                    + " GROUP BY proxy_id) AS t GROUP BY proxy_id")) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getInt(2));
                }
            }
            for (String id : fleetInFlight.keySet()) {
                fleetInFlight.put(id, counts.getOrDefault(id, 0));
            }
            fleetInFlight.putAll(counts);
            try (ResultSet rs = st.executeQuery("SELECT proxy_id, tokens, refilled_at FROM fleet_proxy_budget")) {
                roundTrips.add("pool.refresh", 2, t0);
                while (rs.next()) {
                    Double[] tokens = new Double[4];
                    Object[] raw = (Object[]) rs.getArray(2).getArray();
                    for (int i = 0; i < Math.min(4, raw.length); i++) {
                        tokens[i] = raw[i] == null ? null : ((Number) raw[i]).doubleValue();
                    }
                    budgets.put(rs.getString(1), new StoredBudget(tokens, rs.getTimestamp(3).toInstant()));
                }
            }
        }
    }

    /** LISTEN on a dedicated connection; on every (re)connect, read the table first. */
    private void listen(CountDownLatch firstRead) {
        while (stop.getCount() > 0) {
            try (Connection c = db.openDedicated()) {
                listening = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN \"" + channel + "\"");
                }
                for (HealthEvent e : readCurrent(c)) {
                    deliver(e);
                }
                if (listenProblem != null) {
                    LOG.info("listening to the fleet's proxy health events again");
                }
                listenProblem = null;
                firstRead.countDown();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (stop.getCount() > 0) {
                    PGNotification[] notes = pg.getNotifications(500);
                    if (notes == null) {
                        continue;
                    }
                    for (PGNotification n : notes) {
                        HealthEvent e = parse(n.getParameter());
                        if (e != null) {
                            deliver(e);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (stop.getCount() == 0) {
                    return;
                }
                String message = "not receiving the fleet's proxy health events (PostgreSQL): " + e.getMessage();
                if (listenProblem == null) {
                    LOG.warn("{}; reconnecting", message);
                }
                listenProblem = message;
                firstRead.countDown();
                awaitStop(TICK);
            } finally {
                listening = null;
            }
        }
    }

    private List<HealthEvent> readCurrent(Connection c) throws SQLException {
        List<HealthEvent> events = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT proxy_id, scope, until, strikes, by_process FROM fleet_proxy_health "
                        + "WHERE scope = '' OR until > clock_timestamp()")) {
            roundTrips.add("pool.health", 1, System.nanoTime());
            while (rs.next()) {
                String scope = rs.getString(2);
                Timestamp until = rs.getTimestamp(3);
                events.add(new HealthEvent(scope.isEmpty() ? HealthEvent.Kind.EJECTED : HealthEvent.Kind.BLACKLISTED,
                        rs.getString(1), scope.isEmpty() ? null : scope, until.toInstant(), rs.getInt(4), rs.getString(5)));
            }
        }
        return events;
    }

    /** {@code kind \t proxy \t scope \t until-epoch-ms \t strikes \t by}, as {@code fleet_publish} sends it. */
    static HealthEvent parse(String payload) {
        String[] f = payload.split("\t", -1);
        if (f.length != 6) {
            LOG.warn("ignoring a malformed fleet event: {}", payload);
            return null;
        }
        try {
            HealthEvent.Kind kind = HealthEvent.Kind.valueOf(f[0].toUpperCase(Locale.ROOT));
            Instant until = f[3].isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(f[3]));
            return new HealthEvent(kind, f[1], f[2].isEmpty() ? null : f[2], until, Integer.parseInt(f[4]), f[5]);
        } catch (IllegalArgumentException e) {
            LOG.warn("ignoring a malformed fleet event ({}): {}", e.getMessage(), payload);
            return null;
        }
    }

    private void deliver(HealthEvent e) {
        Consumer<HealthEvent> r = receiver;
        if (r != null) {
            try {
                r.accept(e);
            } catch (RuntimeException ex) {
                LOG.warn("applying fleet event {} failed", e, ex);
            }
        }
    }

    private boolean awaitStop(Duration d) {
        try {
            return stop.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** For tests: stops as {@code kill -9} would, without deleting the released or held leases. */
    void crash() {
        crashed = true;
        held.clear();
        close();
    }

    /** Stops the background threads, gives back the slots still held, and closes the database it opened. */
    @Override
    public void close() {
        if (stop.getCount() == 0) {
            return;
        }
        stop.countDown();
        Connection c = listening;
        if (c != null) {
            try {
                c.close(); // wakes the listener
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        try {
            ticker.join(Duration.ofSeconds(5));
            releaser.join(Duration.ofSeconds(5)); // the releases still queued are deleted first
            if (listener != null) {
                listener.join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!unleased.isEmpty() && storeProblem == null && !crashed) {
            try {
                db.autoCommit("withdrawing this process's in-flight counts", conn -> {
                    try (PreparedStatement ps = conn.prepareStatement("DELETE FROM fleet_process_in_flight WHERE holder = ?")) {
                        ps.setString(1, processId);
                        return ps.executeUpdate();
                    }
                });
            } catch (StorageException e) {
                LOG.debug("in-flight counts not withdrawn ({}); they expire within {}", e.getMessage(), leaseTtl);
            }
        }
        if (!held.isEmpty() && storeProblem == null) {
            try {
                db.autoCommit("giving back held proxy slots", conn -> {
                    try (PreparedStatement ps = conn.prepareStatement("DELETE FROM fleet_proxy_lease WHERE id = ANY(?)")) {
                        ps.setArray(1, conn.createArrayOf("bigint", held.toArray()));
                        return ps.executeUpdate();
                    }
                });
            } catch (StorageException e) {
                LOG.debug("held slots not given back ({}); they expire within {}", e.getMessage(), leaseTtl);
            }
        }
        LOG.info("fleet store round trips of the proxy pool state: {}", roundTrips);
        if (ownsDb) {
            db.close();
        }
    }
}
