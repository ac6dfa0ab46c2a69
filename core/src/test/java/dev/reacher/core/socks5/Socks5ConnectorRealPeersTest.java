package dev.reacher.core.socks5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.reacher.testkit.BlackholeListener;
import dev.reacher.testkit.Dante;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.RecordingTcpServer;
import dev.reacher.testkit.Socks5Peer;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Socks5Connector} against the real microsocks and Dante binaries on loopback. */
class Socks5ConnectorRealPeersTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);
    /** Slack for "returned by the deadline": scheduling on a loaded CI box, never a speed claim. */
    private static final Duration MARGIN = Duration.ofSeconds(3);

    private static Microsocks open;
    private static Microsocks withAuth;
    private static Dante dante;
    private static RecordingTcpServer target;

    @BeforeAll
    static void startPeers() {
        open = Microsocks.builder().start();
        withAuth = Microsocks.builder().credentials("alice", "s3cret").start();
        dante = Dante.builder().start();
        target = RecordingTcpServer.start();
    }

    @AfterAll
    static void stopPeers() {
        Stream.of(open, withAuth, dante, target).filter(java.util.Objects::nonNull).forEach(p -> {
            if (p instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
    }

    // The peers are AutoCloseable and shared by the class, hence autoCloseArguments = false below:
    // JUnit would otherwise close them after the first invocation.
    static Stream<Socks5Peer> allPeers() {
        return Stream.of(open, withAuth, dante);
    }

    static Stream<Socks5Peer> authPeers() {
        return Stream.of(withAuth, dante);
    }

    private static ProxyConfig config(Socks5Peer peer) {
        return new ProxyConfig(peer.host(), peer.port(), peer.username(), peer.password(), null);
    }

    private static Instant deadline() {
        return Instant.now().plus(GENEROUS);
    }

    /** Proves the returned socket is a working stream to the target (which echoes). */
    private static void assertEchoes(Socket socket) throws IOException {
        byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
        socket.setSoTimeout((int) GENEROUS.toMillis());
        socket.getOutputStream().write(token);
        assertThat(socket.getInputStream().readNBytes(token.length)).isEqualTo(token);
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("allPeers")
    void hostNameTargetIsResolvedByTheProxy(Socks5Peer peer) throws IOException {
        try (Socket socket = Socks5Connector.connect(config(peer), "localhost", target.port(), deadline())) {
            assertEchoes(socket);
        }
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("allPeers")
    void ipv4LiteralTarget(Socks5Peer peer) throws IOException {
        try (Socket socket = Socks5Connector.connect(config(peer), "127.0.0.1", target.port(), deadline())) {
            assertEchoes(socket);
        }
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("authPeers")
    void wrongPasswordIsAProxyFaultThatDoesNotShowThePassword(Socks5Peer peer) {
        ProxyConfig proxy = new ProxyConfig(peer.host(), peer.port(), peer.username(), "not-" + peer.password(), null);
        Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                () -> Socks5Connector.connect(proxy, "localhost", target.port(), deadline()));
        assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
        assertThat(e.getMessage())
                .startsWith("Authentication rejected `username " + peer.username())
                .contains("refused the username or password")
                .doesNotContain(proxy.password());
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("authPeers")
    void missingCredentialsAgainstAnAuthOnlyProxyIsAProxyFault(Socks5Peer peer) {
        ProxyConfig proxy = new ProxyConfig(peer.host(), peer.port());
        Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                () -> Socks5Connector.connect(proxy, "localhost", target.port(), deadline()));
        assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
        assertThat(e.getMessage()).isEqualTo("Auth method unacceptable `[255]`: proxy " + proxy.address()
                + " requires authentication, but no username and password are configured for it.");
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("authPeers")
    void aUsernameWithoutItsPasswordIsNamedAsAMissingPassword(Socks5Peer peer) {
        ProxyConfig proxy = new ProxyConfig(peer.host(), peer.port(), peer.username(), null, null);
        Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                () -> Socks5Connector.connect(proxy, "localhost", target.port(), deadline()));
        assertThat(e.getMessage()).isEqualTo("Auth method unacceptable `[255]`: proxy " + proxy.address()
                + " requires authentication; a username is configured for it but the password is missing.");
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("allPeers")
    void closedTargetPortBehindALiveProxyIsATargetFault(Socks5Peer peer) {
        int closedPort = LoopbackPorts.freePort();
        for (String host : List.of("localhost", "127.0.0.1")) {
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(config(peer), host, closedPort, deadline()));
            assertThat(Fault.of(e)).as(host).isEqualTo(Fault.TARGET);
            assertThat(e.replyCode()).isEqualTo(5);
            assertThat(e.getMessage()).isEqualTo("Error with reply: Connection refused.");
        }
    }

    @Test
    void deadProxyIsAProxyFault() {
        ProxyConfig proxy = new ProxyConfig("127.0.0.1", LoopbackPorts.freePort());
        Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                () -> Socks5Connector.connect(proxy, "localhost", target.port(), deadline()));
        assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
        assertThat(e.replyCode()).isEqualTo(-1);
        assertThat(e.getMessage()).startsWith("i/o error: Connection refused").contains(proxy.address());
    }

    @Test
    void proxyHostNameIsResolvedLocally() throws IOException {
        ProxyConfig proxy = new ProxyConfig("localhost", open.port());
        try (Socket socket = Socks5Connector.connect(proxy, "127.0.0.1", target.port(), deadline())) {
            assertEchoes(socket);
        }
    }

    @Test
    void microsocksBindAddressIsThePeerAddressTheTargetSees() throws IOException {
        try (Microsocks bound = Microsocks.builder().bindAddress("127.0.0.11").start();
                RecordingTcpServer recorder = RecordingTcpServer.start()) {
            try (Socket socket = Socks5Connector.connect(config(bound), "127.0.0.1", recorder.port(), deadline())) {
                assertEchoes(socket);
            }
            assertThat(recorder.awaitPeer(GENEROUS).getAddress().getHostAddress()).isEqualTo("127.0.0.11");

            try (Socket socket = Socks5Connector.connect(config(open), "127.0.0.1", recorder.port(), deadline())) {
                assertEchoes(socket);
            }
            assertThat(recorder.awaitPeer(GENEROUS).getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void danteExternalAddressIsThePeerAddressTheTargetSees() throws IOException {
        try (Dante bound = Dante.builder().externalAddress("127.0.0.12").start();
                RecordingTcpServer recorder = RecordingTcpServer.start()) {
            try (Socket socket = Socks5Connector.connect(config(bound), "localhost", recorder.port(), deadline())) {
                assertEchoes(socket);
            }
            assertThat(recorder.awaitPeer(GENEROUS).getAddress().getHostAddress()).isEqualTo("127.0.0.12");
        }
    }

    @Test
    void timeoutMsIsMillisecondsNotFlooredToSeconds() throws IOException {
        // Upstream floors 800 ms to a 0 s timeout and always fails; loopback connects in well under 800 ms.
        ProxyConfig proxy = new ProxyConfig(withAuth.host(), withAuth.port(), "alice", "s3cret", 800L);
        try (Socket socket = Socks5Connector.connect(proxy, "localhost", target.port(), deadline())) {
            assertEchoes(socket);
        }
    }

    @Test
    void timeoutMsBoundsTheConnectToAProxyThatNeverAccepts() {
        try (BlackholeListener blackhole = BlackholeListener.start()) {
            ProxyConfig proxy = new ProxyConfig(blackhole.host(), blackhole.port(), null, null, 300L);
            Instant start = Instant.now();
            Instant deadline = start.plusSeconds(30);
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(proxy, "localhost", target.port(), deadline));
            assertThat(e.getMessage()).isEqualTo("Error with reply: Connection timeout.");
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            // Far below the 30 s deadline: the 300 ms bound, not the deadline, ended the wait.
            assertThat(Instant.now()).isBefore(start.plusMillis(300).plus(MARGIN));
        }
    }

    @Test
    void withoutTimeoutMsTheDeadlineBoundsTheConnect() {
        try (BlackholeListener blackhole = BlackholeListener.start()) {
            ProxyConfig proxy = new ProxyConfig(blackhole.host(), blackhole.port());
            Instant deadline = Instant.now().plusMillis(400);
            Socks5TimeoutException e = catchThrowableOfType(Socks5TimeoutException.class,
                    () -> Socks5Connector.connect(proxy, "localhost", target.port(), deadline));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).contains("connecting to proxy " + proxy.address());
            assertThat(Instant.now()).isBefore(deadline.plus(MARGIN));
        }
    }

    @Test
    void frozenProxyThatAcceptsButNeverAnswersTimesOutAsAProxyFault() {
        try (Microsocks frozen = Microsocks.builder().start()) {
            frozen.suspend();
            Instant deadline = Instant.now().plusMillis(500);
            Socks5TimeoutException e = catchThrowableOfType(Socks5TimeoutException.class,
                    () -> Socks5Connector.connect(config(frozen), "localhost", target.port(), deadline));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).contains("method negotiation");
            assertThat(Instant.now()).isBefore(deadline.plus(MARGIN));
        }
    }

    @Test
    void silentTargetBehindALiveProxyTimesOutAsATargetFault() {
        try (BlackholeListener silentMx = BlackholeListener.start()) {
            Instant deadline = Instant.now().plusMillis(500);
            Socks5TimeoutException e = catchThrowableOfType(Socks5TimeoutException.class,
                    () -> Socks5Connector.connect(config(open), "127.0.0.1", silentMx.port(), deadline));
            assertThat(Fault.of(e)).isEqualTo(Fault.TARGET);
            assertThat(e.getMessage()).contains("CONNECT request to 127.0.0.1:" + silentMx.port());
            assertThat(Instant.now()).isBefore(deadline.plus(MARGIN));
        }
    }

    @Test
    void proxyRestartedOnTheSamePortServesAgain() throws IOException {
        try (Microsocks proxy = Microsocks.builder().credentials("carol", "pw").start()) {
            ProxyConfig config = config(proxy);
            try (Socket socket = Socks5Connector.connect(config, "localhost", target.port(), deadline())) {
                assertEchoes(socket);
            }
            proxy.stop();
            Socks5Exception down = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(config, "localhost", target.port(), deadline()));
            assertThat(Fault.of(down)).isEqualTo(Fault.PROXY);

            proxy.start();
            try (Socket socket = Socks5Connector.connect(config, "localhost", target.port(), deadline())) {
                assertEchoes(socket);
            }
        }
    }

    @Test
    void fiftyConcurrentConnectionsThroughMicrosocksFromVirtualThreads() throws Exception {
        int before = target.peers().size();
        List<Future<?>> results = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                String host = i % 2 == 0 ? "localhost" : "127.0.0.1";
                ProxyConfig proxy = config(i % 3 == 0 ? withAuth : open);
                results.add(executor.submit(() -> {
                    try (Socket socket = Socks5Connector.connect(proxy, host, target.port(), deadline())) {
                        assertEchoes(socket);
                    }
                    return null;
                }));
            }
        }
        for (Future<?> result : results) {
            result.get(); // rethrows any failure
        }
        assertThat(target.peers().size() - before).isEqualTo(50);
    }
}
