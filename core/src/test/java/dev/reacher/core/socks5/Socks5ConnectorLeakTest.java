package dev.reacher.core.socks5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reacher.testkit.BlackholeListener;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every failure path of {@link Socks5Connector} closes its socket: the JVM's open fds come back to the baseline. */
class Socks5ConnectorLeakTest {
    private static final int ROUNDS = 10;

    @FunctionalInterface
    interface Attempt {
        void run() throws IOException;
    }

    @Test
    void everyFailurePathClosesItsSocket() throws Exception {
        FakeSocks5Server.Script socks4 = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {4, 0});
            out.flush();
        };
        FakeSocks5Server.Script hangUp = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(5);
            out.flush();
            socket.close();
        };
        FakeSocks5Server.Script silent = (socket, in, out, server) -> { };
        try (Microsocks proxy = Microsocks.builder().credentials("alice", "s3cret").start();
                FakeSocks5Server v4 = FakeSocks5Server.start(socks4);
                FakeSocks5Server closing = FakeSocks5Server.start(hangUp);
                FakeSocks5Server mute = FakeSocks5Server.start(silent);
                BlackholeListener blackhole = BlackholeListener.start()) {
            ProxyConfig good = new ProxyConfig(proxy.host(), proxy.port(), "alice", "s3cret", null);
            int closedPort = LoopbackPorts.freePort();
            Map<String, Attempt> failures = new LinkedHashMap<>();
            failures.put("dead proxy", () -> connect(new ProxyConfig("127.0.0.1", LoopbackPorts.freePort()), 25, 5_000));
            failures.put("wrong password", () -> connect(new ProxyConfig(proxy.host(), proxy.port(), "alice", "x", null), 25, 5_000));
            failures.put("no credentials", () -> connect(new ProxyConfig(proxy.host(), proxy.port()), 25, 5_000));
            failures.put("target refused", () -> connect(good, closedPort, 5_000));
            failures.put("socks4 answer", () -> connect(v4.proxy(), 25, 5_000));
            failures.put("hang-up", () -> connect(closing.proxy(), 25, 5_000));
            failures.put("silent proxy", () -> connect(mute.proxy(), 25, 50));
            failures.put("connect timeout_ms", () -> connect(
                    new ProxyConfig(blackhole.host(), blackhole.port(), null, null, 50L), 25, 5_000));
            failures.put("connect deadline", () -> connect(new ProxyConfig(blackhole.host(), blackhole.port()), 25, 50));

            // Warm-up: the JDK opens some descriptors lazily (pollers, jars) on first use.
            runAll(failures);
            long baseline = openFds();

            for (int round = 0; round < ROUNDS; round++) {
                runAll(failures);
            }

            // The fakes close their side once they see our close, on their own threads: wait for them.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(
                    () -> assertThat(openFds()).as("open fds after %d failures", ROUNDS * failures.size())
                            .isLessThanOrEqualTo(baseline + 2));
        }
    }

    private static void connect(ProxyConfig proxy, int targetPort, long deadlineMs) throws IOException {
        Socks5Connector.connect(proxy, "127.0.0.1", targetPort, Instant.now().plusMillis(deadlineMs)).close();
    }

    private static void runAll(Map<String, Attempt> failures) {
        failures.forEach((name, attempt) ->
                assertThatThrownBy(attempt::run).as(name).isInstanceOf(IOException.class));
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
