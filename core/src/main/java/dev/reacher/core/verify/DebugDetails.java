package dev.reacher.core.verify;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.reacher.core.smtp.SmtpAttempt;
import dev.reacher.core.smtp.SmtpConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code debug} block: who verified, when, how long, and how SMTP was run. Proxies appear
 * only by id.
 */
@JsonPropertyOrder({"backend_name", "start_time", "end_time", "duration", "smtp"})
public record DebugDetails(
        @JsonProperty("backend_name") String backendName,
        @JsonProperty("start_time") String startTime,
        @JsonProperty("end_time") String endTime,
        @JsonProperty("duration") Duration duration,
        @JsonProperty("smtp") SmtpDebug smtp) {

    static DebugDetails of(String backendName, Instant start, Instant end, SmtpDebug smtp) {
        Duration d = Duration.between(start, end);
        return new DebugDetails(backendName, start.toString(), end.toString(), d.isNegative() ? Duration.ZERO : d, smtp);
    }

    /** {@code {"verif_method": …, "attempts": […]}}; attempts are listed only when SMTP ran. */
    @JsonPropertyOrder({"verif_method", "attempts"})
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record SmtpDebug(
            @JsonProperty("verif_method") UsedMethod verifMethod,
            @JsonProperty("attempts") List<SmtpAttempt> attempts) {
        public SmtpDebug {
            attempts = attempts == null ? List.of() : List.copyOf(attempts);
        }

        static SmtpDebug skipped() {
            return new SmtpDebug(new UsedMethod.Skipped(), List.of());
        }
    }

    /** The method that was used, with upstream's capitalised tags. */
    public sealed interface UsedMethod {
        /** SMTP to {@code host}; {@code config.proxy} is the proxy id actually used, or null. */
        record Smtp(String host, SmtpConfig config) implements UsedMethod {}

        /** A browser session; {@code proxy} is the pool member it went through, or null for direct. */
        record Headless(String proxy) implements UsedMethod {}

        record Api() implements UsedMethod {}

        record Skipped() implements UsedMethod {}

        @JsonValue
        default Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            switch (this) {
                case Smtp s -> {
                    json.put("type", "Smtp");
                    json.put("host", s.host());
                    json.put("verif_method", s.config());
                }
                case Headless h -> {
                    json.put("type", "Headless");
                    if (h.proxy() != null) {
                        json.put("proxy", h.proxy()); // ours: upstream's browser never used a proxy
                    }
                }
                case Api a -> json.put("type", "Api");
                case Skipped s -> json.put("type", "Skipped");
            }
            return json;
        }
    }
}
