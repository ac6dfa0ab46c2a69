package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.TestServer;
import dev.reacher.testkit.Chromedriver;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.RecoveryPages;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hotmail B2C and Yahoo addresses through {@code POST /v1/check_email} with the headless method: a
 * real chromedriver and Chromium on local copies of the two recovery pages, the test domains
 * resolving (DNS fixture) to MX hosts that make them Yahoo and Hotmail B2C. Then the same through
 * the proxy pool with a real microsocks: the browser's traffic comes out at the proxy's address.
 */
class HeadlessEndpointTest {
    private static Chromedriver driver;
    private static RecoveryPages pages;
    private static TestServer t;

    /** {@code [webdriver]}; {@code webdriver_addr} comes from the environment (the base TOML ends in a table). */
    static String webdriverToml(RecoveryPages pages) {
        return """
                [webdriver]
                max_sessions = 2
                element_wait_secs = 5
                hotmailb2c_page = "%s"
                yahoo_page = "%s"
                """.formatted(pages.hotmail(), pages.yahoo());
    }

    static void providerDomains(TestServer server) {
        server.dns.mx("yahoo.test", 10, "mta5.am0.yahoodns.net").a("mta5.am0.yahoodns.net", "127.0.0.1");
        server.dns.mx("outlook.test", 10, "outlook-test.olc.protection.outlook.com")
                .a("outlook-test.olc.protection.outlook.com", "127.0.0.1");
    }

    @BeforeAll
    static void start() {
        driver = Chromedriver.start();
        pages = RecoveryPages.start();
        t = TestServer.start(webdriverToml(pages), Map.of("RCH__WEBDRIVER_ADDR", driver.address().toString(),
                "RCH__OVERRIDES__YAHOO__TYPE", "headless"));
        providerDomains(t);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (t != null) {
                t.close();
                // Shutdown closed every browser session.
                await().atMost(Duration.ofSeconds(20)).until(() -> driver.browserProcesses() == 0);
            }
        } finally {
            if (pages != null) {
                pages.close();
            }
            if (driver != null) {
                driver.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "exists@yahoo.test,     safe,    true,  false",
        "challenge@yahoo.test,  safe,    true,  false",
        "missing@yahoo.test,    invalid, false, false",
        "locked@yahoo.test,     invalid, false, true",
        "exists@outlook.test,   safe,    true,  false",
        "code.sent@outlook.test, safe,   true,  false",
        "missing@outlook.test,  invalid, false, false",
    })
    void verdictsFromTheRecoveryPages(String email, String verdict, boolean deliverable, boolean disabled) {
        JsonNode out = t.post("/v1/check_email", "{\"to_email\":\"" + email + "\"}").json();
        assertThat(out.get("is_reachable").asText()).as(out.toString()).isEqualTo(verdict);
        assertThat(out.at("/smtp/is_deliverable").asBoolean()).isEqualTo(deliverable);
        assertThat(out.at("/smtp/is_disabled").asBoolean()).isEqualTo(disabled);
        assertThat(out.at("/smtp/can_connect_smtp").asBoolean()).isTrue();
        assertThat(out.at("/debug/smtp/verif_method").toString()).isEqualTo("{\"type\":\"Headless\"}");
    }

    @Test
    void unknownPageAnswerIsUnknownWithHeadlessError() {
        JsonNode out = t.post("/v1/check_email", "{\"to_email\":\"somebody@outlook.test\"}").json();
        assertThat(out.get("is_reachable").asText()).isEqualTo("unknown");
        assertThat(out.at("/smtp/error/type").asText()).isEqualTo("HeadlessError");
        assertThat(out.at("/smtp/error/message/Cmd").asText()).startsWith("page layout not recognised");
    }

    @Test
    void readyzCountsTheWebDriver() {
        TestServer.Response r = t.get("/readyz");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/checks/webdriver").asText()).isEqualTo("ok");
    }

    @Test
    void readyzIsUnavailableWhenTheChosenWebDriverIsDown() throws Exception {
        int port = dev.reacher.testkit.LoopbackPorts.freePort(); // nothing listens there
        try (TestServer down = TestServer.start("", Map.of("RCH__WEBDRIVER_ADDR", "http://127.0.0.1:" + port,
                "RCH__OVERRIDES__HOTMAILB2C__TYPE", "headless"))) {
            TestServer.Response r = down.get("/readyz");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().at("/checks/webdriver").asText()).isEqualTo("unreachable");
        }
    }

    @Test
    void browserSessionsRotateThroughPoolMembersWithoutCredentials() throws Exception {
        try (Microsocks open = Microsocks.builder().bindAddress("127.0.0.31").start();
                Microsocks locked = Microsocks.builder().credentials("bob", "pw-Hl-4471").bindAddress("127.0.0.32")
                        .start();
                TestServer pooled = TestServer.start(webdriverToml(pages) + """
                        [proxy_pool]
                        enabled = true
                        """, Map.of(
                        "RCH__WEBDRIVER_ADDR", driver.address().toString(),
                        "RCH__OVERRIDES__PROXIES__OPEN1__HOST", "127.0.0.1",
                        "RCH__OVERRIDES__PROXIES__OPEN1__PORT", Integer.toString(open.port()),
                        "RCH__OVERRIDES__PROXIES__AUTH1__HOST", "127.0.0.1",
                        "RCH__OVERRIDES__PROXIES__AUTH1__PORT", Integer.toString(locked.port()),
                        "RCH__OVERRIDES__PROXIES__AUTH1__USERNAME", "bob",
                        "RCH__OVERRIDES__PROXIES__AUTH1__PASSWORD", "pw-Hl-4471"))) {
            providerDomains(pooled);
            JsonNode proxies = pooled.get("/v1/proxies").json().get("proxies");
            assertThat(proxies.toString()).contains("\"id\":\"auth1\"").doesNotContain("pw-Hl-4471");
            for (JsonNode p : proxies) {
                assertThat(p.get("headless").asBoolean()).as(p.toString()).isEqualTo(p.get("id").asText().equals("open1"));
            }
            int before = pages.peers().size();
            for (String email : new String[] {"exists@yahoo.test", "missing@outlook.test", "exists@outlook.test"}) {
                JsonNode out = pooled.post("/v1/check_email", "{\"to_email\":\"" + email + "\"}").json();
                assertThat(out.get("is_reachable").asText()).as(out.toString()).isIn("safe", "invalid");
                assertThat(out.at("/debug/smtp/verif_method").toString())
                        .isEqualTo("{\"type\":\"Headless\",\"proxy\":\"open1\"}");
            }
            // Every page load came out of the proxy's bound address, none directly or via the other member.
            assertThat(pages.peers().subList(before, pages.peers().size())).isNotEmpty().allMatch("127.0.0.31"::equals);
        }
    }
}
