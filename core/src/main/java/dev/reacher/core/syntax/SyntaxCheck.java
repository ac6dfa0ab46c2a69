package dev.reacher.core.syntax;

/**
 * Upstream's syntax check: async-smtp's address sanity check followed by the fast_chemail
 * grammar. The input is used exactly as given: no trimming, lowercasing or IDN conversion.
 *
 * <p>Deviation from upstream, by design: disposable domains are <em>not</em> a syntax failure here.
 * Such addresses are valid syntax and are flagged by {@code misc.is_disposable} instead.
 */
public final class SyntaxCheck {
    private static final int LOCAL_MAX = 64;
    private static final int DOMAIN_MAX = 255;
    private static final int LABEL_MAX = 63;
    /** RFC 5322 atext specials allowed in the local part besides letters and digits. */
    private static final String LOCAL_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

    private SyntaxCheck() {}

    /** Checks {@code input} and splits it into username and domain; never throws. */
    public static SyntaxDetails check(String input) {
        if (input == null || !passesAddressSanity(input) || !isValidGrammar(input)) {
            return SyntaxDetails.invalid();
        }
        int at = input.indexOf('@');
        String username = input.substring(0, at);
        String domain = input.substring(at + 1);
        return new SyntaxDetails(input, domain, true, username, EmailNormalizer.normalize(username, domain), null);
    }

    /** async-smtp's {@code EmailAddress::new}: no non-ASCII, control, whitespace, {@code <} or {@code >}. */
    static boolean passesAddressSanity(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0x7F || c < 0x20 || c == 0x7F || c == ' ' || c == '<' || c == '>') {
                return false;
            }
        }
        return true;
    }

    /** fast_chemail 0.9.6's {@code is_valid_email}. */
    static boolean isValidGrammar(String s) {
        if (s.startsWith("@") || s.endsWith("@")) {
            return false;
        }
        int at = s.indexOf('@');
        if (at < 0 || s.indexOf('@', at + 1) >= 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return isValidLocalPart(s.substring(0, at)) && isValidDomain(s.substring(at + 1));
    }

    private static boolean isValidLocalPart(String local) {
        if (local.length() > LOCAL_MAX || local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return false;
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!isAlphanumeric(c) && c != '.' && LOCAL_SPECIALS.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isValidDomain(String domain) {
        if (domain.length() > DOMAIN_MAX || domain.startsWith(".") || domain.endsWith(".") || !domain.contains(".")) {
            return false;
        }
        // split with limit -1 keeps empty labels, so "a..b" is seen and rejected.
        for (String label : domain.split("\\.", -1)) {
            if (!isValidLabel(label)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isValidLabel(String label) {
        if (label.isEmpty() || label.length() > LABEL_MAX) {
            return false;
        }
        // 0.9.6 lets a label start with a digit (older versions required a letter).
        if (!isAlphanumeric(label.charAt(0)) || !isAlphanumeric(label.charAt(label.length() - 1))) {
            return false;
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (!isAlphanumeric(c) && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
