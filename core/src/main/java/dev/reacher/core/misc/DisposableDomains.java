package dev.reacher.core.misc;

import java.util.Locale;
import java.util.Set;

/**
 * Disposable (throw-away) mail domains, from the mailchecker list bundled as
 * {@code disposable_domains.txt}. Subdomains of a listed domain count as disposable.
 */
public final class DisposableDomains {
    private DisposableDomains() {}

    private static final class Holder {
        static final Set<String> DOMAINS = WordList.load("disposable_domains.txt");
    }

    /**
     * Whether the lowercased domain, or any parent of it with at least two labels, is listed:
     * for {@code x.mail.33mail.com} that is {@code x.mail.33mail.com}, {@code mail.33mail.com} and
     * {@code 33mail.com} (the bare TLD is not checked), as mailchecker does.
     */
    public static boolean isDisposable(String domain) {
        String candidate = domain.toLowerCase(Locale.ROOT);
        int dot;
        while ((dot = candidate.indexOf('.')) >= 0) {
            if (Holder.DOMAINS.contains(candidate)) {
                return true;
            }
            candidate = candidate.substring(dot + 1);
        }
        return false;
    }

    /** Number of listed domains. */
    static int size() {
        return Holder.DOMAINS.size();
    }
}
