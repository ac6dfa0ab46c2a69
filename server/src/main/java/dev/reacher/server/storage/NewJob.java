package dev.reacher.server.storage;

import java.util.List;
import java.util.Objects;

/**
 * A bulk job to record: its addresses (stored as the job's items, in order) and what every task of
 * the job shares.
 *
 * @param taskTemplateJson the task message without address and item (proxy passwords already removed)
 * @param webhookJson the job's webhooks, or null
 */
public record NewJob(List<String> emails, String taskTemplateJson, String webhookJson) {
    public NewJob {
        Objects.requireNonNull(emails, "emails");
        Objects.requireNonNull(taskTemplateJson, "taskTemplateJson");
    }
}
