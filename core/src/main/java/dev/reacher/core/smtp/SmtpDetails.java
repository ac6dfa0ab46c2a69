package dev.reacher.core.smtp;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** What the SMTP conversation established about the mailbox (upstream's {@code SmtpDetails}). */
@JsonPropertyOrder({"can_connect_smtp", "has_full_inbox", "is_catch_all", "is_deliverable", "is_disabled"})
public record SmtpDetails(
        @JsonProperty("can_connect_smtp") boolean canConnectSmtp,
        @JsonProperty("has_full_inbox") boolean hasFullInbox,
        @JsonProperty("is_catch_all") boolean isCatchAll,
        @JsonProperty("is_deliverable") boolean isDeliverable,
        @JsonProperty("is_disabled") boolean isDisabled) {

    /** All false: the value shown when SMTP was never reached. */
    public static SmtpDetails defaults() {
        return new SmtpDetails(false, false, false, false, false);
    }
}
