package dev.reacher.server.worker;

import dev.reacher.server.webhook.Webhook;
import dev.reacher.server.webhook.WebhookSender;
import dev.reacher.server.queue.TaskQueue;
import java.time.Duration;

/**
 * How a process runs tasks and talks to the queue; the configuration layer maps
 * {@code RCH__WORKER__*} onto it.
 *
 * @param enable worker mode ({@code worker.enable}): tasks go through RabbitMQ (scale-out); false
 *     for the single-machine default, whose queue lives in the SQLite database
 * @param rabbitmqUrl {@code worker.rabbitmq.url}, used only in worker mode
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
 * @param httpPort {@code worker.http_port}: where {@code reacher worker} answers {@code /healthz},
 *     {@code /readyz} and {@code /metrics}; null for no HTTP at all
 */
public record WorkerSettings(
        boolean enable,
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
        Webhook defaultOnEachEmail,
        Integer httpPort) {

    /** Upstream's name for the process ({@code backend_name}) when none is configured. */
    public static final String DEFAULT_BACKEND_NAME = "backend-dev";
    /** Upstream's {@code worker.rabbitmq.url} when none is configured. */
    public static final String DEFAULT_RABBITMQ_URL = "amqp://guest:guest@localhost:5672";

    public WorkerSettings {
        if (concurrency < 1) {
            throw new IllegalArgumentException("worker concurrency must be at least 1, got " + concurrency);
        }
        if (queueName == null || queueName.isBlank()) {
            queueName = TaskQueue.DEFAULT_QUEUE;
        }
        if (backendName == null) {
            backendName = DEFAULT_BACKEND_NAME;
        }
    }

    /** The single-machine default: embedded queue, 5 tasks at once (upstream's default concurrency). */
    public static WorkerSettings defaults() {
        return new Builder().build();
    }

    /** Starts from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Worker mode: tasks go through RabbitMQ at {@code url}. */
    public WorkerSettings withRabbitmq(String url) {
        return toBuilder().rabbitmqUrl(url).enable(true).build();
    }

    public WorkerSettings withQueueName(String name) {
        return toBuilder().queueName(name).build();
    }

    public WorkerSettings withConcurrency(int n) {
        return toBuilder().concurrency(n).build();
    }

    public WorkerSettings withConsume(boolean on) {
        return toBuilder().consume(on).build();
    }

    /**
     * Why storage and queue cannot run together, or null when they can. Upstream's rule: workers
     * elsewhere must reach the results database, so worker mode (RabbitMQ) needs PostgreSQL.
     */
    public static String storageProblem(boolean workerMode, boolean usesPostgres) {
        return workerMode && !usesPostgres ? "When worker mode is enabled, a Postgres database must be configured" : null;
    }

    /** Builds {@link WorkerSettings}; every field starts at its default, which is defined only here. */
    public static final class Builder {
        private boolean enable;
        private String rabbitmqUrl = DEFAULT_RABBITMQ_URL;
        private String queueName = TaskQueue.DEFAULT_QUEUE;
        private int concurrency = 5;
        private boolean consume = true;
        private String backendName = DEFAULT_BACKEND_NAME;
        private Duration rpcTimeout = Duration.ofSeconds(120);
        private Duration lease = Duration.ofMinutes(2);
        private int unknownRetries = 1;
        private WebhookSender.Settings webhooks = WebhookSender.Settings.defaults();
        private Duration shutdownGrace = Duration.ofSeconds(60);
        private Duration publishDeadline = Duration.ofMinutes(2);
        private Webhook defaultOnEachEmail;
        private Integer httpPort;

        private Builder() {}

        private Builder(WorkerSettings s) {
            enable = s.enable;
            rabbitmqUrl = s.rabbitmqUrl;
            queueName = s.queueName;
            concurrency = s.concurrency;
            consume = s.consume;
            backendName = s.backendName;
            rpcTimeout = s.rpcTimeout;
            lease = s.lease;
            unknownRetries = s.unknownRetries;
            webhooks = s.webhooks;
            shutdownGrace = s.shutdownGrace;
            publishDeadline = s.publishDeadline;
            defaultOnEachEmail = s.defaultOnEachEmail;
            httpPort = s.httpPort;
        }

        /** Worker mode on or off; {@link #rabbitmqUrl} turns it on. */
        public Builder enable(boolean on) {
            this.enable = on;
            return this;
        }

        /** Worker mode through RabbitMQ at {@code url}. */
        public Builder rabbitmqUrl(String url) {
            this.rabbitmqUrl = url;
            this.enable = true;
            return this;
        }

        public Builder queueName(String name) {
            this.queueName = name;
            return this;
        }

        public Builder concurrency(int n) {
            this.concurrency = n;
            return this;
        }

        public Builder consume(boolean on) {
            this.consume = on;
            return this;
        }

        public Builder backendName(String name) {
            this.backendName = name;
            return this;
        }

        public Builder rpcTimeout(Duration d) {
            this.rpcTimeout = d;
            return this;
        }

        public Builder lease(Duration d) {
            this.lease = d;
            return this;
        }

        public Builder unknownRetries(int n) {
            this.unknownRetries = n;
            return this;
        }

        public Builder webhooks(WebhookSender.Settings s) {
            this.webhooks = s;
            return this;
        }

        public Builder shutdownGrace(Duration d) {
            this.shutdownGrace = d;
            return this;
        }

        public Builder defaultOnEachEmail(Webhook webhook) {
            this.defaultOnEachEmail = webhook;
            return this;
        }

        public Builder httpPort(Integer port) {
            this.httpPort = port;
            return this;
        }

        public WorkerSettings build() {
            return new WorkerSettings(enable, rabbitmqUrl, queueName, concurrency, consume, backendName, rpcTimeout,
                    lease, unknownRetries, webhooks, shutdownGrace, publishDeadline, defaultOnEachEmail, httpPort);
        }
    }

    /** True in worker mode (RabbitMQ), false for the single-machine default. */
    public boolean usesRabbitmq() {
        return enable && rabbitmqUrl != null && !rabbitmqUrl.isBlank();
    }

    /** These settings but for {@code backend_name}, which a reload compares on its own. */
    public WorkerSettings withBackendName(String name) {
        return toBuilder().backendName(name).build();
    }

    @Override
    public String toString() {
        // The URL may hold the broker's password.
        return "Worker[enable=" + enable + ", concurrency=" + concurrency + ", queue=" + queueName
                + ", consume=" + consume + "]";
    }
}
