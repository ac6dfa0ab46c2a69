package dev.reacher.core.proxy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;

/**
 * One proxy's state at a moment, as {@code GET /v1/proxies} shows it. Never carries credentials.
 *
 * @param state healthy, ejected, or on trial (ejection time over, on probation)
 * @param ejectedUntil RFC 3339 instant while ejected, else null
 * @param ejectedBy the process that ejected it (while ejected or on trial), else null; with a shared
 *     (fleet) state this may be another process
 * @param blacklistedUntil blacklist scope (a provider key, or an MX host for {@code everything_else}) →
 *     RFC 3339 instant until which it is avoided there
 * @param inFlight verifications through it now: in this process, or across the fleet with a shared state
 * @param budgetLeft requests left now per limited period ({@code second} … {@code day}); empty without limits
 * @param picks, verdicts, proxyFaults, blacklistHits, consecutiveFailures, timesEjected this process's counts
 * @param headless whether the member can carry headless-browser checks (no credentials: Chromium
 *     cannot authenticate to a SOCKS5 proxy)
 * @param lastError the last error counted against this proxy in this process (a proxy fault or a
 *     blacklist reply), as {@code debug.smtp.attempts[].error} shows it; null if none yet
 * @param lastErrorAt RFC 3339 instant of {@code lastError}, else null
 */
@JsonPropertyOrder({"id", "address", "weight", "state", "ejected_until", "ejected_by", "blacklisted_until",
        "in_flight", "max_in_flight", "budget_left", "picks", "verdicts", "proxy_faults", "blacklist_hits",
        "consecutive_failures", "times_ejected", "headless", "last_error", "last_error_at"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ProxyStatus(
        @JsonProperty("id") String id,
        @JsonProperty("address") String address,
        @JsonProperty("weight") int weight,
        @JsonProperty("state") State state,
        @JsonProperty("ejected_until") String ejectedUntil,
        @JsonProperty("ejected_by") String ejectedBy,
        @JsonProperty("blacklisted_until") Map<String, String> blacklistedUntil,
        @JsonProperty("in_flight") int inFlight,
        @JsonProperty("max_in_flight") Integer maxInFlight,
        @JsonProperty("budget_left") Map<String, Double> budgetLeft,
        @JsonProperty("picks") long picks,
        @JsonProperty("verdicts") long verdicts,
        @JsonProperty("proxy_faults") long proxyFaults,
        @JsonProperty("blacklist_hits") long blacklistHits,
        @JsonProperty("consecutive_failures") int consecutiveFailures,
        @JsonProperty("times_ejected") int timesEjected,
        @JsonProperty("headless") boolean headless,
        @JsonProperty("last_error") String lastError,
        @JsonProperty("last_error_at") String lastErrorAt) {

    /** Where a proxy stands in the pool's ejection cycle. */
    public enum State {
        /** Used normally. */
        HEALTHY("healthy"),
        /** Too many consecutive proxy faults: not picked until {@code ejected_until}. */
        EJECTED("ejected"),
        /** The ejection time is over: picked again, and ejected again at its next proxy fault. */
        TRIAL("trial");

        private final String json;

        State(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }
    }
}
