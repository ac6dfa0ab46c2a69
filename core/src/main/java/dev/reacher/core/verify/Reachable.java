package dev.reacher.core.verify;

import com.fasterxml.jackson.annotation.JsonValue;

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
}
