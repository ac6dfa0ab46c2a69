package dev.reacher.server.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.proxy.RateLimits;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ThrottleTest {
    /** A clock the test moves by hand. */
    static final class FakeClock implements TimeMeter {
        final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }

    /** Upstream's unit test: limits 2/s, 5/min, 10/h, 20/day. */
    @Test
    void upstreamVector() {
        FakeClock clock = new FakeClock();
        Throttle throttle = Throttle.of(new RateLimits(2, 5, 10, 20), clock);
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
        assertThat(throttle.tryAcquire()).isEqualTo(new Throttle.Limited(Throttle.Window.PER_SECOND, Duration.ofSeconds(1)));
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
    }

    @Test
    void firstExhaustedWindowInOrderIsReportedWithTheTimeLeft() {
        FakeClock clock = new FakeClock();
        Throttle throttle = Throttle.of(new RateLimits(null, 3, 100, null), clock);
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(5));
            assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
        }
        clock.advance(Duration.ofNanos(3_791_886_000L)); // 3.79 s later
        Throttle.Limited limited = (Throttle.Limited) throttle.tryAcquire();
        assertThat(limited.window()).isEqualTo(Throttle.Window.PER_MINUTE);
        // 15 s + 3.79 s into the first window: 41.208…s left, as in upstream's example message.
        assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(60).minusSeconds(15).minusNanos(3_791_886_000L));
        assertThat(limited.message()).isEqualTo("Rate limit per minute exceeded, please wait 41.208114s");
        assertThat(limited.retryAfterSeconds()).isEqualTo(42);
        clock.advance(limited.retryAfter());
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
    }

    @Test
    void aRefusedWindowDoesNotConsumeTheEarlierOnes() {
        FakeClock clock = new FakeClock();
        Throttle throttle = Throttle.of(new RateLimits(10, 1, null, null), clock);
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
        for (int i = 0; i < 20; i++) {
            assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Limited.class);
        }
        // The per-second bucket was refunded each time: the minute rolls over and 10/s are usable again.
        clock.advance(Duration.ofMinutes(1));
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
    }

    @Test
    void refundGivesTheTokenBackOnce() {
        Throttle throttle = Throttle.of(new RateLimits(null, null, null, 1), new FakeClock());
        Throttle.Permit permit = (Throttle.Permit) throttle.tryAcquire();
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Limited.class);
        permit.refund();
        permit.refund();
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
        assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Limited.class);
    }

    @Test
    void unlimitedNeverRefuses() {
        Throttle throttle = Throttle.of(RateLimits.NONE);
        assertThat(throttle.isUnlimited()).isTrue();
        for (int i = 0; i < 10_000; i++) {
            assertThat(throttle.tryAcquire()).isInstanceOf(Throttle.Permit.class);
        }
    }

    /** Upstream checks before and counts after, so concurrent requests overshoot; we never do. */
    @Test
    void concurrentRequestsNeverOvershoot() throws Exception {
        Throttle throttle = Throttle.of(new RateLimits(null, null, null, 500), new FakeClock());
        AtomicInteger allowed = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 64; i++) {
                pool.submit(() -> {
                    for (int j = 0; j < 100; j++) {
                        if (throttle.tryAcquire() instanceof Throttle.Permit) {
                            allowed.incrementAndGet();
                        }
                    }
                });
            }
        }
        assertThat(allowed.get()).isEqualTo(500);
    }

    @ParameterizedTest
    @CsvSource({"0, 0, 0ns", "0, 12, 12ns", "0, 12000, 12µs", "0, 12345, 12.345µs", "0, 734200000, 734.2ms",
            "1, 500000000, 1.5s", "41, 208113000, 41.208113s", "1, 0, 1s", "86400, 1, 86400.000000001s",
            "0, 1000000, 1ms", "59, 999999999, 59.999999999s"})
    void rustDebugFormat(long secs, int nanos, String expected) {
        assertThat(RustDuration.debug(Duration.ofSeconds(secs, nanos))).isEqualTo(expected);
    }
}
