package dev.reacher.core.proxy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The part of a pool's state that must hold for every process using the same proxies: request
 * budgets and in-flight slots, and health events (ejections, readmissions, blacklist backoffs).
 * The rest (strategies, consecutive-failure counting, counters) stays in the process.
 *
 * <p>Two implementations: {@link #local(Clock)}, the default, keeps everything in this process
 * (one machine, the embedded library); the server's PostgreSQL store shares it across a fleet of
 * workers. Methods that need the shared store throw {@link PoolStateUnavailableException} when it
 * cannot be reached, so that no caller goes past the limits without knowing.
 */
public interface PoolState extends AutoCloseable {

    /** In-process state: budgets as local token buckets, events only within this process. */
    static PoolState local(Clock clock) {
        return new LocalPoolState(clock);
    }

    /** The result of asking for a slot and one request of budget. */
    sealed interface Acquire permits Slot, Wait {}

    /**
     * A held in-flight slot (a lease in a shared store); give it back once with {@link #release}.
     *
     * @param id the store's handle for the slot
     */
    record Slot(String proxyId, long id) implements Acquire {}

    /** No slot or no budget now; the soonest one frees up after {@code retryAfter}. */
    record Wait(Duration retryAfter) implements Acquire {}

    /**
     * Takes an in-flight slot and one request from every rate-limit period of {@code proxy}; with
     * {@code enforceLimits} false takes the slot whatever the cap and budget say (upstream's v0 API).
     *
     * @throws PoolStateUnavailableException when the shared store cannot be asked
     */
    Acquire tryAcquire(PoolProxy proxy, boolean enforceLimits);

    /** Gives a slot back. Never throws: a slot that cannot be returned expires on its own. */
    void release(Slot slot);

    /** Slots held for this proxy now, across every process sharing the state (may lag by a second). */
    int inFlight(String proxyId);

    /**
     * Requests left now per limited period ({@code second}, {@code minute}, {@code hour},
     * {@code day}), for operators; empty for a proxy without limits.
     */
    Map<String, Double> budgetLeft(PoolProxy proxy);

    /**
     * Tells every other process of a health change made here. Never throws: if the store is down,
     * the change stays local and {@link #problem()} says why.
     */
    void publish(HealthEvent event);

    /**
     * Registers the receiver of other processes' events. The current shared state arrives first
     * (as events), then each change as it is made, on a thread of the implementation.
     */
    void subscribe(Consumer<HealthEvent> receiver);

    /**
     * The shared health now (ejections, unexpired blacklist backoffs) as events, for a member that
     * joins by a reload; empty for a process's own state, and when the store cannot be read (the
     * next change still arrives through {@link #subscribe}).
     */
    default List<HealthEvent> current() {
        return List.of();
    }

    /**
     * Claims the one trial after {@code proxyId}'s ejection for this process. True when this
     * process may send the trial traffic (or nothing is ejected fleet-wide); false when another
     * process holds the claim.
     */
    boolean claimTrial(String proxyId);

    /** This process's name in events ({@code HealthEvent.by}). */
    String processId();

    /** Null while the shared state is usable, else why not (for {@code /readyz} and logs). */
    String problem();

    /** True when other processes share this state (a fleet store), false for this process's own. */
    default boolean shared() {
        return false;
    }

    /** Time source of budgets and backoffs. */
    Clock clock();

    @Override
    default void close() {}
}
