package dev.reacher.server.webhook;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * One webhook target, upstream's {@code Webhook}: {@code {"url": …, "headers": {…}, "extra": …}}.
 * The POST carries {@code Content-Type: application/json} plus {@code headers}; {@code extra} is
 * echoed in every body.
 */
@JsonPropertyOrder({"url", "headers", "extra"})
public record Webhook(
        @JsonProperty("url") String url,
        @JsonProperty("headers") Map<String, String> headers,
        @JsonProperty("extra") JsonNode extra) {
    public Webhook {
        Objects.requireNonNull(url, "url");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    @Override
    public String toString() {
        return "Webhook[" + url + ", headers=" + headers.keySet() + "]"; // header values may be secrets
    }
}
