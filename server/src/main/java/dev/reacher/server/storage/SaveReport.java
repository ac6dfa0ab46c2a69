package dev.reacher.server.storage;

import java.util.List;

/**
 * What one {@link ResultStore#saveResults} call did.
 *
 * @param completedJobs jobs whose last result was committed by this call
 * @param ignored results not stored because their job item already had one (redeliveries,
 *     duplicates); the very objects that were passed in
 */
public record SaveReport(List<Long> completedJobs, List<NewResult> ignored) {
    public SaveReport {
        completedJobs = List.copyOf(completedJobs);
        ignored = List.copyOf(ignored);
    }

    /** True when {@code result} (the object passed in) was stored. */
    public boolean stored(NewResult result) {
        for (NewResult r : ignored) {
            if (r == result) {
                return false;
            }
        }
        return true;
    }
}
