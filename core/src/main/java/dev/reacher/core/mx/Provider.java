package dev.reacher.core.mx;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Mail providers that upstream treats differently, detected from the chosen MX host name (with its
 * trailing dot). The one table of providers: configuration, routing and validation iterate over it
 * instead of repeating a branch per provider.
 */
public enum Provider {
    GMAIL("gmail", "Gmail"),
    HOTMAIL_B2B("hotmailb2b", "Hotmail B2B"),
    HOTMAIL_B2C("hotmailb2c", "Hotmail B2C"),
    MIMECAST("mimecast", "Mimecast"),
    PROOFPOINT("proofpoint", "Proofpoint"),
    YAHOO("yahoo", "Yahoo"),
    EVERYTHING_ELSE("everything_else", "EverythingElse");

    private final String key;
    private final String displayName;

    Provider(String key, String displayName) {
        this.key = key;
        this.displayName = displayName;
    }

    /** The configuration key: {@code overrides.<key>}, {@code RCH__OVERRIDES__<KEY>__…}, the JSON field. */
    @JsonValue
    public String key() {
        return key;
    }

    /** Name used in upstream's messages, e.g. {@code Invalid Hotmail B2B proxy}. */
    public String displayName() {
        return displayName;
    }

    public static Provider fromKey(String key) {
        for (Provider p : values()) {
            if (p.key.equals(key)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown provider `" + key + "`");
    }

    /**
     * Upstream's detection rules, first match wins. Host names are compared with their trailing dot;
     * the {@code .olc.} and {@code ppe-hosted.com.} checks are case-sensitive as upstream's.
     */
    public static Provider fromMxHost(String host) {
        String lc = host.toLowerCase(Locale.ROOT);
        if (lc.endsWith(".protection.outlook.com.")) {
            return host.endsWith(".olc.protection.outlook.com.") ? HOTMAIL_B2C : HOTMAIL_B2B;
        }
        if (lc.endsWith(".google.com.")) {
            return GMAIL;
        }
        if (lc.endsWith(".yahoodns.net.")) {
            return YAHOO;
        }
        if (lc.endsWith(".pphosted.com.") || host.endsWith("ppe-hosted.com.")) {
            return PROOFPOINT;
        }
        if (lc.endsWith(".mimecast.com.")) {
            return MIMECAST;
        }
        return EVERYTHING_ELSE;
    }
}
