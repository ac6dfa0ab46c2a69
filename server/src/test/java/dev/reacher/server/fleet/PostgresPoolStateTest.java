package dev.reacher.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reacher.core.proxy.HealthEvent;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolState;
import dev.reacher.core.proxy.PoolStateUnavailableException;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.server.storage.StorageException;
import dev.reacher.server.testing.Services;
import dev.reacher.testkit.LoopbackPorts;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fleet store against the machine's PostgreSQL: two (or three) instances on one schema stand
 * for processes of one fleet.
 */
class PostgresPoolStateTest {
    private String schema;
    private final List<PostgresPoolState> states = new ArrayList<>();

    @BeforeEach
    void schema() {
        Services.requirePostgres();
        schema = Services.freshSchema("fleet");
    }

    @AfterEach
    void close() {
        states.forEach(PostgresPoolState::close);
        Services.dropSchema(schema);
    }

    private PostgresPoolState process(String name, Duration ttl) {
        PostgresPoolState s = PostgresPoolState.open(Services.POSTGRES_URL, schema, name, ttl, Duration.ofSeconds(3), false);
        states.add(s);
        return s;
    }

    private static PoolProxy proxy(Integer maxInFlight, RateLimits limits) {
        return new PoolProxy("proxy1", new ProxyConfig("127.0.0.1", 1080), 1, null, null, maxInFlight, limits);
    }

