package dev.reacher.server.storage;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Upstream's {@code storage.postgres.db_url} is a libpq-style URL
 * ({@code postgres://user:pass@host:5432/db?sslmode=disable}); pgjdbc wants
 * {@code jdbc:postgresql://host:5432/db?user=…&password=…}. Both forms are accepted.
 */
public final class PostgresUrl {
    private PostgresUrl() {}

    public static String toJdbc(String url) {
        if (url.startsWith("jdbc:")) {
            return url;
        }
        if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
            throw new IllegalArgumentException("storage.postgres.db_url must start with postgres://, postgresql:// or "
                    + "jdbc:postgresql://, got " + redact(url));
        }
        URI uri = URI.create(url);
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost() == null ? "localhost" : uri.getHost());
        if (uri.getPort() > 0) {
            jdbc.append(':').append(uri.getPort());
        }
        jdbc.append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
        StringBuilder query = new StringBuilder(uri.getRawQuery() == null ? "" : uri.getRawQuery());
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            appendParam(query, "user", URLDecoder.decode(user, StandardCharsets.UTF_8));
            if (colon >= 0) {
                appendParam(query, "password", URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
            }
        }
        if (!query.isEmpty()) {
            jdbc.append('?').append(query);
        }
        return jdbc.toString();
    }

    /** The URL without its password, for messages and logs. */
    public static String redact(String url) {
        return url.replaceAll("://([^:/@]+):[^@/]*@", "://$1:***@").replaceAll("(?i)password=[^&]*", "password=***");
    }

    private static void appendParam(StringBuilder query, String key, String value) {
        if (!query.isEmpty()) {
            query.append('&');
        }
        query.append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
}
