package dev.reacher.core.yahoo;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.smtp.SmtpDetails;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Yahoo's {@code api} verification method: asks Yahoo's sign-up form whether the local part is
 * taken, as upstream does.
 *
 * <ol>
 *   <li>{@code GET} the sign-up page with a desktop Chrome {@code User-Agent}; keep the first
 *       {@code Set-Cookie} header ({@code NoCookie} without one). Its {@code s=…&d} part is the
 *       {@code acrumb} ({@code NoAcrumb}); the page's hidden {@code sessionIndex} input is the
 *       session index ({@code NoSessionIndex}).</li>
 *   <li>{@code POST} {@code {"acrumb","sessionIndex","specId":"yidReg","userId":<local part>}} to
 *       the field-validation endpoint with that cookie. The body is JSON although the
 *       {@code Content-type} says form-encoded, exactly as Yahoo's page sends it.</li>
 *   <li>The answer {@code {"errors":[{"name","error"}…]}} means the address exists iff an item has
 *       {@code name == "userId"} and {@code error} is {@code IDENTIFIER_NOT_AVAILABLE} or
 *       {@code IDENTIFIER_EXISTS}.</li>
 * </ol>
 *
 * <p>Unlike upstream, every call has a connect timeout and an overall timeout, and the request
 * asks for an uncompressed answer ({@code Accept-Encoding: identity}: the JDK client does not
 * decompress). Never goes through the proxy pool (upstream's HTTP calls never do). Thread-safe;
 * one instance owns one {@link HttpClient}.
 */
public final class YahooApi implements AutoCloseable {

    public static final URI DEFAULT_SIGNUP_PAGE = URI.create("https://login.yahoo.com/account/create?specId=yidReg"
            + "&lang=en-US&src=&done=https%3A%2F%2Fwww.yahoo.com&display=login");
    public static final URI DEFAULT_VALIDATE_ENDPOINT =
            URI.create("https://login.yahoo.com/account/module/create?validateField=yid");
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    static final String USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            + "(KHTML, like Gecko) Chrome/54.0.2840.99 Safari/537.36";
    private static final Pattern ACRUMB = Pattern.compile("s=([^;]*)&d");
    private static final Pattern SESSION_INDEX =
            Pattern.compile("<input type=\"hidden\" value=\"(.*)\" name=\"sessionIndex\">");
    private static final Set<String> TAKEN = Set.of("IDENTIFIER_NOT_AVAILABLE", "IDENTIFIER_EXISTS");

    private final URI signupPage;
    private final URI validateEndpoint;
    private final Duration requestTimeout;
    private final HttpClient http;

    /**
     * Where the two calls go.
     *
     * @param signupPage the sign-up page that hands out the cookie and session index
     * @param validateEndpoint the endpoint that validates the chosen Yahoo ID
     */
    public record Endpoints(URI signupPage, URI validateEndpoint) {
        public Endpoints {
            requireHttp(signupPage, "yahoo_api.signup_url");
            requireHttp(validateEndpoint, "yahoo_api.validate_url");
        }

        /** Yahoo's real endpoints. */
        public static Endpoints defaults() {
            return new Endpoints(DEFAULT_SIGNUP_PAGE, DEFAULT_VALIDATE_ENDPOINT);
        }

        private static void requireHttp(URI uri, String key) {
            Objects.requireNonNull(uri, key);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException(key + " must be an http(s) URL, got " + uri);
            }
        }
    }

    /** Yahoo's real endpoints, 5 s connect timeout, 10 s per call. */
    public YahooApi() {
        this(Endpoints.defaults());
    }

    /** The given endpoints, 5 s connect timeout, 10 s per call. */
    public YahooApi(Endpoints endpoints) {
        this(endpoints.signupPage(), endpoints.validateEndpoint(), DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * @param signupPage the sign-up page that hands out the cookie and session index
     * @param validateEndpoint the endpoint that validates the chosen Yahoo ID
     * @param connectTimeout limit for opening a connection
     * @param requestTimeout limit for each of the two calls, response body included
     */
    public YahooApi(URI signupPage, URI validateEndpoint, Duration connectTimeout, Duration requestTimeout) {
        this.signupPage = Objects.requireNonNull(signupPage, "signupPage");
        this.validateEndpoint = Objects.requireNonNull(validateEndpoint, "validateEndpoint");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.http = HttpClient.newBuilder()
                .connectTimeout(Objects.requireNonNull(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * Checks one address. Blocks for at most two request timeouts (run it on a virtual thread).
     *
     * @return {@code can_connect_smtp} true, deliverable as Yahoo says, never full, catch-all or disabled
     * @throws YahooException on any failure: network, timeout, a page or answer that is not as expected
     */
    public SmtpDetails check(String email) throws YahooException {
        String localPart = email.substring(0, Math.max(0, email.lastIndexOf('@')));
        HttpResponse<String> page = send(HttpRequest.newBuilder(signupPage)
                .header("User-Agent", USER_AGENT)
                .header("Accept-Encoding", "identity")
                .timeout(requestTimeout)
                .GET()
                .build());
        String cookie = page.headers().firstValue("set-cookie")
                .orElseThrow(() -> new YahooException("NoCookie", null));
        String acrumb = group(ACRUMB, cookie).orElseThrow(() -> new YahooException("NoAcrumb", null));
        String sessionIndex = group(SESSION_INDEX, page.body())
                .orElseThrow(() -> new YahooException("NoSessionIndex", null));

        Map<String, String> body = new LinkedHashMap<>();
        body.put("acrumb", acrumb);
        body.put("sessionIndex", sessionIndex);
        body.put("specId", "yidReg");
        body.put("userId", localPart);
        HttpResponse<String> answer;
        try {
            answer = send(HttpRequest.newBuilder(validateEndpoint)
                    .header("Origin", "https://login.yahoo.com")
                    .header("X-Requested-With", "XMLHttpRequest")
                    .header("User-Agent", USER_AGENT)
                    .header("Content-type", "application/x-www-form-urlencoded; charset=UTF-8")
                    .header("Accept", "*/*")
                    .header("Referer", signupPage.toString())
                    .header("Accept-Encoding", "identity")
                    .header("Accept-Language", "en-US,en;q=0.8,ar;q=0.6")
                    .header("Cookie", cookie)
                    .timeout(requestTimeout)
                    .POST(HttpRequest.BodyPublishers.ofString(ReacherJson.write(body)))
                    .build());
        } catch (IllegalArgumentException e) {
            // A cookie that is not a valid header value; the JDK's message would quote it.
            throw new YahooException("ReqwestError", "the sign-up page's cookie is not a valid header value");
        }
        return new SmtpDetails(true, false, false, isTaken(answer.body()), false);
    }

    /** Whether Yahoo's validation answer says the user ID is taken (the address exists). */
    static boolean isTaken(String json) throws YahooException {
        JsonNode errors;
        try {
            JsonNode root = ReacherJson.mapper().readTree(json);
            errors = root == null ? null : root.get("errors");
        } catch (JacksonException e) {
            throw new YahooException("SerdeError", "the validation answer is not JSON: " + e.getOriginalMessage());
        }
        if (errors == null || !errors.isArray()) {
            throw new YahooException("SerdeError", "missing field `errors` in the validation answer");
        }
        for (JsonNode item : errors) {
            if ("userId".equals(item.path("name").asText(null)) && TAKEN.contains(item.path("error").asText(""))) {
                return true;
            }
        }
        return false;
    }

    private HttpResponse<String> send(HttpRequest request) throws YahooException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // HttpTimeoutException and HttpConnectTimeoutException are IOExceptions too.
            throw new YahooException("ReqwestError", request.method() + " " + request.uri().getPath() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new YahooException("ReqwestError", "interrupted");
        }
    }

    private static Optional<String> group(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    @Override
    public void close() {
        http.close();
    }
}
