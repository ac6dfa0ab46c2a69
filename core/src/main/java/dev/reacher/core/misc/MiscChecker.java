package dev.reacher.core.misc;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.syntax.SyntaxDetails;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The misc step of a check: disposable, role and B2C lookups from the bundled lists, plus the
 * optional Gravatar and HaveIBeenPwned HTTP lookups. One instance is meant to be shared: it owns one
 * {@link HttpClient}. Thread-safe; {@link #check} blocks (run it on a virtual thread) and never throws
 * for network trouble, which shows as a null field instead.
 *
 * <p>Deviations from upstream: every request has a connect timeout and an overall deadline (upstream
 * has none), both lookups run concurrently, and the address is percent-encoded in the HaveIBeenPwned
 * path (upstream inserts it raw, so {@code #} or {@code ?} in a local part truncated the path).
 */
public final class MiscChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MiscChecker.class);

    public static final URI DEFAULT_GRAVATAR_BASE = URI.create("https://www.gravatar.com/avatar/");
    public static final URI DEFAULT_HIBP_BASE = URI.create("https://haveibeenpwned.com/api/v3/breachedaccount/");
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final String gravatarBase;
    private final String hibpBase;
    private final Duration requestTimeout;
    private final HttpClient http;

    /** Public Gravatar and HaveIBeenPwned endpoints, 5 s connect timeout, 10 s per lookup. */
    public MiscChecker() {
        this(DEFAULT_GRAVATAR_BASE, DEFAULT_HIBP_BASE, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * @param gravatarBase the hex MD5 of the address is appended to this, e.g.
     *     {@code https://www.gravatar.com/avatar/}
     * @param hibpBase the percent-encoded address is appended to this, e.g.
     *     {@code https://haveibeenpwned.com/api/v3/breachedaccount/}
     * @param connectTimeout limit for opening a connection
     * @param requestTimeout limit for one whole lookup, connection and response body included
     */
    public MiscChecker(URI gravatarBase, URI hibpBase, Duration connectTimeout, Duration requestTimeout) {
        this.gravatarBase = requireHttp(gravatarBase, "gravatarBase");
        this.hibpBase = requireHttp(hibpBase, "hibpBase");
        this.requestTimeout = requirePositive(requestTimeout, "requestTimeout");
        this.http = HttpClient.newBuilder()
                .connectTimeout(requirePositive(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NORMAL) // reqwest follows redirects too
                .build();
    }

    /**
     * Misc details for a syntactically valid address. Returns {@link MiscDetails#defaults()} for an
     * invalid one, since there is nothing to look up. The network lookups run concurrently and share
     * one deadline of {@code requestTimeout}, so this returns within about that time.
     */
    public MiscDetails check(SyntaxDetails syntax, MiscOptions options) {
        if (!syntax.isValidSyntax() || syntax.address() == null) {
            return MiscDetails.defaults();
        }
        String address = syntax.address();
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        // MD5 of the address exactly as given (upstream does not trim or lowercase it).
        String gravatarUrl = options.checkGravatar() ? gravatarBase + md5Hex(address) : null;
        // Both requests are in flight before we wait for either.
        CompletableFuture<HttpResponse<Void>> gravatar = gravatarUrl != null ? sendGravatar(gravatarUrl) : null;
        CompletableFuture<HttpResponse<String>> pwned = options.checkHaveibeenpwned()
                ? sendHibp(address, options.haveibeenpwnedApiKey()) : null;

        HttpResponse<Void> gravatarResponse = await(gravatar, deadline, "Gravatar");
        HttpResponse<String> pwnedResponse = await(pwned, deadline, "HaveIBeenPwned");
        return new MiscDetails(
                DisposableDomains.isDisposable(syntax.domain()),
                RoleAccounts.isRole(syntax.username()),
                B2cDomains.isB2c(syntax.domain()),
                gravatarResponse != null && gravatarResponse.statusCode() == 200 ? gravatarUrl : null,
                pwnedResponse == null ? null : interpretHibp(pwnedResponse.statusCode(), pwnedResponse.body()));
    }

    /** Releases the HTTP client's connections; waits for lookups still in flight, which are bounded. */
    @Override
    public void close() {
        http.close();
    }

    /** {@code GET <base><md5>?d=404}: Gravatar answers 404 instead of a default image. */
    private CompletableFuture<HttpResponse<Void>> sendGravatar(String url) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "?d=404"))
                .timeout(requestTimeout)
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    }

    private CompletableFuture<HttpResponse<String>> sendHibp(String address, String apiKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(hibpBase + encodePathSegment(address) + "?truncateResponse=false"))
                .timeout(requestTimeout)
                .header("User-Agent", "reacher")
                .GET();
        try {
            request.header("hibp-api-key", apiKey);
        } catch (IllegalArgumentException e) {
            // e.g. a key with a line break. Not rethrown with its message, which may quote the key.
            log.warn("HaveIBeenPwned lookup skipped: the API key is not a valid HTTP header value");
            return null;
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** 2xx → whether the JSON array is non-empty; 404 → false; any other status → null. */
    static Boolean interpretHibp(int status, String body) {
        if (status >= 200 && status < 300) {
            // Upstream parses a JSON array and treats anything unparsable as empty.
            try {
                JsonNode breaches = ReacherJson.mapper().readTree(body);
                return breaches != null && breaches.isArray() && !breaches.isEmpty();
            } catch (JacksonException e) {
                return false;
            }
        }
        if (status == 404) {
            return false;
        }
        log.warn("HaveIBeenPwned lookup failed with HTTP status {}", status);
        return null;
    }

    /** The response, or null on a network error, a timeout or when the lookup was not made. */
    private static <T> HttpResponse<T> await(
            CompletableFuture<HttpResponse<T>> lookup, long deadlineNanos, String what) {
        if (lookup == null) {
            return null;
        }
        try {
            return lookup.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            lookup.cancel(true); // the future from sendAsync: cancelling it aborts the exchange
            log.warn("{} lookup timed out", what);
        } catch (ExecutionException e) {
            log.warn("{} lookup failed: {}", what, e.getCause().toString());
        } catch (CancellationException e) {
            log.warn("{} lookup was cancelled", what);
        } catch (InterruptedException e) {
            lookup.cancel(true);
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /**
     * Percent-encodes UTF-8 bytes except RFC 3986 unreserved characters and {@code @}, so the address
     * stays one path segment whatever its local part holds ({@code # ? / % +} …).
     */
    static String encodePathSegment(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '@') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    static String md5Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships MD5", e);
        }
    }

    private static String requireHttp(URI base, String name) {
        Objects.requireNonNull(base, name);
        String scheme = base.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || base.getHost() == null) {
            throw new IllegalArgumentException(name + " must be an absolute http(s) URL, got " + base);
        }
        return base.toString();
    }

    private static Duration requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }
}
