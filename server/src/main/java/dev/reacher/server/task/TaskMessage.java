package dev.reacher.server.task;

import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.server.webhook.TaskWebhook;
import java.util.Objects;
import java.util.Set;

/**
 * One verification task as it travels through the queue; {@link TaskCodec} defines the JSON
 * (upstream's {@code CheckEmailTask} plus {@code item}).
 *
 * @param input what to verify; proxy passwords are never part of a message
 * @param job the bulk job, or single-shot
 * @param webhook the job's webhooks, or null
 * @param item the address's position in the job's input (bulk only; null for single-shot and for
 *     messages published by an upstream backend)
 * @param avoidProxies proxy ids earlier tries of this task went through (an {@code unknown} result
 *     sent back for another try), which the next try avoids
 */
public record TaskMessage(CheckEmailInput input, JobRef job, TaskWebhook webhook, Integer item,
        Set<String> avoidProxies) {
    public TaskMessage {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(job, "job");
        avoidProxies = avoidProxies == null ? Set.of() : Set.copyOf(avoidProxies);
    }

    public TaskMessage(CheckEmailInput input, JobRef job, TaskWebhook webhook, Integer item) {
        this(input, job, webhook, item, Set.of());
    }

    /** The same task, to be tried again away from {@code proxies} as well. */
    public TaskMessage avoiding(Set<String> proxies) {
        Set<String> all = new java.util.TreeSet<>(avoidProxies);
        all.addAll(proxies);
        return new TaskMessage(input, job, webhook, item, all);
    }

    public Long bulkJobId() {
        return job instanceof JobRef.Bulk b ? b.id() : null;
    }
}
