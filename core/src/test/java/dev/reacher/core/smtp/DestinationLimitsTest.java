package dev.reacher.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The in-process per-destination limits: concurrency, spacing, deadlines, eviction, grouping. */
class DestinationLimitsTest {
    private final Clock clock = Clock.systemUTC();

    @Test
    void neverMoreThanMaxConcurrencySlotsAtOnceAndEveryWaiterIsServed() throws Exception {
        LocalDestinationLimits limits = new LocalDestinationLimits(3, Duration.ZERO, clock);
        AtomicInteger held = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                pool.submit(() -> {
                    try (DestinationLimits.Slot slot = limits.acquire("mx.a.test", clock.instant().plusSeconds(30))) {
                        assertThat(slot).isNotNull();
                        peak.accumulateAndGet(held.incrementAndGet(), Math::max);
                        Thread.sleep(1);
                        held.decrementAndGet();
                        served.incrementAndGet();
                    }
                    return null;
                });
            }
        }
        assertThat(served).hasValue(200);
        assertThat(peak.get()).isBetween(1, 3);
        assertThat(limits.trackedDestinations()).isZero(); // idle entries are evicted
    }

    @Test
    void otherDestinationsAreNotHeldUpByABusyOne() throws Exception {
        LocalDestinationLimits limits = new LocalDestinationLimits(1, Duration.ZERO, clock);
        DestinationLimits.Slot busy = limits.acquire("mx.a.test", clock.instant().plusSeconds(5));
        DestinationLimits.Slot other = limits.acquire("mx.b.test", clock.instant().plusSeconds(5));
        assertThat(other).isNotNull();
        other.close();
        busy.close();
    }

    @Test
    void aWaiterWhoseDeadlinePassesGetsNoSlotAndLeavesNothingBehind() throws Exception {
        LocalDestinationLimits limits = new LocalDestinationLimits(1, Duration.ZERO, clock);
        DestinationLimits.Slot held = limits.acquire("mx.a.test", clock.instant().plusSeconds(5));
        assertThat(limits.acquire("mx.a.test", clock.instant().plusMillis(50))).isNull();
        assertThat(limits.acquire("mx.a.test", clock.instant().minusMillis(1))).isNull();
        held.close();
        held.close(); // twice: no extra permit
        DestinationLimits.Slot again = limits.acquire("mx.a.test", clock.instant().plusSeconds(5));
        assertThat(again).isNotNull();
        assertThat(limits.acquire("mx.a.test", clock.instant())).as("still only one slot").isNull();
        again.close();
        assertThat(limits.trackedDestinations()).isZero();
    }

    @Test
    void aWaiterGetsTheSlotWhenItIsReleased() throws Exception {
        LocalDestinationLimits limits = new LocalDestinationLimits(1, Duration.ZERO, clock);
        DestinationLimits.Slot held = limits.acquire("mx.a.test", clock.instant().plusSeconds(5));
        CountDownLatch waiting = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<DestinationLimits.Slot> waiter = pool.submit(() -> {
                waiting.countDown();
                return limits.acquire("mx.a.test", clock.instant().plusSeconds(30));
            });
            waiting.await();
            held.close();
            DestinationLimits.Slot granted = waiter.get(30, TimeUnit.SECONDS);
            assertThat(granted).isNotNull();
            granted.close();
        }
    }

    @Test
    void farDeadlinesWaitWithoutLimitUntilTheSlotIsReleased() throws Exception {
        LocalDestinationLimits limits = new LocalDestinationLimits(1, Duration.ZERO, clock);
        for (Instant far : List.of(Instant.MAX, clock.instant().plus(Duration.ofDays(365L * 200)),
                clock.instant().plus(Duration.ofDays(365L * 400)))) {
            assertThat(limits.acquire("mx.a.test", far)).as("free: granted at once").isNotNull().satisfies(
                    DestinationLimits.Slot::close);
            DestinationLimits.Slot held = limits.acquire("mx.a.test", clock.instant().plusSeconds(5));
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<DestinationLimits.Slot> waiter = pool.submit(() -> limits.acquire("mx.a.test", far));
                Thread.sleep(100); // a deadline misread as past or near would have answered null by now
                assertThat(waiter).isNotDone();
                held.close();
                DestinationLimits.Slot granted = waiter.get(30, TimeUnit.SECONDS);
                assertThat(granted).as("granted once released, deadline %s", far).isNotNull();
                granted.close();
            }
        }
        assertThat(limits.trackedDestinations()).isZero();
    }

    @Test
    void newSessionsToOneDestinationStartAtLeastMinIntervalApart() throws Exception {
        Duration interval = Duration.ofMillis(40);
        LocalDestinationLimits limits = new LocalDestinationLimits(10, interval, clock);
        List<Future<Instant>> grants = new ArrayList<>();
        Instant before = clock.instant();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 6; i++) {
                grants.add(pool.submit(() -> {
                    try (DestinationLimits.Slot slot = limits.acquire("mx.a.test", clock.instant().plusSeconds(30))) {
                        assertThat(slot).isNotNull();
                        return clock.instant();
                    }
                }));
            }
        }
        Instant last = before;
        for (Future<Instant> f : grants) {
            last = f.get().isAfter(last) ? f.get() : last;
        }
        // Six starts spaced by the interval: the last one comes at least five intervals after the first
        // could (a lower bound, so a slow machine cannot make it fail).
        assertThat(Duration.between(before, last)).isGreaterThanOrEqualTo(interval.multipliedBy(5));
    }

    @Test
    void spacingIsPerDestination() throws Exception {
        LocalDestinationLimits limits = new LocalDestinationLimits(10, Duration.ofSeconds(30), clock);
        limits.acquire("mx.a.test", clock.instant().plusSeconds(5)).close();
        // Another destination is not spaced after mx.a.test's session (it would wait 30 s and miss the deadline).
        assertThat(limits.acquire("mx.b.test", clock.instant().plusSeconds(1))).isNotNull();
    }

    @Test
    void aSpacedStartBeyondTheDeadlineIsRefusedWithoutWaiting() throws Exception {
        LocalDestinationLimits limits = new LocalDestinationLimits(10, Duration.ofSeconds(30), clock);
        DestinationLimits.Slot first = limits.acquire("mx.a.test", clock.instant().plusSeconds(5));
        assertThat(first).isNotNull();
        first.close();
        assertThat(limits.acquire("mx.a.test", clock.instant().plusSeconds(1))).isNull();
    }

    @Test
    void bigProvidersAreOneDestinationEveryoneElseTheirMxHost() {
        assertThat(DestinationLimits.of("alt1.aspmx.l.google.com.")).isEqualTo("provider:gmail");
        assertThat(DestinationLimits.of("aspmx.l.google.com")).isEqualTo("provider:gmail");
        assertThat(DestinationLimits.of("example-com.mail.protection.outlook.com.")).isEqualTo("provider:hotmailb2b");
        assertThat(DestinationLimits.of("MX1.Example.COM.")).isEqualTo("mx1.example.com");
    }

    @Test
    void unlimitedAlwaysGrants() throws Exception {
        DestinationLimits none = DestinationLimits.unlimited();
        for (int i = 0; i < 100; i++) {
            assertThat(none.acquire("mx.a.test", Instant.EPOCH)).isNotNull();
        }
    }
}
