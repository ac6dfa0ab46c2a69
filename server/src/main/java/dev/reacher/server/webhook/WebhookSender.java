package dev.reacher.server.webhook;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs webhook bodies with {@code java.net.http}, retrying transport failures, 5xx and 429 with
 * exponential backoff (other 4xx are final: the receiver said no). Never throws; returns whether
 * the receiver accepted the call (any 2xx).
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

    /**
     * @param maxAttempts calls per webhook, the first included
     * @param initialBackoff pause after the first failure; doubled after each later one
     * @param maxBackoff cap on one pause
     * @param timeout limit for one call (connect and response)
     */
    public record Settings(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration timeout) {
        public Settings {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("webhook max attempts must be at least 1");
            }
        }

        /** 5 attempts, pauses of 0.5, 1, 2 and 4 s, 10 s per call. */
        public static Settings defaults() {
            return new Settings(5, Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(10));
        }
    }

    private final HttpClient client;
    private final Settings settings;

    public WebhookSender(Settings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder().connectTimeout(settings.timeout())
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /** Sends {@code jsonBody} to the webhook; blocks through the retries. */
    public boolean post(Webhook webhook, String jsonBody) {
        HttpRequest request;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(webhook.url())).timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(jsonBody));
            for (Map.Entry<String, String> h : webhook.headers().entrySet()) {
                b.setHeader(h.getKey(), h.getValue());
            }
            request = b.build();
        } catch (IllegalArgumentException e) {
            LOG.warn("webhook {} not sent: {}", webhook.url(), e.getMessage());
            return false;
        }
        Duration pause = settings.initialBackoff();
        for (int attempt = 1; ; attempt++) {
            String failure;
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return true;
                }
                failure = "HTTP " + status;
                if (status / 100 == 4 && status != 429 && status != 408) {
                    LOG.warn("webhook {} refused the call: {}", webhook.url(), failure);
                    return false;
                }
            } catch (IOException e) {
                failure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (attempt >= settings.maxAttempts()) {
                LOG.warn("webhook {} failed after {} attempt(s): {}", webhook.url(), attempt, failure);
                return false;
            }
            LOG.debug("webhook {} attempt {} failed ({}); next in {}", webhook.url(), attempt, failure, pause);
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            pause = pause.multipliedBy(2).compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : pause.multipliedBy(2);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
