package dev.reacher.server.throttle;

import dev.reacher.core.proxy.RateLimits;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The process-wide {@code [throttle]} for {@code /v1/check_email} (upstream's {@code [throttle]}): up to four
 * fixed windows (second, minute, hour, day), each a Bucket4j bucket refilled in full once per
 * window. Windows are checked in that order and the first exhausted one is reported, as upstream.
 *
 * <p>Unlike upstream, which checks before the verification and counts after it (so concurrent
 * requests overshoot), a request takes its token atomically up front; {@link Permit#refund()} gives
 * it back when no verification ran.
 */
public final class Throttle {

    /** One throttle window; {@link #label()} is upstream's wording in the 429 message. */
    public enum Window {
        PER_SECOND(RateLimits.Period.SECOND),
        PER_MINUTE(RateLimits.Period.MINUTE),
        PER_HOUR(RateLimits.Period.HOUR),
        PER_DAY(RateLimits.Period.DAY);

        private final RateLimits.Period period;

        Window(RateLimits.Period period) {
            this.period = period;
        }

        static Window of(RateLimits.Period period) {
            return values()[period.ordinal()];
        }

        public String label() {
            return period.label();
        }

        public Duration length() {
            return period.length();
        }
    }

    /** The answer to {@link #tryAcquire()}. */
    public sealed interface Decision {}

    /** A token was taken from every configured window. */
    public static final class Permit implements Decision {
        private final List<Bucket> taken;
        private boolean refunded;

        private Permit(List<Bucket> taken) {
            this.taken = taken;
        }

        /** Gives the token back (the request was refused later, so it must not count). */
        public synchronized void refund() {
            if (!refunded) {
                refunded = true;
                taken.forEach(b -> b.addTokens(1));
            }
        }
    }

    /**
     * A window is exhausted.
     *
     * @param retryAfter time until that window refills
     */
    public record Limited(Window window, Duration retryAfter) implements Decision {
        /** Upstream's text: {@code Rate limit per minute exceeded, please wait 41.208113s}. */
        public String message() {
            return "Rate limit " + window.label() + " exceeded, please wait " + RustDuration.debug(retryAfter);
        }

        /** The {@code Retry-After} header value, see {@link Throttle#retryAfterSeconds(Duration)}. */
        public long retryAfterSeconds() {
            return Throttle.retryAfterSeconds(retryAfter);
        }
    }

    /**
     * A wait as a {@code Retry-After} header value: whole seconds, rounded up so that a client that
     * waits that long finds the budget refilled, and at least 1 (0 would invite an immediate retry).
     */
    public static long retryAfterSeconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }

    private record Limit(Window window, Bucket bucket) {}

    private final List<Limit> limits;

    private Throttle(List<Limit> limits) {
        this.limits = limits;
    }

    /** No limits: every request is allowed. */
    public static Throttle unlimited() {
        return new Throttle(List.of());
    }

    public static Throttle of(RateLimits limits) {
        return of(limits, TimeMeter.SYSTEM_NANOTIME);
    }

    /** With an explicit clock, for tests. */
    public static Throttle of(RateLimits limits, TimeMeter clock) {
        Objects.requireNonNull(limits, "limits");
        List<Limit> list = new ArrayList<>();
        for (RateLimits.Limit limit : limits.limits()) {
            // One bucket per window, to report which one is exhausted. Intervally: all tokens come back
            // at once at the end of each window, a fixed window as upstream's.
            Window window = Window.of(limit.period());
            Bucket bucket = Bucket.builder()
                    .addLimit(l -> l.capacity(limit.max()).refillIntervally(limit.max(), window.length()))
                    .withCustomTimePrecision(clock)
                    .build();
            list.add(new Limit(window, bucket));
        }
        return new Throttle(List.copyOf(list));
    }

    public boolean isUnlimited() {
        return limits.isEmpty();
    }

    /** Takes one token from every window, or none and reports the first exhausted window. */
    public Decision tryAcquire() {
        List<Bucket> taken = new ArrayList<>(limits.size());
        for (Limit limit : limits) {
            ConsumptionProbe probe = limit.bucket().tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                taken.forEach(b -> b.addTokens(1));
                return new Limited(limit.window(), Duration.ofNanos(Math.max(0, probe.getNanosToWaitForRefill())));
            }
            taken.add(limit.bucket());
        }
        return new Permit(taken);
    }
}
