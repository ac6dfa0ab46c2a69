package dev.reacher.core.headless;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A small W3C WebDriver client (https://www.w3.org/TR/webdriver2/): plain HTTP and JSON to a
 * running driver such as chromedriver, with only the commands the recovery-page flows (and the
 * status page's browser test) need.
 * Every command has a timeout. Thread-safe; a {@link Session} is used by one check at a time.
 *
 * <p>Why not Selenium's {@code RemoteWebDriver}: it pulls a dozen jars (its HTTP client, JSON,
 * OpenTelemetry, the driver-download manager, which must never run here) into a library that
 * promises few dependencies, for seven HTTP calls that the JDK's client and Jackson already do.
 */
public final class WebDriverClient {
    /** The W3C key under which an element reference is returned. */
    private static final String ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

    private final String base;
    private final Duration commandTimeout;
    private final HttpClient http;

    /**
     * @param address the driver, e.g. {@code http://localhost:9515}
     * @param commandTimeout limit for any one command (a navigation waits for the page to load, up
     *     to the session's page-load timeout, so this should be longer than that)
     */
    public WebDriverClient(URI address, Duration commandTimeout) {
        String a = Objects.requireNonNull(address, "address").toString();
        if (!a.startsWith("http://") && !a.startsWith("https://")) {
            throw new IllegalArgumentException("the WebDriver address must be an http(s) URL: " + a);
        }
        this.base = a.endsWith("/") ? a.substring(0, a.length() - 1) : a;
        this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // drivers speak HTTP/1.1; no h2c upgrade attempt
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** The driver's address, as configured. */
    public String address() {
        return base;
    }

    /** {@code GET /status}: whether the driver says it can create new sessions. */
    public boolean ready() {
        try {
            return call("GET", "/status", null, Duration.ofSeconds(5)).path("ready").asBoolean(false);
        } catch (WebDriverException e) {
            return false;
        }
    }

    /**
     * {@code POST /session} with the given Chrome options.
     *
     * @param chromeOptions the {@code goog:chromeOptions} capability ({@code args}, {@code binary})
     * @param pageLoadTimeout how long a navigation may wait for the page to load
     */
    public Session newSession(Map<String, Object> chromeOptions, Duration pageLoadTimeout) throws WebDriverException {
        Map<String, Object> alwaysMatch = new LinkedHashMap<>();
        alwaysMatch.put("browserName", "chrome");
        alwaysMatch.put("pageLoadStrategy", "normal");
        alwaysMatch.put("timeouts", Map.of("pageLoad", pageLoadTimeout.toMillis(), "script", 5_000, "implicit", 0));
        alwaysMatch.put("goog:chromeOptions", chromeOptions);
        JsonNode value = call("POST", "/session", Map.of("capabilities", Map.of("alwaysMatch", alwaysMatch)),
                commandTimeout);
        String id = value.path("sessionId").asText("");
        if (id.isEmpty()) {
            throw new WebDriverException("session not created", "the driver's answer has no sessionId");
        }
        return new Session(id);
    }

    /** One browser session. Not thread-safe: one check at a time. */
    public final class Session {
        private final String id;

        private Session(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** Loads {@code url} and waits for it (W3C "Navigate To"). */
        public void navigate(String url) throws WebDriverException {
            call("POST", path("/url"), Map.of("url", url), commandTimeout);
        }

        /** Element references matching a CSS selector, in document order; empty when none. */
        public List<String> findAll(String cssSelector) throws WebDriverException {
            JsonNode value = call("POST", path("/elements"), Map.of("using", "css selector", "value", cssSelector),
                    commandTimeout);
            List<String> ids = new ArrayList<>();
            for (JsonNode element : value) {
                ids.add(element.path(ELEMENT_KEY).asText());
            }
            return ids;
        }

        public void sendKeys(String element, String text) throws WebDriverException {
            call("POST", path("/element/" + element + "/value"), Map.of("text", text), commandTimeout);
        }

        public void click(String element) throws WebDriverException {
            call("POST", path("/element/" + element + "/click"), Map.of(), commandTimeout);
        }

        /** The page's address now (W3C "Get Current URL"). */
        public String currentUrl() throws WebDriverException {
            return call("GET", path("/url"), null, commandTimeout).asText();
        }

        /**
         * Runs {@code script}, a function body whose {@code return} gives the value, in the page
         * (W3C "Execute Script"), and returns that value as JSON.
         */
        public JsonNode execute(String script) throws WebDriverException {
            return call("POST", path("/execute/sync"), Map.of("script", script, "args", List.of()), commandTimeout);
        }

        /** A PNG of the viewport (W3C "Take Screenshot"): what a failed check looked like. */
        public byte[] screenshot() throws WebDriverException {
            return Base64.getDecoder().decode(call("GET", path("/screenshot"), null, commandTimeout).asText());
        }

        /**
         * Forgets every cookie of the browser (not only the current page's, which is all W3C's
         * "Delete All Cookies" does), through chromedriver's DevTools passthrough.
         */
        public void clearAllCookies() throws WebDriverException {
            call("POST", path("/goog/cdp/execute"), Map.of("cmd", "Network.clearBrowserCookies", "params", Map.of()),
                    commandTimeout);
        }

        /** {@code DELETE /session/{id}}: closes the browser. */
        public void quit() throws WebDriverException {
            call("DELETE", path(""), null, commandTimeout);
        }

        private String path(String command) {
            return "/session/" + id + command;
        }
    }

    /** Sends one command and returns its {@code value}; W3C errors become {@link WebDriverException}. */
    private JsonNode call(String method, String path, Object body, Duration timeout) throws WebDriverException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (body != null) {
            request.header("Content-Type", "application/json; charset=utf-8")
                    .method(method, HttpRequest.BodyPublishers.ofString(ReacherJson.write(body)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new WebDriverException("unreachable", method + " " + path + " at " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WebDriverException("unreachable", "interrupted");
        }
        JsonNode value;
        try {
            JsonNode root = ReacherJson.mapper().readTree(response.body());
            value = root == null ? null : root.get("value");
        } catch (JacksonException e) {
            throw new WebDriverException("unknown error", method + " " + path + ": HTTP " + response.statusCode()
                    + " with a body that is not JSON");
        }
        if (value == null) {
            throw new WebDriverException("unknown error", method + " " + path + ": HTTP " + response.statusCode()
                    + " without a value");
        }
        if (response.statusCode() != 200 || value.hasNonNull("error") && value.path("error").isTextual()) {
            String error = value.path("error").asText("unknown error");
            String message = value.path("message").asText("");
            int nl = message.indexOf('\n'); // chromedriver appends a stack trace and build details
            throw new WebDriverException(error, nl > 0 ? message.substring(0, nl) : message);
        }
        return value;
    }
}
