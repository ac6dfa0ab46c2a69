package dev.reacher.core.verify;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.reacher.core.misc.MiscDetails;
import dev.reacher.core.smtp.SmtpDetails;
import dev.reacher.core.smtp.SmtpError;

/** The overall verdict ({@code is_reachable}). */
public enum Reachable {
    /** The mailbox exists and accepts mail. */
    SAFE("safe"),
    /** It probably exists, but mail may bounce or go unread: catch-all, role, disposable, full inbox. */
    RISKY("risky"),
    /** It does not exist or cannot receive mail. */
    INVALID("invalid"),
    /** No verdict: the server could not be reached or would not say. */
    UNKNOWN("unknown");

    private final String json;

    Reachable(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    public static Reachable fromJson(String value) {
        for (Reachable r : values()) {
            if (r.json.equals(value)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown is_reachable value `" + value + "`");
    }

    /**
     * Upstream's verdict, first match wins: any SMTP error is unknown; a disposable or role address,
     * a catch-all or a full inbox is risky; not deliverable, no SMTP connection or disabled is
     * invalid; otherwise safe.
     */
    public static Reachable of(MiscDetails misc, SmtpDetails smtp, SmtpError error) {
        if (error != null) {
            return Reachable.UNKNOWN;
        }
        if (misc.isDisposable() || misc.isRoleAccount() || smtp.isCatchAll() || smtp.hasFullInbox()) {
            return Reachable.RISKY;
        }
        if (!smtp.isDeliverable() || !smtp.canConnectSmtp() || smtp.isDisabled()) {
            return Reachable.INVALID;
        }
        return Reachable.SAFE;
    }
}
