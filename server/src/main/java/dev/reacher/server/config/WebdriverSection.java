package dev.reacher.server.config;

import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.yahoo.YahooApi;
import java.net.URI;
import java.time.Duration;

/**
 * {@code webdriver_addr}, {@code [webdriver]} and {@code [yahoo_api]}: the checks that do not speak
 * SMTP. {@link HeadlessSettings} and {@link YahooApi.Endpoints} hold the defaults and the rules.
 */
final class WebdriverSection {
    private WebdriverSection() {}

    static HeadlessSettings headless(ConfigTree t) {
        HeadlessSettings d = HeadlessSettings.defaults();
        URI addr = url(t, "webdriver_addr", d.webdriverAddr());
        t.requireTable("webdriver");
        String binary = t.string("webdriver.binary", null);
        int maxSessions = ConfigTree.orDefault(t.intValue("webdriver.max_sessions", 1, 64, "a whole number 1-64"),
                d.maxSessions());
        int recycleAfter = ConfigTree.orDefault(t.intValue("webdriver.recycle_after", 1, 100_000,
                "a whole number 1-100000"), d.recycleAfter());
        Integer waitSecs = t.intValue("webdriver.element_wait_secs", 1, 600, "a whole number of seconds 1-600");
        Integer checkSecs = t.intValue("webdriver.check_timeout_secs", 1, 3600, "a whole number of seconds 1-3600");
        URI hotmail = url(t, "webdriver.hotmailb2c_page", d.hotmailPage());
        URI yahoo = url(t, "webdriver.yahoo_page", d.yahooPage());
        try {
            return new HeadlessSettings(addr, binary, maxSessions, recycleAfter,
                    waitSecs == null ? d.elementWait() : Duration.ofSeconds(waitSecs),
                    checkSecs == null ? d.checkTimeout() : Duration.ofSeconds(checkSecs), hotmail, yahoo);
        } catch (IllegalArgumentException e) {
            String key = e.getMessage().split(" ", 2)[0];
            throw t.problem(t.has(key) ? key : "webdriver", e.getMessage());
        }
    }

    /**
     * An override sets {@code type = "headless"} for Hotmail B2C or Yahoo (not just upstream's
     * default): the WebDriver is then a dependency that {@code /readyz} counts.
     */
    static boolean required(ConfigTree t) {
        return explicitlyHeadless(t, Provider.HOTMAIL_B2C) || explicitlyHeadless(t, Provider.YAHOO);
    }

    /** The operator chose {@code type = "headless"} for the provider (not just upstream's default). */
    private static boolean explicitlyHeadless(ConfigTree t, Provider provider) {
        String path = "overrides." + provider.key() + ".type";
        return t.has(path) && "headless".equals(t.string(path, null));
    }

    /** {@code [yahoo_api]}: the two endpoints of Yahoo's {@code api} method (tests point them at a stub). */
    static YahooApi.Endpoints yahooApi(ConfigTree t) {
        t.requireTable("yahoo_api");
        YahooApi.Endpoints d = YahooApi.Endpoints.defaults();
        return new YahooApi.Endpoints(url(t, "yahoo_api.signup_url", d.signupPage()),
                url(t, "yahoo_api.validate_url", d.validateEndpoint()));
    }

    /** An absolute http(s) URL at {@code path}, or {@code fallback} when absent. */
    private static URI url(ConfigTree t, String path, URI fallback) {
        String raw = t.string(path, null);
        if (raw == null) {
            return fallback;
        }
        try {
            URI uri = new URI(raw.strip());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw t.fail(path, "an http(s) URL such as http://localhost:9515", t.node(path));
    }
}
