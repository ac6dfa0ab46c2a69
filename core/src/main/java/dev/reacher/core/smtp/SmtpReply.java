package dev.reacher.core.smtp;

import java.util.List;

/**
 * One complete SMTP reply: its three-digit code and the text of each line (codes stripped; an
 * enhanced status code such as {@code 5.1.1} stays part of the text, as in async-smtp).
 */
public record SmtpReply(int code, List<String> lines) {
    public SmtpReply {
        lines = List.copyOf(lines);
    }

    /** 2xx and 3xx. */
    public boolean isPositive() {
        return code >= 200 && code < 400;
    }

    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    /** The lines joined by {@code "; "}. */
    public String text() {
        return String.join("; ", lines);
    }

    /**
     * async-smtp's error display: {@code transient: …} for 4xx, {@code permanent: …} for 5xx. This
     * exact text feeds the classification tables and appears in JSON {@code message}.
     */
    public String errorDisplay() {
        String body = lines.isEmpty() || lines.stream().allMatch(String::isEmpty)
                ? "undetailed error during SMTP transaction" : text();
        return (isTransient() ? "transient: " : "permanent: ") + body;
    }
}
