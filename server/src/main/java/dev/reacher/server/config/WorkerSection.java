package dev.reacher.server.config;

import dev.reacher.server.webhook.Webhook;
import dev.reacher.server.webhook.WebhookSender;
import dev.reacher.server.worker.WorkerSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code [worker]}: worker mode (RabbitMQ), task concurrency and webhooks; {@link WorkerSettings} holds the defaults. */
final class WorkerSection {
    private WorkerSection() {}

    /** {@code backendName} names this process's connections and consumers. */
    static WorkerSettings read(ConfigTree t, boolean usesPostgres, String backendName) {
        t.requireTable("worker");
        t.requireTable("worker.rabbitmq");
        WorkerSettings d = WorkerSettings.defaults();
        boolean enable = ConfigTree.orDefault(t.bool("worker.enable"), false);
        String url = t.string("worker.rabbitmq.url", d.rabbitmqUrl());
        int concurrency = ConfigTree.orDefault(t.intValue("worker.rabbitmq.concurrency", 1, 65535,
                "a whole number 1-65535"), d.concurrency());
        String queue = t.string("worker.rabbitmq.queue", d.queueName());
        if (queue.isBlank()) {
            throw t.problem("worker.rabbitmq.queue", "expected a queue name, got an empty string");
        }
        boolean consume = ConfigTree.orDefault(t.bool("worker.consume"), d.consume());
        int rpcTimeout = ConfigTree.orDefault(t.intValue("worker.rpc_timeout_secs", 1, 86_400,
                "a whole number of seconds 1-86400"), (int) d.rpcTimeout().toSeconds());
        int unknownRetries = ConfigTree.orDefault(t.intValue("worker.unknown_retries", 0, 10, "a whole number 0-10"),
                d.unknownRetries());
        int grace = ConfigTree.orDefault(t.intValue("worker.shutdown_grace_secs", 0, 3600,
                "a whole number of seconds 0-3600"), (int) d.shutdownGrace().toSeconds());
        t.requireTable("worker.webhook");
        int webhookAttempts = ConfigTree.orDefault(t.intValue("worker.webhook.max_attempts", 1, 100,
                "a whole number 1-100"), d.webhooks().maxAttempts());
        Webhook onEachEmail = webhook(t, "worker.webhook.on_each_email");
        Integer httpPort = t.intValue("worker.http_port", 0, 65535, "a port number 0-65535");
        if (enable) {
            if (!url.startsWith("amqp://") && !url.startsWith("amqps://")) {
                throw t.fail("worker.rabbitmq.url", "an amqp:// or amqps:// URL", t.node("worker.rabbitmq.url"));
            }
            String problem = WorkerSettings.storageProblem(true, usesPostgres);
            if (problem != null) {
                throw t.problem("worker.enable", problem + ": set storage.postgres.db_url ("
                        + ConfigTree.envVar("storage.postgres.db_url") + ")");
            }
        } else if (!consume) {
            throw t.problem("worker.consume", "false only makes sense in worker mode (worker.enable = true, "
                    + ConfigTree.envVar("worker.enable") + "): without it nobody else would run this server's tasks");
        }
        WebhookSender.Settings hooks = d.webhooks();
        return WorkerSettings.builder()
                .rabbitmqUrl(url)
                .enable(enable)
                .queueName(queue)
                .concurrency(concurrency)
                .consume(consume)
                .backendName(backendName)
                .rpcTimeout(Duration.ofSeconds(rpcTimeout))
                .unknownRetries(unknownRetries)
                .webhooks(new WebhookSender.Settings(webhookAttempts, hooks.initialBackoff(), hooks.maxBackoff(),
                        hooks.timeout()))
                .shutdownGrace(Duration.ofSeconds(grace))
                .defaultOnEachEmail(onEachEmail)
                .httpPort(httpPort)
                .build();
    }

    /** A {@code {url, headers, extra}} table, or null when absent. */
    private static Webhook webhook(ConfigTree t, String path) {
        t.requireTable(path);
        if (!t.has(path)) {
            return null;
        }
        String url = t.string(path + ".url", null);
        if (url == null) {
            throw t.problem(path + ".url", "missing: a webhook needs a url");
        }
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw t.fail(path + ".url", "an http:// or https:// URL", t.node(path + ".url"));
        }
        t.requireTable(path + ".headers");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : t.keys(path + ".headers")) {
            headers.put(name, t.string(path + ".headers." + name, ""));
        }
        return new Webhook(url, headers, t.raw(path + ".extra"));
    }
}
