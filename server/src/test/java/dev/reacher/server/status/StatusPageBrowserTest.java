package dev.reacher.server.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.ReacherServer;
import dev.reacher.server.config.ConfigLoader;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /status} in a real headless Chromium: it asks for the secret once, shows three real
 * microsocks members, shows a killed one ejected within 5 s, and a running bulk job's progress moves.
 */
class StatusPageBrowserTest {
    private static final String SECRET = "st4tus-s3cret";

    @TempDir
    Path dir;

    @Test
    void statusPageShowsMembersEjectionAndBulkProgress() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                DnsFixture dns = DnsFixture.start().mx("example.test", 10, "127.0.0.1");
                Microsocks m1 = Microsocks.builder().bindAddress("127.0.0.51").start();
                Microsocks m2 = Microsocks.builder().bindAddress("127.0.0.52").start();
                Microsocks m3 = Microsocks.builder().bindAddress("127.0.0.53").start()) {
            // Each verification takes a while (no catch-all cache below), so the job runs long enough to watch.
            smtp.defaultRcpt(Reply.delayed(Duration.ofMillis(150), Reply.lines("250 2.1.5 OK")));
            String toml = """
                    http_port = 0
                    header_secret = "%s"
                    smtp_port = %d
                    smtp_timeout = 5
                    [dns]
                    servers = ["%s"]
                    [storage.sqlite]
                    path = "%s"
                    [smtp_politeness]
                    catch_all_ttl_secs = 0   # every address accepts, so a cached catch-all would skip every RCPT
                    [proxy_pool]
                    enabled = true
                    [proxy_pool.ejection]
                    consecutive_failures = 1
                    base_ejection_ms = 60000
                    [overrides.proxies.m1]
                    url = "socks5://127.0.0.1:%d"
                    [overrides.proxies.m2]
                    url = "socks5://127.0.0.1:%d"
                    [overrides.proxies.m3]
                    url = "socks5://127.0.0.1:%d"
                    """.formatted(SECRET, smtp.port(), dns.address(), dir.resolve("r.db"), m1.port(), m2.port(), m3.port());
            try (ReacherServer server = ReacherServer.start(ConfigLoader.fromToml(toml, Map.of()));
                    HeadlessChromium browser = HeadlessChromium.start(412, 915)) { // a phone's width
                String base = "http://127.0.0.1:" + server.port();
                browser.open(base + "/status");
                // 1. the page asks for the secret once; it goes in a header, never the URL or a cookie
                awaitTrue(browser, "return getComputedStyle(document.getElementById('login')).display === 'block'");
                browser.type("#secret", SECRET);
                browser.click("#login button");
                awaitTrue(browser, "return document.querySelectorAll('#proxies tbody tr').length === 3");
                assertThat(rowStates(browser)).containsExactly("m1 healthy", "m2 healthy", "m3 healthy");
                assertThat(browser.currentUrl()).isEqualTo(base + "/status");
                assertThat(browser.script("return document.cookie").asText()).isEmpty();

                // 2. a bulk job runs; its progress moves on the page
                List<String> emails = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    emails.add("user" + i + "@example.test");
                }
                long job = submit(base, emails);
                long first = awaitProcessed(browser, job, n -> n > 0);
                long later = awaitProcessed(browser, job, n -> n > first);
                assertThat(later).isGreaterThan(first);

                // 3. kill m2: traffic through it fails once and it is ejected; the page shows it within 5 s
                m2.stop();
                long killed = System.nanoTime();
                awaitTrue(browser, "const r = document.querySelector('#proxies tr[data-id=m2]');"
                        + " return r !== null && r.classList.contains('ejected')"
                        + " && r.querySelector('td.state').textContent.startsWith('ejected until')", 5_000);
                System.out.printf("m2 shown ejected %d ms after it was killed%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
                browser.screenshot(Path.of("target", "status-page.png"));
                assertThat(rowStates(browser)).contains("m1 healthy", "m3 healthy");
                JsonNode m2row = browser.script("const r = document.querySelector('#proxies tr[data-id=m2]');"
                        + " return Array.from(r.cells).map(c => c.textContent)");
                assertThat(m2row.get(1).asText()).isEqualTo("127.0.0.1:" + m2.port());
                assertThat(m2row.get(7).asText()).containsPattern("proxy_fault [1-9]"); // faults by class
                // the last error in words: a session cut when microsocks died, a connection it refused,
                // or one it reset mid-handshake as it died
                assertThat(m2row.get(8).asText()).containsPattern("no longer answers|refused|reset").endsWith(" s ago");
                assertThat(browser.script("return document.documentElement.outerHTML").asText()).doesNotContain(SECRET);
            }
        }
    }

    private static long submit(String base, List<String> emails) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/v1/bulk"))
                .header("Content-Type", "application/json").header("x-reacher-secret", SECRET)
                .POST(HttpRequest.BodyPublishers.ofString(ReacherJson.write(Map.of("input", emails)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ReacherJson.mapper().readTree(r.body()).get("job_id").asLong();
    }

    private static List<String> rowStates(HeadlessChromium browser) throws Exception {
        List<String> states = new ArrayList<>();
        browser.script("return Array.from(document.querySelectorAll('#proxies tbody tr'))"
                + ".map(r => r.dataset.id + ' ' + r.className)").forEach(n -> states.add(n.asText()));
        return states;
    }

    private static long awaitProcessed(HeadlessChromium browser, long job, Predicate<Long> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            JsonNode n = browser.script("const j = document.querySelector('.job[data-job=\"" + job + "\"]');"
                    + " return j === null ? -1 : Number(j.dataset.processed)");
            if (condition.test(n.asLong())) {
                return n.asLong();
            }
            assertThat(System.nanoTime()).as("job %d progress on the page, last %d", job, n.asLong()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void awaitTrue(HeadlessChromium browser, String script) throws Exception {
        awaitTrue(browser, script, 60_000);
    }

    private static void awaitTrue(HeadlessChromium browser, String script, long withinMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(withinMs);
        while (!browser.script(script).asBoolean()) {
            assertThat(System.nanoTime()).as("in the page within %d ms: %s", withinMs, script).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
