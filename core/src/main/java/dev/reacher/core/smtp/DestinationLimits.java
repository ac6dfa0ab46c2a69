package dev.reacher.core.smtp;

import dev.reacher.core.mx.Provider;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;

/**
 * Who may open an SMTP session to a destination now. A destination is an MX host, except that the
 * big providers' many MX hosts count as one destination per provider ({@code provider:gmail}).
 * Per process today ({@link #local}); the interface is what a fleet-wide implementation on shared
 * state would provide.
 */
public interface DestinationLimits {

    /**
     * Waits for a session slot to {@code destination}, at most until {@code deadline} (read on the
     * implementation's clock; {@link Instant#MAX} waits without limit). Virtual-thread friendly: the
     * wait parks, it does not pin.
     *
     * @return the slot, to be {@linkplain Slot#close() closed} when the session ends; null when the
     *     deadline passed first
     * @throws InterruptedException when the waiting thread is interrupted
     */
    Slot acquire(String destination, Instant deadline) throws InterruptedException;

    /** Waits longer than this (about 100 years) are waits without limit; Duration's nanoseconds overflow at 292 years. */
    long NO_LIMIT_SECONDS = 100L * 365 * 24 * 3600;

    /**
     * Milliseconds from {@code now} to {@code deadline}, saturating ({@link Instant#MAX} means no
     * limit), for implementations of {@link #acquire}. Far deadlines are caught before
     * {@link java.time.Duration} sees them: its overflow is an exception (two for Instant.MAX, each
     * with a stack trace), and a verification's first slot always waits on Instant.MAX.
     */
    static long millisUntil(Instant now, Instant deadline) {
        if (deadline.getEpochSecond() - now.getEpochSecond() > NO_LIMIT_SECONDS) {
            return Long.MAX_VALUE;
        }
        return java.time.Duration.between(now, deadline).toMillis();
    }

    /** A granted session slot; closing it more than once has no further effect. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /** {@code max_concurrency} and {@code min_interval} of {@code politeness}, counted in this process. */
    static DestinationLimits local(Politeness politeness, Clock clock) {
        return new LocalDestinationLimits(politeness.maxConcurrency(), politeness.minInterval(), clock);
    }

    /** No limit at all (upstream's behaviour; the library's plain constructors). */
    static DestinationLimits unlimited() {
        return (destination, deadline) -> () -> { };
    }

    /**
     * The destination an MX host belongs to: the provider for Gmail, Outlook, Yahoo, Proofpoint and
     * Mimecast (one pool of servers behind many host names), else the host name itself, lowercased
     * and without its trailing dot.
     */
    static String of(String mxHost) {
        String withDot = mxHost.endsWith(".") ? mxHost : mxHost + ".";
        Provider provider = Provider.fromMxHost(withDot);
        if (provider != Provider.EVERYTHING_ELSE) {
            return "provider:" + provider.key();
        }
        return MxConnector.stripTrailingDots(mxHost).toLowerCase(Locale.ROOT);
    }
}
