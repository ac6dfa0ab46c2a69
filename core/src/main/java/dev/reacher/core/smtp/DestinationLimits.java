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
