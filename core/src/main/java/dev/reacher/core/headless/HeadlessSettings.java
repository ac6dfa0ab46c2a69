package dev.reacher.core.headless;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the headless-browser checks, with their defaults and validation in one place.
 *
 * @param webdriverAddr the WebDriver (chromedriver) to drive, default {@code http://localhost:9515}
 * @param binary the browser binary for the driver to start, or null for the driver's default
 * @param maxSessions browser sessions open at once; more checks wait for one (default 4)
 * @param recycleAfter checks one session serves before it is closed and replaced (default 50)
 * @param elementWait how long to wait for an expected element or a page load (default 30 s, as upstream)
 * @param checkTimeout deadline for one whole check, waiting for a session and every attempt
 *     included (default 90 s)
 * @param hotmailPage the Hotmail password-reset page (default the real one)
 * @param yahooPage the Yahoo "forgot" page (default the real one)
 */
public record HeadlessSettings(URI webdriverAddr, String binary, int maxSessions, int recycleAfter,
        Duration elementWait, Duration checkTimeout, URI hotmailPage, URI yahooPage) {

    public static final URI DEFAULT_WEBDRIVER_ADDR = URI.create("http://localhost:9515");
    public static final int DEFAULT_MAX_SESSIONS = 4;
    public static final int DEFAULT_RECYCLE_AFTER = 50;
    public static final Duration DEFAULT_ELEMENT_WAIT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(90);

    public HeadlessSettings {
        Objects.requireNonNull(webdriverAddr, "webdriver_addr");
        String scheme = webdriverAddr.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || webdriverAddr.getHost() == null) {
            throw new IllegalArgumentException("webdriver_addr must be an http URL such as http://localhost:9515, got "
                    + webdriverAddr);
        }
        if (binary != null && binary.isBlank()) {
            binary = null;
        }
        if (maxSessions < 1) {
            throw new IllegalArgumentException("webdriver.max_sessions must be at least 1, got " + maxSessions);
        }
        if (recycleAfter < 1) {
            throw new IllegalArgumentException("webdriver.recycle_after must be at least 1, got " + recycleAfter);
        }
        requirePositive(elementWait, "webdriver.element_wait_secs");
        requirePositive(checkTimeout, "webdriver.check_timeout_secs");
        requirePage(hotmailPage, "webdriver.hotmailb2c_page");
        requirePage(yahooPage, "webdriver.yahoo_page");
    }

    public static HeadlessSettings defaults() {
        return new HeadlessSettings(DEFAULT_WEBDRIVER_ADDR, null, DEFAULT_MAX_SESSIONS, DEFAULT_RECYCLE_AFTER,
                DEFAULT_ELEMENT_WAIT, DEFAULT_CHECK_TIMEOUT, RecoveryPage.HOTMAIL_URL, RecoveryPage.YAHOO_URL);
    }

    public HeadlessSettings withWebdriverAddr(URI addr) {
        return new HeadlessSettings(addr, binary, maxSessions, recycleAfter, elementWait, checkTimeout, hotmailPage,
                yahooPage);
    }

    public HeadlessSettings withBinary(String path) {
        return new HeadlessSettings(webdriverAddr, path, maxSessions, recycleAfter, elementWait, checkTimeout,
                hotmailPage, yahooPage);
    }

    public HeadlessSettings withMaxSessions(int n) {
        return new HeadlessSettings(webdriverAddr, binary, n, recycleAfter, elementWait, checkTimeout, hotmailPage,
                yahooPage);
    }

    public HeadlessSettings withRecycleAfter(int n) {
        return new HeadlessSettings(webdriverAddr, binary, maxSessions, n, elementWait, checkTimeout, hotmailPage,
                yahooPage);
    }

    public HeadlessSettings withTimeouts(Duration elementWait, Duration checkTimeout) {
        return new HeadlessSettings(webdriverAddr, binary, maxSessions, recycleAfter, elementWait, checkTimeout,
                hotmailPage, yahooPage);
    }

    public HeadlessSettings withPages(URI hotmail, URI yahoo) {
        return new HeadlessSettings(webdriverAddr, binary, maxSessions, recycleAfter, elementWait, checkTimeout,
                hotmail, yahoo);
    }

    private static void requirePositive(Duration d, String key) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
    }

    private static void requirePage(URI page, String key) {
        Objects.requireNonNull(page, key);
        if (!"http".equals(page.getScheme()) && !"https".equals(page.getScheme())) {
            throw new IllegalArgumentException(key + " must be an http(s) URL, got " + page);
        }
    }
}
