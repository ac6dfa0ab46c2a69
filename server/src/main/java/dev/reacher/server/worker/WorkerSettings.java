package dev.reacher.server.worker;

import dev.reacher.server.webhook.Webhook;
import dev.reacher.server.webhook.WebhookSender;
import java.time.Duration;

/**
 * How a process runs tasks and talks to the queue; the configuration layer maps
 * {@code RCH__WORKER__*} onto it.
 *
 * @param rabbitmqUrl {@code worker.rabbitmq.url} when worker mode is on (scale-out); null for the
 *     single-machine default, whose queue lives in the SQLite database
 * @param queueName the RabbitMQ queue, upstream's {@code check_email}
 * @param concurrency tasks run at once by this process ({@code worker.rabbitmq.concurrency}; the
 *     RabbitMQ prefetch)
 * @param consume whether this process runs tasks at all (false: an API node that only publishes)
 * @param backendName connection name and consumer-tag prefix
 * @param rpcTimeout how long {@code /v1/check_email} waits for a worker's reply (upstream: forever)
 * @param lease how long the embedded queue lets a consumer hold a task without renewing it
 * @param unknownRetries how many times an {@code unknown} result is sent back to the queue for
 *     another try (upstream: once)
 * @param webhooks retries of webhook calls
 * @param shutdownGrace how long a graceful stop waits for tasks in hand
 * @param publishDeadline how long publishing keeps retrying through a broker outage
 * @param defaultOnEachEmail the {@code on_each_email} webhook of jobs created without one
 *     (upstream's {@code worker.webhook.on_each_email}), or null
 */
public record WorkerSettings(
        String rabbitmqUrl,
        String queueName,
        int concurrency,
        boolean consume,
        String backendName,
        Duration rpcTimeout,
        Duration lease,
        int unknownRetries,
        WebhookSender.Settings webhooks,
        Duration shutdownGrace,
        Duration publishDeadline,
        Webhook defaultOnEachEmail) {

    public WorkerSettings {
        if (concurrency < 1) {
            throw new IllegalArgumentException("worker concurrency must be at least 1, got " + concurrency);
        }
        if (queueName == null || queueName.isBlank()) {
            queueName = "check_email";
        }
        if (backendName == null) {
            backendName = "backend-dev";
        }

    }

    /** The single-machine default: embedded queue, 5 tasks at once (upstream's default concurrency). */
    public static WorkerSettings defaults() {
        return new WorkerSettings(null, "check_email", 5, true, "backend-dev", Duration.ofSeconds(120),
                Duration.ofMinutes(2), 1, WebhookSender.Settings.defaults(), Duration.ofSeconds(60), Duration.ofMinutes(2),
                null);
    }

    /** Worker mode: tasks go through RabbitMQ at {@code url}. */
    public WorkerSettings withRabbitmq(String url) {
        return new WorkerSettings(url, queueName, concurrency, consume, backendName, rpcTimeout, lease, unknownRetries,
                webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withQueueName(String name) {
        return new WorkerSettings(rabbitmqUrl, name, concurrency, consume, backendName, rpcTimeout, lease, unknownRetries,
                webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withConcurrency(int n) {
        return new WorkerSettings(rabbitmqUrl, queueName, n, consume, backendName, rpcTimeout, lease, unknownRetries,
                webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withConsume(boolean on) {
        return new WorkerSettings(rabbitmqUrl, queueName, concurrency, on, backendName, rpcTimeout, lease, unknownRetries,
                webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withBackendName(String name) {
        return new WorkerSettings(rabbitmqUrl, queueName, concurrency, consume, name, rpcTimeout, lease, unknownRetries,
                webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withRpcTimeout(Duration d) {
        return new WorkerSettings(rabbitmqUrl, queueName, concurrency, consume, backendName, d, lease, unknownRetries,
                webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withLease(Duration d) {
        return new WorkerSettings(rabbitmqUrl, queueName, concurrency, consume, backendName, rpcTimeout, d, unknownRetries,
                webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withUnknownRetries(int n) {
        return new WorkerSettings(rabbitmqUrl, queueName, concurrency, consume, backendName, rpcTimeout, lease, n,
                webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withWebhooks(WebhookSender.Settings s) {
        return new WorkerSettings(rabbitmqUrl, queueName, concurrency, consume, backendName, rpcTimeout, lease,
                unknownRetries, s, shutdownGrace, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withShutdownGrace(Duration d) {
        return new WorkerSettings(rabbitmqUrl, queueName, concurrency, consume, backendName, rpcTimeout, lease,
                unknownRetries, webhooks, d, publishDeadline, defaultOnEachEmail);
    }

    public WorkerSettings withDefaultOnEachEmail(Webhook webhook) {
        return new WorkerSettings(rabbitmqUrl, queueName, concurrency, consume, backendName, rpcTimeout, lease,
                unknownRetries, webhooks, shutdownGrace, publishDeadline, webhook);
    }

    /** True in worker mode (RabbitMQ), false for the single-machine default. */
    public boolean usesRabbitmq() {
        return rabbitmqUrl != null && !rabbitmqUrl.isBlank();
    }
}
