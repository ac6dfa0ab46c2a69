package dev.reacher.server.webhook;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A bulk job's webhooks: upstream's {@code TaskWebhook} ({@code on_each_email}: one POST of
 * {@code {"result": CheckEmailOutput, "extra": …}} per address) plus {@code on_job_finished}, one POST
 * of {@code {"job": <progress JSON>, "extra": …}} when the job's last result is stored. Either may be null.
 */
@JsonPropertyOrder({"on_each_email", "on_job_finished"})
public record TaskWebhook(
        @JsonProperty("on_each_email") Webhook onEachEmail,
        @JsonProperty("on_job_finished") Webhook onJobFinished) {

    public static TaskWebhook onEachEmail(Webhook webhook) {
        return new TaskWebhook(webhook, null);
    }

    public boolean isEmpty() {
        return onEachEmail == null && onJobFinished == null;
    }
}
