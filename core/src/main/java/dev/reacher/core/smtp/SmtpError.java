package dev.reacher.core.smtp;

import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Why the SMTP step produced no verdict, serialised as upstream's
 * {@code {"error":{"type":…,"message":…},"description":…}} ({@code description} only when known).
 *
 * @param message display text; for {@link Type#TIMEOUT} the configured duration is in {@code timeout}
 * @param description set for replies that blame our IP (blacklist) or its reverse DNS
 * @param variant for {@link Type#HEADLESS} and {@link Type#YAHOO}: upstream's inner error variant
 *     ({@code Cmd}, {@code NewSession}, {@code ReqwestError}, {@code NoCookie}, …), which tags the
 *     message; null elsewhere
 */
public record SmtpError(Type type, String message, Duration timeout, Description description, String variant) {

    /** Upstream's {@code SmtpError} variant names. */
    public enum Type {
        ASYNC_SMTP("AsyncSmtpError"),
        IO("IOError"),
        TIMEOUT("Timeout"),
        SOCKS5("Socks5"),
        HEADLESS("HeadlessError"),
        YAHOO("YahooError"),
        ANYHOW("AnyhowError");

        private final String json;

        Type(String json) {
            this.json = json;
        }

        public String json() {
            return json;
        }
    }

    /** Upstream's {@code SmtpErrorDesc}. */
    public enum Description {
        IP_BLACKLISTED("IpBlacklisted"),
        NEEDS_RDNS("NeedsRDNS");

        private final String json;

        Description(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }
    }

    public SmtpError {
        Objects.requireNonNull(type, "type");
    }

    public SmtpError(Type type, String message, Duration timeout, Description description) {
        this(type, message, timeout, description, null);
    }

    /**
     * A headless-browser check failed: {@code variant} is {@code NewSession} (no browser session) or
     * {@code Cmd} (a WebDriver command or the page itself), as upstream's {@code HeadlessError}.
     */
    public static SmtpError headless(String variant, String message) {
        return new SmtpError(Type.HEADLESS, message, null, null, variant);
    }

    /**
     * Yahoo's sign-up API failed: {@code variant} is upstream's {@code YahooError} variant; the
     * unit variants ({@code NoCookie}, {@code NoAcrumb}, {@code NoSessionIndex}) carry no message.
     */
    public static SmtpError yahoo(String variant, String message) {
        return new SmtpError(Type.YAHOO, message, null, null, variant);
    }

    /** A negative or malformed reply, or an I/O failure during the dialogue. */
    public static SmtpError asyncSmtp(String message, Description description) {
        return new SmtpError(Type.ASYNC_SMTP, message, null, description);
    }

    public static SmtpError io(String message) {
        return new SmtpError(Type.IO, message, null, null);
    }

    public static SmtpError timeout(Duration configured) {
        return new SmtpError(Type.TIMEOUT, null, configured, null);
    }

    public static SmtpError socks5(String message) {
        return new SmtpError(Type.SOCKS5, message, null, null);
    }

    /** A verification method that this build cannot run (headless browser, Yahoo API). */
    public static SmtpError unsupported(Type type, String message) {
        return new SmtpError(type, message, null, null);
    }

    /** Upstream never retries errors that carry a description: they are about us, not the server. */
    public boolean retryable() {
        return description == null;
    }

    @JsonValue
    Map<String, Object> toJson() {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", type.json());
        error.put("message", switch (type) {
            case TIMEOUT -> timeout;
            // Upstream's provider errors are externally tagged enums: keep their shape.
            case HEADLESS -> Map.of(variant != null ? variant : "NewSession", String.valueOf(message));
            case YAHOO -> message == null && variant != null ? variant
                    : Map.of(variant != null ? variant : "ReqwestError", String.valueOf(message));
            default -> message;
        });
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("error", error);
        if (description != null) {
            json.put("description", description);
        }
        return json;
    }
}
