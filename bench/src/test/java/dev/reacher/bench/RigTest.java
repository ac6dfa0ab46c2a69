package dev.reacher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rig's world answers as documented, directly and through its proxies, and stops cleanly. */
class RigTest {

    @Test
    void verdictsDirectAndThroughEachBoundProxy() throws InterruptedException {
        Rig rig = Rig.builder().proxies(2).bindProxies(true).start();
        List<Microsocks> proxies = rig.proxies();
        try (rig;
                EmailVerifier direct = EmailVerifier.builder().dnsServers(rig.dnsServers()).build();
                EmailVerifier pooled = EmailVerifier.builder().dnsServers(rig.dnsServers())
                        .proxyPool(ProxyPool.create(rig.poolMembers(), PoolSettings.enabled("round_robin"))).build()) {
            String domain = Rig.DOMAINS.get(1);
            assertThat(direct.verify(rig.input("alice@" + domain, Duration.ofSeconds(5))).isReachable())
                    .isEqualTo(Reachable.SAFE);
            assertThat(direct.verify(rig.input("unknown.user@" + domain, Duration.ofSeconds(5))).isReachable())
                    .isEqualTo(Reachable.INVALID);
            assertThat(direct.verify(rig.input("full@" + domain, Duration.ofSeconds(5))).isReachable())
                    .isEqualTo(Reachable.RISKY);
            Map<String, Integer> before = rig.sessionsByPeer();

            for (int i = 0; i < 4; i++) {
                CheckEmailOutput out = pooled.verify(rig.input("bob@" + domain, Duration.ofSeconds(5)));
                assertThat(out.isReachable()).isEqualTo(Reachable.SAFE);
            }
            Map<String, Integer> after = rig.sessionsByPeer();
            // Round robin over two proxies whose outgoing addresses are 127.0.0.11 and 127.0.0.12.
            assertThat(after.getOrDefault("127.0.0.11", 0) - before.getOrDefault("127.0.0.11", 0)).isEqualTo(2);
            assertThat(after.getOrDefault("127.0.0.12", 0) - before.getOrDefault("127.0.0.12", 0)).isEqualTo(2);
            assertThat(rig.describe()).contains("socks5 proxy1", "127.0.0.11", "rig-one.test");
        }
        for (Microsocks p : proxies) {
            assertThat(p.isRunning()).as("%s after close", p).isFalse();
        }
        // A listening socket with a virtual thread blocked in accept() is released once that thread
        // wakes up, so the port may answer for a moment after close(); wait for it, boundedly.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (LoopbackPorts.accepts("127.0.0.1", rig.smtpPort(), Duration.ofMillis(200))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(LoopbackPorts.accepts("127.0.0.1", rig.smtpPort(), Duration.ofMillis(200)))
                .as("SMTP port still accepting 5 s after the rig closed").isFalse();
    }

    @Test
    void tarpitHoldsBackEveryReply() {
        try (Rig rig = Rig.builder().tarpit(Duration.ofMillis(300)).start();
                EmailVerifier direct = EmailVerifier.builder().dnsServers(rig.dnsServers()).build()) {
            CheckEmailOutput out = direct.verify(rig.input("alice@" + Rig.DOMAINS.get(0), Duration.ofSeconds(10)));
            assertThat(out.isReachable()).isEqualTo(Reachable.SAFE);
            // Greeting, EHLO, MAIL, catch-all probe RCPT and RCPT are each held back before the verdict.
            assertThat(out.debug().duration()).isGreaterThanOrEqualTo(Duration.ofMillis(5 * 300));
        }
    }
}
