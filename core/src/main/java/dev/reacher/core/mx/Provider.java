package dev.reacher.core.mx;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
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

    /**
     * The verification methods (the {@code type} tags) this provider may be configured with: every
     * provider can be verified over SMTP; Hotmail B2C and Yahoo also in a headless browser, and Yahoo
     * through its sign-up API (upstream's rules).
     */
    public List<String> methodTypes() {
        return switch (this) {
            case YAHOO -> List.of("smtp", "headless", "api");
            case HOTMAIL_B2C -> List.of("smtp", "headless");
            default -> List.of("smtp");
        };
    }

    public boolean allowsMethod(String type) {
        return methodTypes().contains(type);
    }

    /** {@link #methodTypes()} for a message, each in {@code quote}: {@code "smtp", "headless" or "api"}. */
    public String methodTypesText(String quote) {
        List<String> quoted = methodTypes().stream().map(t -> quote + t + quote).toList();
        return quoted.size() == 1 ? quoted.get(0)
                : String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.get(quoted.size() - 1);
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
