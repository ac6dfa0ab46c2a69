package dev.reacher.core.socks5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.reacher.core.socks5.FakeSocks5Server.Request;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Wire format and protocol violations, against in-JVM fakes (real proxies: {@link Socks5ConnectorRealPeersTest}). */
class Socks5ConnectorProtocolTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);
    /** Slack for "returned by the deadline": scheduling on a loaded CI box, never a speed claim. */
    private static final Duration MARGIN = Duration.ofSeconds(3);

    private static Instant deadline() {
        return Instant.now().plus(GENEROUS);
    }

    private static Request connectAndCapture(String targetHost, int port) throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start(FakeSocks5Server.ECHO_PROXY);
                Socket socket = Socks5Connector.connect(fake.proxy(), targetHost, port, deadline())) {
            assertThat(socket.isConnected()).isTrue();
            return fake.requests.poll(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void hostNameIsSentAsDomainForTheProxyToResolve() throws Exception {
        Request request = connectAndCapture("mx1.example.test", 25);
        assertThat(request.atyp()).isEqualTo(3);
        assertThat(request.domain()).isEqualTo("mx1.example.test");
        assertThat(request.port()).isEqualTo(25);
    }

    @Test
    void oneTrailingDotIsRemovedLikeUpstreamsCleanHost() throws Exception {
        Request request = connectAndCapture("localhost.", 2525);
        assertThat(request.atyp()).isEqualTo(3);
        assertThat(request.domain()).isEqualTo("localhost");
        assertThat(request.port()).isEqualTo(2525);
    }

    @ParameterizedTest(name = "{0} -> atyp {1}")
    @CsvSource({
        "127.0.0.1,          1, 7f000001",
        "192.0.2.255,        1, c00002ff",
        "::1,                4, 00000000000000000000000000000001",
        "[::1],              4, 00000000000000000000000000000001",
        "::ffff:127.0.0.1,   4, 00000000000000000000ffff7f000001",
        // Not literals for Rust's IpAddr either: sent as names.
        "999.1.1.1,          3, 3939392e312e312e31",
        "01.2.3.4,           3, 30312e322e332e34",
        "127.1,              3, 3132372e31",
    })
    void ipLiteralsAreSentAsAddresses(String host, int atyp, String hex) throws Exception {
        Request request = connectAndCapture(host, 25);
        assertThat(request.atyp()).isEqualTo(atyp);
        assertThat(java.util.HexFormat.of().formatHex(request.address())).isEqualTo(hex);
    }

    @Test
    void offersUsernamePasswordOnlyWhenBothAreSet() throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start(FakeSocks5Server.ECHO_PROXY)) {
            ProxyConfig bare = fake.proxy();
            ProxyConfig onlyUser = new ProxyConfig("127.0.0.1", fake.port(), "alice", null, null);
            ProxyConfig both = new ProxyConfig("127.0.0.1", fake.port(), "alice", "s3cret", null);
            for (ProxyConfig proxy : new ProxyConfig[] {bare, onlyUser, both}) {
                Socks5Connector.connect(proxy, "localhost", 25, deadline()).close();
            }
            assertThat(fake.greetings.poll(5, TimeUnit.SECONDS)).containsExactly(0);
            assertThat(fake.greetings.poll(5, TimeUnit.SECONDS)).containsExactly(0);
            assertThat(fake.greetings.poll(5, TimeUnit.SECONDS)).containsExactly(0, 2);
        }
    }

    @Test
    void domainBoundAddressInTheReplyIsConsumedExactly() throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {5, 0});
            FakeSocks5Server.readRequest(in);
            byte[] name = "bound.example".getBytes(StandardCharsets.US_ASCII);
            out.write(new byte[] {5, 0, 0, 3, (byte) name.length});
            out.write(name);
            out.write(new byte[] {0, 25});
            out.write("220 hello\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script);
                Socket socket = Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline())) {
            socket.setSoTimeout(5_000);
            assertThat(new String(socket.getInputStream().readNBytes(11), StandardCharsets.US_ASCII))
                    .isEqualTo("220 hello\r\n");
            assertThat(socket.getSoTimeout()).isEqualTo(5_000);
        }
    }

    @Test
    void returnedSocketHasNoLeftoverReadTimeout() throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start(FakeSocks5Server.ECHO_PROXY);
                Socket socket = Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline())) {
            assertThat(socket.getSoTimeout()).isZero();
            assertThat(socket.getTcpNoDelay()).isTrue();
        }
    }

    @ParameterizedTest(name = "REP {0} -> {2}")
    @CsvSource({
        "1, General failure,                   PROXY",
        "2, Connection not allowed by ruleset, PROXY",
        "3, Network unreachable,               TARGET",
        "4, Host unreachable,                  TARGET",
        "5, Connection refused,                TARGET",
        "6, TTL expired,                       TARGET",
        "7, Command not supported,             PROXY",
        "8, Address type not supported,        PROXY",
        "9, Unknown reply code 9,              PROXY",
    })
    void replyCodesAreWordedAsUpstreamAndBlameTheRightSide(int rep, String text, Fault fault) throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {5, 0});
            FakeSocks5Server.readRequest(in);
            out.write(new byte[] {5, (byte) rep, 0, 1, 0, 0, 0, 0, 0, 0});
            out.flush();
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script)) {
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(fake.proxy(), "mx.example.test", 25, deadline()));
            assertThat(e.getMessage()).isEqualTo("Error with reply: " + text + ".");
            assertThat(Fault.of(e)).isEqualTo(fault);
            assertThat(e.replyCode()).isEqualTo(rep);
        }
    }

    @Test
    void proxyThatAcceptsAndNeverAnswersTimesOutAtTheDeadlineAsAProxyFault() throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start((socket, in, out, server) -> { })) {
            Instant deadline = Instant.now().plusMillis(500);
            Socks5TimeoutException e = catchThrowableOfType(Socks5TimeoutException.class,
                    () -> Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline));
            assertThat(Instant.now()).isBefore(deadline.plus(MARGIN));
            assertThat(e).isInstanceOf(SocketTimeoutException.class);
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).contains("method negotiation").contains("127.0.0.1:" + fake.port());
        }
    }

    @Test
    void proxyThatNeverAnswersTheConnectTimesOutAsATargetFault() throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {5, 0});
            out.flush();
            FakeSocks5Server.readRequest(in);
            // ...as if still connecting to a silent MX
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script)) {
            Instant deadline = Instant.now().plusMillis(500);
            Socks5TimeoutException e = catchThrowableOfType(Socks5TimeoutException.class,
                    () -> Socks5Connector.connect(fake.proxy(), "mx.example.test", 25, deadline));
            assertThat(Instant.now()).isBefore(deadline.plus(MARGIN));
            assertThat(Fault.of(e)).isEqualTo(Fault.TARGET);
            assertThat(e.getMessage()).contains("CONNECT request to mx.example.test:25");
        }
    }

    @Test
    void socks4AnswerIsMalformed() throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {4, 0});
            out.flush();
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script)) {
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline()));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).startsWith("Malformed proxy reply").contains("SOCKS version `4`");
        }
    }

    @Test
    void wrongVersionInTheConnectReplyIsMalformed() throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {5, 0});
            FakeSocks5Server.readRequest(in);
            out.write(new byte[] {0, 90, 0, 0, 0, 0, 0, 0}); // a SOCKS4 "granted"
            out.flush();
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script)) {
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline()));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).startsWith("Malformed proxy reply").contains("CONNECT");
        }
    }

    @Test
    void unknownAddressTypeInASuccessReplyIsMalformed() throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {5, 0});
            FakeSocks5Server.readRequest(in);
            out.write(new byte[] {5, 0, 0, 9, 0, 0});
            out.flush();
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script)) {
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline()));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).startsWith("Malformed proxy reply: address type `9`");
        }
    }

    @ParameterizedTest(name = "closes after {0}")
    @CsvSource({"nothing", "half a greeting answer", "the greeting answer", "half a CONNECT reply"})
    void proxyClosingMidHandshakeIsAProxyFault(String when) throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            switch (when) {
                case "half a greeting answer" -> out.write(5);
                case "the greeting answer" -> out.write(new byte[] {5, 0});
                case "half a CONNECT reply" -> {
                    out.write(new byte[] {5, 0});
                    FakeSocks5Server.readRequest(in);
                    out.write(new byte[] {5, 0, 0, 1, 127});
                }
                default -> { }
            }
            out.flush();
            socket.close();
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script)) {
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline()));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).startsWith("Malformed proxy reply").contains("closed the connection");
            assertThat(e.replyCode()).isEqualTo(-1);
        }
    }

    @Test
    void aMethodThatWasNotOfferedIsRejected() throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {5, 2}); // username/password, though we offered only no-auth
            out.flush();
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script)) {
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline()));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).startsWith("Auth method unacceptable `[2]`");
        }
    }

    @Test
    void zeroTimeoutMsFailsAtOnceLikeUpstreamWithoutConnecting() throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start(FakeSocks5Server.ECHO_PROXY)) {
            ProxyConfig proxy = new ProxyConfig("127.0.0.1", fake.port(), null, null, 0L);
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(proxy, "localhost", 25, deadline()));
            assertThat(e.getMessage()).isEqualTo("Error with reply: Connection timeout.");
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(fake.acceptedBefore()).isZero();
        }
    }

    @Test
    void aPassedDeadlineFailsBeforeConnecting() throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start(FakeSocks5Server.ECHO_PROXY)) {
            assertThatThrownBy(() -> Socks5Connector.connect(fake.proxy(), "localhost", 25, Instant.now().minusMillis(1)))
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(fake.acceptedBefore()).isZero();
        }
    }

    @Test
    void invalidTargetNamesFailWithoutConnecting() throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start(FakeSocks5Server.ECHO_PROXY)) {
            for (String host : new String[] {"", "bücher.example", "a".repeat(256)}) {
                Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                        () -> Socks5Connector.connect(fake.proxy(), host, 25, deadline()));
                assertThat(Fault.of(e)).as(host).isEqualTo(Fault.TARGET);
                assertThat(e.getMessage()).startsWith("Invalid target host name");
            }
            assertThat(fake.acceptedBefore()).isZero();
        }
        assertThatThrownBy(() -> Socks5Connector.connect(new ProxyConfig("127.0.0.1", 1), "localhost", 0, deadline()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectedAuthenticationNeverShowsThePassword() throws Exception {
        FakeSocks5Server.Script script = (socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {5, 2});
            out.flush();
            int version = in.readUnsignedByte();
            in.readFully(new byte[in.readUnsignedByte()]);
            in.readFully(new byte[in.readUnsignedByte()]);
            out.write(new byte[] {(byte) version, 1});
            out.flush();
        };
        try (FakeSocks5Server fake = FakeSocks5Server.start(script)) {
            ProxyConfig proxy = new ProxyConfig("127.0.0.1", fake.port(), "alice", "Sup3r-Secret!", null);
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(proxy, "localhost", 25, deadline()));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).startsWith("Authentication rejected").contains("alice").doesNotContain("Sup3r-Secret!");
            assertThat(e.toString()).doesNotContain("Sup3r-Secret!");
            assertThat(proxy.toString()).doesNotContain("Sup3r-Secret!");
        }
    }

    @Test
    void overlongCredentialsAreRefusedWithoutSendingThem() throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start((socket, in, out, server) -> {
            FakeSocks5Server.readGreeting(in);
            out.write(new byte[] {5, 2});
            out.flush();
        })) {
            String password = "p".repeat(256);
            ProxyConfig proxy = new ProxyConfig("127.0.0.1", fake.port(), "alice", password, null);
            Socks5Exception e = catchThrowableOfType(Socks5Exception.class,
                    () -> Socks5Connector.connect(proxy, "localhost", 25, deadline()));
            assertThat(Fault.of(e)).isEqualTo(Fault.PROXY);
            assertThat(e.getMessage()).contains("longer than 255 bytes").doesNotContain(password);
        }
    }

    @Test
    void interruptingTheCallerIsNotBlamedOnTheProxy() throws Exception {
        try (FakeSocks5Server fake = FakeSocks5Server.start((socket, in, out, server) -> { })) {
            java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    Socks5Connector.connect(fake.proxy(), "localhost", 25, deadline()).close();
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            org.awaitility.Awaitility.await().until(() -> fake.accepted() == 1);
            // the caller is blocked in the read of the greeting reply
            org.awaitility.Awaitility.await().until(() -> caller.getState() == Thread.State.WAITING
                    || caller.getState() == Thread.State.TIMED_WAITING);
            caller.interrupt();
            Throwable thrown = outcome.get(5, TimeUnit.SECONDS);
            assertThat(thrown).isInstanceOf(java.io.InterruptedIOException.class)
                    .isNotInstanceOf(SocketTimeoutException.class);
        }
    }
}
