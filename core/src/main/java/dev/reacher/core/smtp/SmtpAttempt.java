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
 * could not be reached first (our fallback to the next MX by preference); {@code catch_all_cached}
 * is {@code true} when the domain's catch-all answer was reused from an earlier probe instead of
 * probing again (absent otherwise); {@code shared_session} says that the attempt's session was
 * shared with other bulk addresses, and where the address was in it (absent otherwise).
 */
@JsonPropertyOrder({"proxy", "host", "outcome", "duration", "error", "unreachable_mx", "catch_all_cached",
        "shared_session"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SmtpAttempt(
        @JsonProperty("proxy") String proxy,
        @JsonProperty("host") String host,
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("duration") Duration duration,
        @JsonProperty("error") String error,
        @JsonProperty("unreachable_mx") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> unreachableMx,
        @JsonProperty("catch_all_cached") Boolean catchAllCached,
        @JsonProperty("shared_session") SharedSession sharedSession) {

    public SmtpAttempt {
        unreachableMx = unreachableMx == null ? List.of() : List.copyOf(unreachableMx);
    }

    /** An attempt in a session of its own. */
    public SmtpAttempt(String proxy, String host, Outcome outcome, Duration duration, String error,
            List<String> unreachableMx, Boolean catchAllCached) {
        this(proxy, host, outcome, duration, error, unreachableMx, catchAllCached, null);
    }

    /**
     * The address was answered as number {@code position} (from 1) of the {@code size} addresses
     * answered in one shared SMTP session.
     */
    @JsonPropertyOrder({"position", "size"})
    public record SharedSession(@JsonProperty("position") int position, @JsonProperty("size") int size) {}

    /** An attempt whose catch-all answer, if any, came from a probe. */
    public SmtpAttempt(String proxy, String host, Outcome outcome, Duration duration, String error,
            List<String> unreachableMx) {
        this(proxy, host, outcome, duration, error, unreachableMx, null);
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
