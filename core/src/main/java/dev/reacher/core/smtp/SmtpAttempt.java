package dev.reacher.core.smtp;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.List;

/**
 * One SMTP attempt as it is reported in {@code debug.smtp.attempts}: through which proxy, to which
 * MX host, how it ended and how long it took; {@code unreachable_mx} lists better MX hosts that
 * could not be reached first (our fallback to the next MX by preference).
 */
@JsonPropertyOrder({"proxy", "host", "outcome", "duration", "error", "unreachable_mx"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SmtpAttempt(
        @JsonProperty("proxy") String proxy,
        @JsonProperty("host") String host,
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("duration") Duration duration,
        @JsonProperty("error") String error,
        @JsonProperty("unreachable_mx") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> unreachableMx) {

    public SmtpAttempt {
        unreachableMx = unreachableMx == null ? List.of() : List.copyOf(unreachableMx);
    }

    /**
     * Who an attempt's result counts against, as {@link Blame} decides it: only {@link #PROXY_FAULT}
     * and {@link #IP_BLACKLISTED} are the proxy's doing (failover; proxy health and blacklist backoff).
     */
    public enum Outcome {
        /** A verdict about the mailbox was reached. */
        VERDICT("verdict"),
        /** The proxy could not be reached, refused us, or broke the SOCKS protocol. */
        PROXY_FAULT("proxy_fault"),
        /** The MX refused our IP (blacklist or missing reverse DNS). */
        IP_BLACKLISTED("ip_blacklisted"),
        /** A temporary 4xx reply: try again later. */
        GREYLISTED("greylisted"),
        /** The MX was unreachable, timed out or misbehaved. */
        TARGET_FAULT("target_fault");

        private final String json;

        Outcome(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }
    }
}
