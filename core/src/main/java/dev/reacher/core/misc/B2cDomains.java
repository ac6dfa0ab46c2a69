package dev.reacher.core.misc;

import java.util.Locale;
import java.util.Set;

/**
 * Consumer ("B2C") mail domains such as {@code gmail.com}, from upstream's {@code b2c.txt}. Exact
 * matches only: subdomains of a listed domain do not count.
 */
public final class B2cDomains {
    private B2cDomains() {}

    private static final class Holder {
        static final Set<String> DOMAINS = WordList.load("b2c.txt");
    }

    /** Whether the lowercased domain is exactly one of the listed domains. */
    public static boolean isB2c(String domain) {
        return Holder.DOMAINS.contains(domain.toLowerCase(Locale.ROOT));
    }

    /** Number of listed domains. */
    static int size() {
        return Holder.DOMAINS.size();
    }
}
