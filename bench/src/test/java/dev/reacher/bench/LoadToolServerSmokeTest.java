package dev.reacher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.server.ReacherServer;
import dev.reacher.server.config.ConfigLoader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The smoke version of the HTTP load measurement (docs/benchmarks.md §3), part of the normal test
 * build: the rig, a real {@link ReacherServer} configured from {@code RCH__} variables as
 * {@code ./reacher serve} would be, and {@link LoadTool} sending 200 requests at concurrency 16 to
 * {@code /v1/check_email}, directly and through the rig's three microsocks proxies. Only outcomes are
 * asserted (every request answered 200, every verdict the rig's), never timings.
 */
class LoadToolServerSmokeTest {
    private static final int REQUESTS = 200;
    private static final int CONCURRENCY = 16;
    /** Cycled in order, so each verdict's count is exact: 200 requests = 50 rounds of these four. */
    private static final List<String> EMAILS = List.of("alice@rig-one.test", "unknown.user@rig-two.test",
            "full@rig-three.test", "bob@rig-four.test");

    private static Rig rig;

    @BeforeAll
    static void startRig() {
        rig = Rig.builder().proxies(3).bindProxies(true).start();
    }

    @AfterAll
    static void stopRig() {
        rig.close();
    }

    @ParameterizedTest(name = "through proxies: {0}")
    @ValueSource(booleans = {false, true})
    void everyRequestIsAnsweredWithTheRigsVerdict(boolean viaProxies, @org.junit.jupiter.api.io.TempDir Path dir)
            throws InterruptedException {
        Map<String, String> env = new HashMap<>(rig.serverEnv(viaProxies));
        env.put("RCH__HTTP_HOST", "127.0.0.1");
        env.put("RCH__HTTP_PORT", "0");
        env.put("RCH__STORAGE__SQLITE__PATH", dir.resolve("reacher.db").toString()); // v1 results are stored
        Map<String, Integer> before = rig.sessionsByPeer();
        try (ReacherServer server = ReacherServer.start(ConfigLoader.load(null, env, dir))) {
            LoadTool.Report report = LoadTool.run(new LoadTool.Config(
                    URI.create("http://127.0.0.1:" + server.port() + "/v1/check_email"), REQUESTS, CONCURRENCY,
                    EMAILS, Map.of(), Duration.ofSeconds(60), Duration.ofMinutes(3)));

            assertThat(report.failures()).as(report.render()).isEmpty();
            assertThat(report.notSent()).isZero();
            assertThat(report.statuses()).isEqualTo(Map.of(200, REQUESTS));
            // alice@ and bob@ exist, full@ has a full inbox, unknown.user@ does not exist
            assertThat(report.reachable()).isEqualTo(Map.of("safe", 100, "risky", 50, "invalid", 50));
        }
        Map<String, Integer> after = rig.sessionsByPeer();
        for (String peer : List.of("127.0.0.11", "127.0.0.12", "127.0.0.13")) {
            int sessions = after.getOrDefault(peer, 0) - before.getOrDefault(peer, 0);
            if (viaProxies) {
                assertThat(sessions).as("SMTP sessions through the proxy bound to %s", peer).isPositive();
            } else {
                assertThat(sessions).as("SMTP sessions from %s without a pool", peer).isZero();
            }
        }
    }
}
