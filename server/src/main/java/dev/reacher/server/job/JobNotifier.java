package dev.reacher.server.job;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.storage.Database;
import dev.reacher.server.storage.JobRecord;
import dev.reacher.server.storage.ResultStore;
import dev.reacher.server.webhook.TaskWebhook;
import dev.reacher.server.webhook.Webhook;
import dev.reacher.server.webhook.WebhookSender;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a job's {@code on_job_finished} webhook: {@code {"job": <progress JSON>, "extra": …}}, once
 * the job's last result is committed, and records that it was delivered so that a sweep can send
 * the ones a crash interrupted.
 */
public final class JobNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(JobNotifier.class);

    private final ResultStore store;
    private final WebhookSender sender;

    public JobNotifier(ResultStore store, WebhookSender sender) {
        this.store = store;
        this.sender = sender;
    }

    /** Notifies on a virtual thread; the caller does not wait. */
    public void jobFinishedAsync(long jobId) {
        Thread.ofVirtual().name("job-finished-", jobId).start(() -> {
            try {
                store.job(jobId).ifPresent(this::notify);
            } catch (RuntimeException e) {
                LOG.warn("job {} finished, but its webhook could not be prepared: {}", jobId, e.getMessage());
            }
        });
    }

    void notify(JobRecord job) {
        LOG.info("bulk job {} completed: {} results", job.id(), job.processed());
        Optional<Webhook> target = webhook(job).map(TaskWebhook::onJobFinished);
        if (target.isEmpty()) {
            if (job.webhookJson() != null) {
                store.markNotified(job.id(), Database.now()); // nothing to send; keep the sweep from looking again
            }
            return;
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("job", ReacherJson.mapper().valueToTree(JobProgress.of(job)));
        body.set("extra", target.get().extra());
        if (sender.post(target.get(), ReacherJson.write(body))) {
            store.markNotified(job.id(), Database.now());
        }
    }

    static Optional<TaskWebhook> webhook(JobRecord job) {
        if (job.webhookJson() == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(ReacherJson.mapper().readValue(job.webhookJson(), TaskWebhook.class));
        } catch (IOException e) {
            LOG.warn("job {}: stored webhook is not valid JSON: {}", job.id(), e.getMessage());
            return Optional.empty();
        }
    }
}
