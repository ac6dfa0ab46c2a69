package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The "did you mean" suggestion ({@code syntax.suggestion}) reaches every output over HTTP: for a
 * typo domain without MX, and for one whose SMTP check failed through the proxy pool (every member
 * blacklisted), on {@code /v0} and {@code /v1/check_email} and in stored bulk results.
 */
class TypoSuggestionOverHttpTest {
    private static final String BLOCKED = "554 5.7.1 Client host blocked using zen.spamhaus.org";

    private static Microsocks p1;
    private static Microsocks p2;
    private static TestServer t;

    @BeforeAll
    static void start() {
        p1 = Microsocks.builder().bindAddress("127.0.0.31").start();
        p2 = Microsocks.builder().bindAddress("127.0.0.32").start();
        Map<String, String> env = new HashMap<>(Map.of(
                "RCH__PROXY_POOL__ENABLED", "true",
                "RCH__DNS__PROXY_DNS", "local",
                "RCH__OVERRIDES__PROXIES__P1__HOST", p1.host(),
                "RCH__OVERRIDES__PROXIES__P1__PORT", Integer.toString(p1.port()),
                "RCH__OVERRIDES__PROXIES__P2__HOST", p2.host(),
                "RCH__OVERRIDES__PROXIES__P2__PORT", Integer.toString(p2.port())));
        t = TestServer.start("", env, smtp -> smtp.onRcpt("bob@gmial.com", Reply.lines(BLOCKED)));
        // gmial.com has an MX here (the fixture), so its SMTP check runs through the pool and fails.
        t.dns.mx("gmial.com", 10, "mx.example.test");
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
        p1.close();
        p2.close();
    }

    @Test
    void aTypoDomainWithoutMxGetsTheSuggestionOnBothEndpoints() {
        for (String path : new String[] {"/v0/check_email", "/v1/check_email"}) {
            Response r = t.post(path, "{\"to_email\":\"carol@yahooo.com\"}");
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.json().get("is_reachable").asText()).as(path).isEqualTo("invalid");
            assertThat(r.json().at("/syntax/suggestion").asText()).as(path).isEqualTo("carol@yahoo.com");
        }
    }

    @Test
    void aTypoDomainWhoseSmtpCheckFailedThroughThePoolGetsTheSuggestion() {
        Response r = t.post("/v1/check_email", "{\"to_email\":\"bob@gmial.com\"}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode out = r.json();
        assertThat(out.get("is_reachable").asText()).as(r.body()).isEqualTo("unknown");
        assertThat(out.at("/smtp/description").asText()).isEqualTo("IpBlacklisted");
        // The blacklist reply was retried through the other member before the result was given up.
        assertThat(out.at("/debug/smtp/attempts")).hasSize(2);
        assertThat(out.at("/syntax/suggestion").asText()).isEqualTo("bob@gmail.com");
    }

    @Test
    void storedBulkResultsCarryTheSuggestion() {
        Response created = t.post("/v1/bulk", "{\"input\":[\"carol@yahooo.com\",\"alice@example.test\"]}");
        long id = created.json().get("job_id").asLong();
        await().atMost(30, TimeUnit.SECONDS)
                .until(() -> t.get("/v1/bulk/" + id).json().get("job_status").asText().equals("Completed"));
        JsonNode results = t.get("/v1/bulk/" + id + "/results").json().get("results");
        Map<String, String> suggestions = new HashMap<>();
        results.forEach(res -> suggestions.put(res.get("input").asText(), res.at("/syntax/suggestion").isNull()
                ? null : res.at("/syntax/suggestion").asText()));
        assertThat(suggestions).containsEntry("carol@yahooo.com", "carol@yahoo.com")
                .containsEntry("alice@example.test", null).hasSize(2);
    }
}