    private static int grants(PoolState state, PoolProxy proxy, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (state.tryAcquire(proxy, true) instanceof PoolState.Slot slot) {
                n++;
                state.release(slot);
            }
        }
        return n;
    }

    @Test
    void aPerMinuteBudgetHoldsForTwoProcessesTogether() {
        PostgresPoolState a = process("a", Duration.ofSeconds(30));
        PostgresPoolState b = process("b", Duration.ofSeconds(30));
        PoolProxy p = proxy(null, new RateLimits(null, 10, null, null));
        int granted = grants(a, p, 8) + grants(b, p, 8);
        assertThat(granted).isEqualTo(10); // each alone would have taken 8
        PoolState.Acquire refused = b.tryAcquire(p, true);
        assertThat(refused).isInstanceOfSatisfying(PoolState.Wait.class,
                w -> assertThat(w.retryAfter()).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6)));
        assertThat(a.budgetLeft(p)).containsKey("minute");
        // v0 traffic is never refused, and does not count against a later refusal beyond zero.
        assertThat(a.tryAcquire(p, false)).isInstanceOf(PoolState.Slot.class);
    }

    @Test
    void maxInFlightCountsEveryProcessesSlots() {
        PostgresPoolState a = process("a", Duration.ofSeconds(30));
        PostgresPoolState b = process("b", Duration.ofSeconds(30));
        PoolProxy p = proxy(2, RateLimits.NONE);
        PoolState.Slot one = (PoolState.Slot) a.tryAcquire(p, true);
        PoolState.Slot two = (PoolState.Slot) a.tryAcquire(p, true);
        assertThat(b.tryAcquire(p, true)).isInstanceOf(PoolState.Wait.class);
        await().atMost(3, TimeUnit.SECONDS).until(() -> b.inFlight("proxy1") == 2); // least_used sees a's slots
        a.release(one);
        // Releases are deleted in batches, off the verification's path: free for b a moment later.
        await().atMost(3, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10))
                .until(() -> b.tryAcquire(p, true) instanceof PoolState.Slot);
        a.release(two);
    }

    @Test
    void theQueuedReleasesAndHeldSlotsOfAKilledProcessAreFreeWithinTheTtl() {
        PostgresPoolState dying = process("dying", Duration.ofMillis(1500));
        PostgresPoolState other = process("other", Duration.ofMillis(1500));
        PoolProxy p = proxy(3, RateLimits.NONE);
        List<PoolState.Slot> slots = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            slots.add((PoolState.Slot) dying.tryAcquire(p, true));
        }
        dying.release(slots.get(0));
        dying.release(slots.get(1)); // both still queued for the batch delete when it dies
        dying.crash();
        Instant killed = Instant.now();
        // The slot it still held stays taken until its lease expires: never more than 2 for the other.
        List<PoolState.Slot> taken = new ArrayList<>();
        while (Duration.between(killed, Instant.now()).toMillis() < 1000) {
            if (other.tryAcquire(p, true) instanceof PoolState.Slot s) {
                taken.add(s);
            }
            assertThat(taken).hasSizeLessThanOrEqualTo(2);
            sleep(50);
        }
        // Then every one of its slots is free: the third too, within the lease TTL (plus slack).
        await().atMost(3, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (other.tryAcquire(p, true) instanceof PoolState.Slot s) {
                taken.add(s);
            }
            return taken.size() == 3;
        });
    }

    @Test
    void maxInFlightHoldsForTwoBusyProcessesWithBatchedReleasesAndNoLeaseIsLeft() throws Exception {
        PostgresPoolState a = process("a", Duration.ofSeconds(30));
        PostgresPoolState b = process("b", Duration.ofSeconds(30));
        PoolProxy p = proxy(3, RateLimits.NONE);
        java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger max = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger granted = new java.util.concurrent.atomic.AtomicInteger();
        int perCaller = 40;
        try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (PostgresPoolState state : List.of(a, b, a, b, a, b, a, b)) {
                exec.submit(() -> {
                    for (int i = 0; i < perCaller; ) {
                        PoolState.Acquire got = state.tryAcquire(p, true);
                        if (got instanceof PoolState.Slot slot) {
                            max.accumulateAndGet(now.incrementAndGet(), Math::max);
                            sleep(2);
                            now.decrementAndGet();
                            state.release(slot);
                            granted.incrementAndGet();
                            i++;
                        } else {
                            sleep(Math.max(1, ((PoolState.Wait) got).retryAfter().toMillis()));
                        }
                    }
                    return null;
                });
            }
        }
        assertThat(granted.get()).isEqualTo(8 * perCaller);
        assertThat(max.get()).isBetween(1, 3);
        // Every release reaches the table: nothing is left to expire.
        await().atMost(3, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20))
                .until(() -> Services.queryLong(schema, "SELECT count(*) FROM fleet_proxy_lease") == 0);
        assertThat(a.roundTripsByKind().trips()).containsKey("pool.release_batch");
    }

    @Test
    void slotsOfAProxyWithNothingToEnforceAreCountedFleetWideWithoutLeasesAndADeadProcesssCountExpires() {
        PostgresPoolState a = process("a", Duration.ofMillis(1500));
        PostgresPoolState b = process("b", Duration.ofMillis(1500));
        PoolProxy p = proxy(null, RateLimits.NONE);
        a.tryAcquire(p, true);
        a.tryAcquire(p, true);
        PoolState.Slot mine = (PoolState.Slot) b.tryAcquire(p, true);
        // least_used in b sees a's two as well, from the counts a publishes every second.
        await().atMost(5, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() -> b.inFlight("proxy1") == 3);
        assertThat(Services.queryLong(schema, "SELECT count(*) FROM fleet_proxy_lease")).isZero();
        assertThat(Services.queryLong(schema, "SELECT count(*) FROM fleet_proxy_budget")).isZero();
        a.crash(); // kill -9 while holding both: its published count expires with the lease TTL
        await().atMost(5, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() -> b.inFlight("proxy1") == 1);
        b.release(mine);
        assertThat(b.inFlight("proxy1")).isZero();
    }

    @Test
    void slotsOfADeadHolderFreeWithinTheTtlWhileALiveHolderKeepsItsOwn() {
        PostgresPoolState live = process("live", Duration.ofMillis(1500));
        PostgresPoolState other = process("other", Duration.ofMillis(1500));
        PoolProxy p = proxy(1, RateLimits.NONE);
        PoolState.Slot held = (PoolState.Slot) live.tryAcquire(p, true);
        // Held three TTLs: renewed by the holder, so never free for another process.
        Instant end = Instant.now().plusMillis(4500);
        while (Instant.now().isBefore(end)) {
            assertThat(other.tryAcquire(p, true)).isInstanceOf(PoolState.Wait.class);
            sleep(200);
        }
        live.release(held);
        // What a holder killed with kill -9 leaves: a lease that nobody renews.
        Services.execute(schema, "INSERT INTO fleet_proxy_lease (proxy_id, holder, expires_at) "
                + "VALUES ('proxy1', 'dead', clock_timestamp() + INTERVAL '1500 milliseconds')");
        Instant killed = Instant.now();
        assertThat(other.tryAcquire(p, true)).isInstanceOf(PoolState.Wait.class);
        await().atMost(3, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                .until(() -> other.tryAcquire(p, true) instanceof PoolState.Slot);
        assertThat(Duration.between(killed, Instant.now())).isBetween(Duration.ofMillis(1300), Duration.ofMillis(2500));
    }

    @Test
    void healthEventsReachTheOtherProcessesWithinASecondAndAreReadAtStart() {
        PostgresPoolState a = process("a", Duration.ofSeconds(30));
        PostgresPoolState b = process("b", Duration.ofSeconds(30));
        List<HealthEvent> seenByB = new CopyOnWriteArrayList<>();
        a.subscribe(e -> { });
        b.subscribe(seenByB::add);
        Instant until = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        long sent = System.nanoTime();
        a.publish(new HealthEvent(HealthEvent.Kind.EJECTED, "proxy1", null, until, 1, "a"));
        await().atMost(1, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10)).until(() -> !seenByB.isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(1));
        assertThat(seenByB.get(0)).isEqualTo(new HealthEvent(HealthEvent.Kind.EJECTED, "proxy1", null, until, 1, "a"));
        a.publish(new HealthEvent(HealthEvent.Kind.BLACKLISTED, "proxy2", "gmail", until, 2, "a"));
        // everything_else: the scope is the MX host (BlacklistBackoff.scope), carried as is.
        a.publish(new HealthEvent(HealthEvent.Kind.BLACKLISTED, "proxy3", "mx.small.example", until, 1, "a"));
        await().atMost(1, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10)).until(() -> seenByB.size() == 3);
        assertThat(seenByB.get(2)).isEqualTo(
                new HealthEvent(HealthEvent.Kind.BLACKLISTED, "proxy3", "mx.small.example", until, 1, "a"));

        // A process that starts later reads the current ejection and blacklist first.
        PostgresPoolState c = process("c", Duration.ofSeconds(30));
        List<HealthEvent> seenByC = new CopyOnWriteArrayList<>();
        c.subscribe(seenByC::add);
        List<HealthEvent> current = List.of(
                new HealthEvent(HealthEvent.Kind.EJECTED, "proxy1", null, until, 1, "a"),
                new HealthEvent(HealthEvent.Kind.BLACKLISTED, "proxy2", "gmail", until, 2, "a"),
                new HealthEvent(HealthEvent.Kind.BLACKLISTED, "proxy3", "mx.small.example", until, 1, "a"));
        assertThat(seenByC).containsExactlyInAnyOrderElementsOf(current);
        // The same, asked directly (what a reload's new members start from).
        assertThat(c.current()).containsExactlyInAnyOrderElementsOf(current);
    }

    @Test
    void theTrialAfterAnEjectionBelongsToOneProcess() {
        PostgresPoolState a = process("a", Duration.ofSeconds(30));
        PostgresPoolState b = process("b", Duration.ofSeconds(30));
        assertThat(b.claimTrial("proxy1")).isTrue(); // nothing ejected
        a.publish(new HealthEvent(HealthEvent.Kind.EJECTED, "proxy1", null, Instant.now().plusMillis(300), 1, "a"));
        assertThat(a.claimTrial("proxy1")).isFalse(); // ejection not over
        sleep(400);
        assertThat(b.claimTrial("proxy1")).isTrue();
        assertThat(a.claimTrial("proxy1")).isFalse();
        assertThat(b.claimTrial("proxy1")).isTrue(); // still b's
        b.publish(new HealthEvent(HealthEvent.Kind.READMITTED, "proxy1", null, null, 0, "b"));
        assertThat(a.claimTrial("proxy1")).isTrue();
    }

    @Test
    void aFailingStoreRefusesAtOnceSaysWhyAndRecovers() {
        PostgresPoolState a = process("a", Duration.ofSeconds(30));
        PoolProxy p = proxy(null, new RateLimits(100, null, null, null));
        assertThat(a.tryAcquire(p, true)).isInstanceOf(PoolState.Slot.class);
        Services.execute(schema, "ALTER TABLE fleet_proxy_lease RENAME TO fleet_proxy_lease_away");
        assertThatThrownBy(() -> a.tryAcquire(p, true)).isInstanceOf(PoolStateUnavailableException.class)
                .hasMessageContaining("fleet's shared proxy state");
        assertThat(a.problem()).contains("unavailable");
        long start = System.nanoTime();
        assertThatThrownBy(() -> a.tryAcquire(p, true)).isInstanceOf(PoolStateUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(100)); // no round trip
        Services.execute(schema, "ALTER TABLE fleet_proxy_lease_away RENAME TO fleet_proxy_lease");
        await().atMost(3, TimeUnit.SECONDS).until(() -> a.problem() == null);
        assertThat(a.tryAcquire(p, true)).isInstanceOf(PoolState.Slot.class);
    }

    @Test
    void anUnreachableServerFailsStartWithoutTheUrlsPassword() {
        int port = LoopbackPorts.freePort();
        assertThatThrownBy(() -> PostgresPoolState.open("postgres://postgres:s3cret@127.0.0.1:" + port + "/test", schema,
                "x", Duration.ofSeconds(30), Duration.ofSeconds(1), false))
                .isInstanceOf(StorageException.class).hasMessageNotContaining("s3cret");
    }

    @Test
    void waitingCallersUnderABindingLimitAskTheStoreAboutOncePerProcessAndToken() throws Exception {
        PostgresPoolState a = process("a", Duration.ofSeconds(30));
        PostgresPoolState b = process("b", Duration.ofSeconds(30));
        PoolProxy p = proxy(null, new RateLimits(2, null, null, null));
        int perProcess = 10;
        AtomicInteger granted = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        for (PostgresPoolState s : List.of(a, b)) {
            for (int i = 0; i < perProcess; i++) {
                callers.add(Thread.ofVirtual().start(() -> {
                    while (true) { // as ProxyRouter waits: ask, and after a refusal park as long as it says
                        PoolState.Acquire got = s.tryAcquire(p, true);
                        if (got instanceof PoolState.Slot slot) {
                            granted.incrementAndGet();
                            s.release(slot);
                            return;
                        }
                        LockSupport.parkNanos(((PoolState.Wait) got).retryAfter().toNanos());
                    }
                }));
            }
        }
        for (Thread t : callers) {
            t.join(Duration.ofSeconds(60));
        }
        int verifications = 2 * perProcess;
        assertThat(granted).hasValue(verifications);
        long asked = a.roundTripsByKind().trips().getOrDefault("pool.acquire", 0L)
                + b.roundTripsByKind().trips().getOrDefault("pool.acquire", 0L);
        // Every caller may ask once before the first refusal; after that each process asks about
        // once per token (2 burst tokens, then 18 more at 2/s): 48 measured. When a grant opened
        // the gate to every waiting caller of the process, 105 (each grant, a crowd of refusals).
        assertThat(asked).isLessThanOrEqualTo(verifications + 2L * (verifications - 2) + 4);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
