package dev.reacher.server.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A proxy written as a URL, {@code socks5://[user:pass@]host:port[?key=value&…]} or
 * {@code socks5h://…}, or in the form proxy vendors hand out, {@code host:port} or
 * {@code host:port:user:pass}. User and password are percent-decoded (UTF-8), so a password holding
 * {@code @} or {@code :} is written {@code %40} / {@code %3A} in a URL; the vendor form takes
 * everything after the third colon as the password, as is.
 *
 * <p>The query holds per-member settings ({@code weight=3&max_requests_per_minute=60}); they are
 * returned as text and validated by {@link ConfigLoader} like the same keys of a TOML table.
 *
 * <p>Error messages name the part that is wrong and never repeat the user info.
 *
 * @param scheme {@code socks5} or {@code socks5h} (null for the vendor form)
 * @param username null when none is given
 * @param password null when none is given
 * @param params the query's keys and values, in order
 */
record ProxyUrl(String scheme, String host, int port, String username, String password, Map<String, String> params) {

    ProxyUrl {
        params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** True for {@code socks5h://}: the URL says the proxy must resolve host names. */
    boolean proxyResolvesNames() {
        return "socks5h".equals(scheme);
    }

    /** {@code host:port}, the id a list-file member gets unless it names one; IPv6 in brackets. */
    String defaultId() {
        return (host.contains(":") ? "[" + host + "]" : host).toLowerCase(Locale.ROOT) + ":" + port;
    }

    /** True when {@code text} is meant as a URL (it has a scheme). */
    static boolean looksLikeUrl(String text) {
        return text.contains("://");
    }

    /**
     * Parses a URL ({@code socks5://…}, {@code socks5h://…}).
     *
     * @throws IllegalArgumentException with a message that does not contain the user info
     */
    static ProxyUrl parseUrl(String text) {
        int schemeEnd = text.indexOf("://");
        if (schemeEnd < 0) {
            throw new IllegalArgumentException("not a proxy URL: expected socks5://[user:pass@]host:port");
        }
        String scheme = text.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        if (!scheme.equals("socks5") && !scheme.equals("socks5h")) {
            throw new IllegalArgumentException("unsupported scheme `" + (scheme.length() > 12 ? "…" : scheme)
                    + "`: expected socks5:// or socks5h:// (only SOCKS5 proxies are supported)");
        }
        String rest = text.substring(schemeEnd + 3);
        int at = rest.lastIndexOf('@');
        String userInfo = at < 0 ? null : rest.substring(0, at);
        String afterUser = at < 0 ? rest : rest.substring(at + 1);
        int authorityEnd = indexOfAny(afterUser, "/?#");
        String authority = authorityEnd < 0 ? afterUser : afterUser.substring(0, authorityEnd);
        String tail = authorityEnd < 0 ? "" : afterUser.substring(authorityEnd);
        if (userInfo != null && indexOfAny(userInfo, "/?#") >= 0) {
            throw new IllegalArgumentException("the username or password holds an unencoded `/`, `?` or `#`:"
                    + " percent-encode them (%2F, %3F, %23), and `@` as %40, `:` in the username as %3A");
        }
        String query = "";
        if (tail.startsWith("/")) {
            int q = tail.indexOf('?');
            String path = q < 0 ? tail : tail.substring(0, q);
            if (!path.equals("/") || tail.contains("#")) {
                throw new IllegalArgumentException("a proxy URL has no path or fragment: expected socks5://host:port[?settings]");
            }
            query = q < 0 ? "" : tail.substring(q + 1);
        } else if (tail.startsWith("?")) {
            if (tail.contains("#")) {
                throw new IllegalArgumentException("a proxy URL has no fragment (`#…`)");
            }
            query = tail.substring(1);
        } else if (tail.startsWith("#")) {
            throw new IllegalArgumentException("a proxy URL has no fragment (`#…`)");
        }
        String username = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("a username needs a password: expected socks5://user:pass@host:port");
            }
            username = decode(userInfo.substring(0, colon), "the username");
            password = decode(userInfo.substring(colon + 1), "the password");
            if (username.isEmpty()) {
                throw new IllegalArgumentException("the username is empty");
            }
        }
        HostPort hp = hostPort(authority);
        return new ProxyUrl(scheme, hp.host(), hp.port(), username, password, params(query));
    }

    /**
     * Parses the vendor form, {@code host:port} or {@code host:port:user:pass} (IPv6 in brackets).
     *
     * @throws IllegalArgumentException with a message that does not contain the user info
     */
    static ProxyUrl parseVendor(String text) {
        int hostEnd;
        if (text.startsWith("[")) {
            hostEnd = text.indexOf(']') + 1;
            if (hostEnd == 0) {
                throw new IllegalArgumentException("an IPv6 address needs its closing `]`");
            }
        } else {
            hostEnd = text.indexOf(':');
        }
        if (hostEnd <= 0 || hostEnd >= text.length() || text.charAt(hostEnd) != ':') {
            throw new IllegalArgumentException("expected host:port, host:port:user:pass or a socks5:// URL");
        }
        String afterHost = text.substring(hostEnd + 1);
        int portEnd = afterHost.indexOf(':');
        String port = portEnd < 0 ? afterHost : afterHost.substring(0, portEnd);
        String username = null;
        String password = null;
        if (portEnd >= 0) {
            String credentials = afterHost.substring(portEnd + 1);
            int colon = credentials.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected host:port:user:pass (user and password both), "
                        + "host:port or a socks5:// URL");
            }
            username = credentials.substring(0, colon);
            password = credentials.substring(colon + 1);
        }
        HostPort hp = hostPort(text.substring(0, hostEnd) + ":" + port);
        return new ProxyUrl(null, hp.host(), hp.port(), username, password, Map.of());
    }

    private record HostPort(String host, int port) {}

    private static HostPort hostPort(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || (authority.startsWith("[") && colon < authority.indexOf(']'))) {
            throw new IllegalArgumentException("missing port: expected host:port");
        }
        String host = authority.substring(0, colon);
        String port = authority.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host: expected host:port");
        }
        if (!host.matches("[A-Za-z0-9._:%-]+")) {
            throw new IllegalArgumentException("the host holds characters a host name or IP address cannot");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("the port must be a number 1-65535, got `"
                    + (port.length() > 12 ? port.substring(0, 12) + "…" : port) + "`");
        }
        return new HostPort(host, p);
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value settings after `?`, separated by `&`");
            }
            String key = decode(pair.substring(0, eq), "a setting's name").toLowerCase(Locale.ROOT);
            String value = decode(pair.substring(eq + 1), "the setting " + key);
            if (params.put(key, value) != null) {
                throw new IllegalArgumentException("the setting " + key + " is given twice");
            }
        }
        return params;
    }

    /** RFC 3986 percent-decoding as UTF-8; {@code +} stays {@code +} (it is not a form). */
    private static String decode(String s, String what) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
                continue;
            }
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException(what + " holds a `%` that is not followed by two hex digits"
                        + " (write a literal % as %25)");
            }
            bytes.write(hi * 16 + lo);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not valid UTF-8 once percent-decoded");
        }
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return (scheme == null ? "" : scheme + "://") + (username == null ? "" : username + ":***@") + defaultId();
    }
}
