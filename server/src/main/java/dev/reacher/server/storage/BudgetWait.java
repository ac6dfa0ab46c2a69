package dev.reacher.server.storage;

import java.time.Instant;

/**
 * A job's items that are waiting for proxy budget (they found none and went back to the queue).
 *
 * @param waiting items deferred for budget and not verified yet
 * @param returnsAt when the soonest of them is due to be tried again; null when none waits, or
 *     when they are due already (being picked up)
 */
public record BudgetWait(int waiting, Instant returnsAt) {
    public static final BudgetWait NONE = new BudgetWait(0, null);
}
