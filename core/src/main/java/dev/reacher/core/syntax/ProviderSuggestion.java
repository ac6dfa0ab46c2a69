package dev.reacher.core.syntax;

import java.util.List;
import java.util.Locale;

/**
 * "Did you mean …?" for domains that look like a typo of a big mail provider. The pipeline asks for
 * it only when the domain has no MX, the MX lookup failed, or SMTP failed.
 *
 * <p>Deviation from upstream (a bug fix): a domain that already <em>is</em> one of the providers gets
 * no suggestion, and the comparison ignores case. Upstream suggests {@code bob@gmail.com} for
 * {@code bob@gmail.com} and nothing for {@code GMALI.COM}.
 */
public final class ProviderSuggestion {
    /** Candidates in upstream's order; the first one close enough wins. */
    public static final List<String> PROVIDERS = List.of(
            "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "protonmail.com", "icloud.com", "yandex.com");

    /** Upstream suggests when the Levenshtein distance is below this. */
    private static final int MAX_DISTANCE_EXCLUSIVE = 3;

    private ProviderSuggestion() {}

    /**
     * {@code username@provider} for the first provider within edit distance 2 of the (lowercased)
     * domain, or null when the syntax is invalid, the domain already is a provider, or none is close.
     */
    public static String suggest(SyntaxDetails syntax) {
        if (!syntax.isValidSyntax()) {
            return null;
        }
        String domain = syntax.domain().toLowerCase(Locale.ROOT);
        if (PROVIDERS.contains(domain)) {
            return null;
        }
        for (String provider : PROVIDERS) {
            if (levenshtein(domain, provider) < MAX_DISTANCE_EXCLUSIVE) {
                return syntax.username() + "@" + provider;
            }
        }
        return null;
    }

    /** Plain Levenshtein distance over UTF-16 chars (the inputs are ASCII). */
    static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] curr = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            curr[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                curr[j] = Math.min(substitution, Math.min(prev[j], curr[j - 1]) + 1);
            }
            int[] swap = prev;
            prev = curr;
            curr = swap;
        }
        return prev[b.length()];
    }
}
