package dev.reacher.core.syntax;

/**
 * Upstream's informational {@code normalized_email}: Gmail addresses lose dots and {@code +tags}.
 * Never used for SMTP or the misc lookups.
 */
public final class EmailNormalizer {
    private EmailNormalizer() {}

    /**
     * For a domain that is exactly {@code gmail.com} or {@code googlemail.com}: the username up to the
     * first {@code +}, without dots, ASCII-lowercased, at {@code gmail.com}. Any other domain:
     * {@code username@domain} unchanged.
     *
     * <p>The domain comparison is case-sensitive, as upstream's: {@code Foo@GMAIL.COM} stays as is.
     */
    public static String normalize(String username, String domain) {
        if (!domain.equals("gmail.com") && !domain.equals("googlemail.com")) {
            return username + "@" + domain;
        }
        int plus = username.indexOf('+');
        String base = plus >= 0 ? username.substring(0, plus) : username;
        StringBuilder out = new StringBuilder(base.length() + 10);
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            if (c != '.') {
                // ASCII-only lowercasing, as Rust's to_ascii_lowercase.
                out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
            }
        }
        return out.append("@gmail.com").toString();
    }
}
