package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bulk address that comes out {@code unknown} is tried once more through a different proxy,
 * even with the {@code sticky} strategy (which would otherwise pick the same proxy for the same
 * domain again). Two real microsocks, each binding its outgoing side to its own loopback address,
 * so the SMTP fixture answers per proxy: greylisted through one, accepted through the other.
 */
class UnknownRetryThroughAnotherProxyTest {

    @Test
    void theRetryOfAnUnknownResultAvoidsTheProxyOfTheFirstTry() throws Exception {
        try (Microsocks p1 = Microsocks.builder().bindAddress("127.0.0.11").start();
                Microsocks p2 = Microsocks.builder().bindAddress("127.0.0.12").start();
                TestServer t = TestServer.start("", Map.of(
                        "RCH__PROXY_POOL__ENABLED", "true",
                        "RCH__PROXY_POOL__STRATEGY", "sticky",
                        "RCH__DNS__PROXY_DNS", "local",
                        "RCH__OVERRIDES__PROXIES__P1__HOST", p1.host(),
                        "RCH__OVERRIDES__PROXIES__P1__PORT", Integer.toString(p1.port()),
                        "RCH__OVERRIDES__PROXIES__P2__HOST", p2.host(),
                        "RCH__OVERRIDES__PROXIES__P2__PORT", Integer.toString(p2.port())))) {
            // Which proxy does sticky choose for example.test? Ask once and look at the SMTP side.
            Response first = t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}");
            assertThat(first.json().get("is_reachable").asText()).isEqualTo("safe");
            InetAddress stickyPeer = t.smtp.peers().get(t.smtp.peers().size() - 1);
            InetAddress otherPeer = InetAddress.getByName(stickyPeer.getHostAddress().equals("127.0.0.11")
                    ? "127.0.0.12" : "127.0.0.11");
            t.smtp.onRcptFrom("grey@example.test", stickyPeer, Reply.lines("451 4.7.1 Greylisted, please try again later"))
                    .onRcptFrom("grey@example.test", otherPeer, Reply.lines("250 2.1.5 OK"));

            Response created = t.post("/v1/bulk", "{\"input\":[\"grey@example.test\"]}");
            long id = created.json().get("job_id").asLong();
            await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> t.get("/v1/bulk/" + id).json().get("job_status").asText().equals("Completed"));

            assertThat(t.get("/v1/bulk/" + id).json().get("summary").get("total_safe").asInt()).isEqualTo(1);
            List<InetAddress> greyPeers = t.smtp.sessions().stream()
                    .filter(s -> s.commands().stream().anyMatch(c -> c.equalsIgnoreCase("RCPT TO:<grey@example.test>")))
                    .map(s -> s.peer()).toList();
            assertThat(greyPeers).containsExactly(stickyPeer, otherPeer);
            var result = t.get("/v1/bulk/" + id + "/results").json().get("results").get(0);
            assertThat(result.at("/debug/smtp/attempts/0/proxy").asText()).isIn("p1", "p2");
        }
    }
}
