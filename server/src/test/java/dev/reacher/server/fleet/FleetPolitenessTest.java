package dev.reacher.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.smtp.DestinationLimits;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.server.storage.Database;
import dev.reacher.server.testing.Services;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-destination limits and the catch-all cache shared through the real PostgreSQL: two
 * instances on two connection pools stand for two processes of a fleet.
 */
class FleetPolitenessTest {
    private static final Clock CLOCK = Clock.systemUTC();
    private static final Duration TTL = Duration.ofSeconds(3);

    private String schema;
    private Database a;
    private Database b;

    @BeforeEach
    void open() {
        Services.requirePostgres();
        schema = Services.freshSchema("fleet_polite");
        a = Database.postgres(Services.POSTGRES_URL, schema, 4);
        b = Database.postgres(Services.POSTGRES_URL, schema, 4);
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
        Services.dropSchema(schema);
    }

    private static PostgresDestinationLimits limits(Database db, String holder, int max, Duration interval) {
        return new PostgresDestinationLimits(db, holder, new Politeness(max, interval, Duration.ZERO), TTL, CLOCK);
    }

    /** Runs {@code perProcess} sessions of {@code holdMs} on each instance at once; returns the peak open at once. */
    private static int peakOpen(List<DestinationLimits> processes, int perProcess, long holdMs) throws Exception {
        AtomicInteger open = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        List<Future<?>> sessions = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (DestinationLimits limits : processes) {
                for (int i = 0; i < perProcess; i++) {
                    sessions.add(pool.submit(() -> {
                        try (DestinationLimits.Slot slot = limits.acquire("mx.one.test", Instant.MAX)) {
                            assertThat(slot).isNotNull();
                            peak.accumulateAndGet(open.incrementAndGet(), Math::max);
                            Thread.sleep(holdMs);
                            open.decrementAndGet();
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : sessions) {
                f.get();
            }
        }
        return peak.get();
    }

    @Test
    void twoProcessesTogetherNeverOpenMoreThanMaxConcurrencySessions() throws Exception {
        try (PostgresDestinationLimits one = limits(a, "one", 3, Duration.ZERO);
                PostgresDestinationLimits two = limits(b, "two", 3, Duration.ZERO)) {
            int peak = peakOpen(List.of(one, two), 12, 40);
            assertThat(peak).as("sessions open at once across both processes").isBetween(2, 3);
            assertThat(one.heldSlots() + two.heldSlots()).isZero();
        }
        assertThat(slotRows()).isZero();
    }

    @Test
    void theControlWithPerProcessLimitsSeesTwiceAsManySessions() throws Exception {
        // Without the store each process admits its own max: what the fleet-wide limits prevent.
        DestinationLimits one = DestinationLimits.local(new Politeness(3, Duration.ZERO, Duration.ZERO), CLOCK);
        DestinationLimits two = DestinationLimits.local(new Politeness(3, Duration.ZERO, Duration.ZERO), CLOCK);
        assertThat(peakOpen(List.of(one, two), 12, 40)).isGreaterThan(3);
    }

    @Test
    void newSessionsAreSpacedByMinIntervalAcrossProcesses() throws Exception {
        List<Instant> starts = Collections.synchronizedList(new ArrayList<>());
        try (PostgresDestinationLimits one = limits(a, "one", 10, Duration.ofMillis(150));
                PostgresDestinationLimits two = limits(b, "two", 10, Duration.ofMillis(150));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> sessions = new ArrayList<>();
            for (PostgresDestinationLimits limits : List.of(one, two)) {
                for (int i = 0; i < 4; i++) {
                    sessions.add(pool.submit(() -> {
                        try (DestinationLimits.Slot slot = limits.acquire("mx.one.test", Instant.MAX)) {
                            starts.add(Instant.now());
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : sessions) {
                f.get();
            }
        }
        List<Instant> sorted = starts.stream().sorted().toList();
        assertThat(sorted).hasSize(8);
        // The store spaces the eight starts 150 ms apart (7 gaps); a caller's own clock reading can
        // lag its grant under load, so the span is checked, not each gap.
        assertThat(Duration.between(sorted.get(0), sorted.get(7)).toMillis()).isGreaterThanOrEqualTo(7 * 150 - 60);
    }

    @Test
    void theSlotsOfAProcessThatDiedAreFreeWhenTheirLeaseExpires() throws Exception {
        // A process killed with kill -9 leaves its rows; nobody renews them.
        for (int i = 0; i < 2; i++) {
            a.write("a dead holder's slot", c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT slot_id FROM fleet_destination_acquire('mx.one.test', 'dead/1', 2, 0, 1500)")) {
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next() && rs.getLong(1) > 0).isTrue();
                    }
                }
                return null;
            });
        }
        try (PostgresDestinationLimits alive = limits(b, "alive", 2, Duration.ZERO)) {
            long t0 = System.nanoTime();
            assertThat(alive.acquire("mx.one.test", Instant.now().plusMillis(500))).as("full while the dead hold it")
                    .isNull();
            try (DestinationLimits.Slot slot = alive.acquire("mx.one.test", Instant.now().plusSeconds(10))) {
                assertThat(slot).isNotNull();
                assertThat(Duration.ofNanos(System.nanoTime() - t0).toMillis()).isBetween(1_300L, 5_000L);
            }
        }
    }

    @Test
    void aLivingHolderRenewsItsSlotsPastTheLeaseTime() throws Exception {
        try (PostgresDestinationLimits one = limits(a, "one", 1, Duration.ZERO);
                PostgresDestinationLimits two = limits(b, "two", 1, Duration.ZERO)) {
            try (DestinationLimits.Slot held = one.acquire("mx.one.test", Instant.MAX)) {
                // twice the lease time: a slot that was not renewed would have expired
                assertThat(two.acquire("mx.one.test", Instant.now().plus(TTL.multipliedBy(2)))).isNull();
            }
            try (DestinationLimits.Slot next = two.acquire("mx.one.test", Instant.now().plusSeconds(5))) {
                assertThat(next).isNotNull();
            }
        }
    }

    @Test
    void withTheStoreDownTheLimitsHoldPerProcessAndNothingHangs() throws Exception {
        Database doomed = Database.postgres(Services.POSTGRES_URL, schema, 2);
        try (PostgresDestinationLimits limits = limits(doomed, "one", 2, Duration.ZERO)) {
            doomed.close(); // every call to the store fails from now on
            long t0 = System.nanoTime();
            int peak = peakOpen(List.of(limits), 10, 20);
            assertThat(peak).isBetween(1, 2);
            assertThat(Duration.ofNanos(System.nanoTime() - t0).toSeconds()).isLessThan(10);
        }
    }

    @Test
    void aCatchAllAnswerStoredByOneProcessServesTheOtherUntilItExpires() throws Exception {
        PostgresCatchAllCache one = new PostgresCatchAllCache(a, Duration.ofMillis(1500), CLOCK);
        PostgresCatchAllCache two = new PostgresCatchAllCache(b, Duration.ofMillis(1500), CLOCK);
        assertThat(two.get("All.test")).isNull();
        one.put("all.test", true);
        one.put("none.test", false);
        assertThat(two.get("ALL.test")).isTrue();
        assertThat(two.get("none.test")).isFalse();
        Thread.sleep(1700);
        assertThat(two.get("all.test")).as("expired in the store and in the process").isNull();
        assertThat(one.get("all.test")).isNull();
    }

    @Test
    void withTheStoreDownTheCatchAllCacheKeepsWorkingInTheProcess() {
        Database doomed = Database.postgres(Services.POSTGRES_URL, schema, 2);
        PostgresCatchAllCache cache = new PostgresCatchAllCache(doomed, Duration.ofMinutes(5), CLOCK);
        doomed.close();
        assertThat(cache.get("all.test")).isNull();
        cache.put("all.test", true);
        assertThat(cache.get("all.test")).isTrue();
    }

    private int slotRows() {
        return a.read("counting slots", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM fleet_destination_slot");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }
}
