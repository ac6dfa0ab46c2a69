package dev.reacher.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MicrosocksTest {

    @Test
    void relaysToALoopbackTargetWithoutAuthentication() throws IOException {
        try (Microsocks proxy = Microsocks.builder().start(); RecordingTcpServer target = RecordingTcpServer.start();
                Socket socket = RawSocks.open(proxy)) {
            assertThat(proxy.host()).isEqualTo("127.0.0.1");
            assertThat(RawSocks.greet(socket, 0)).isZero();
            assertThat(RawSocks.connectIpv4Loopback(socket, target.port())).isZero();
            socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(RawSocks.read(socket.getInputStream(), 4), StandardCharsets.US_ASCII)).isEqualTo("ping");
        }
    }

    @Test
    void withCredentialsRequiresThem() throws IOException {
        try (Microsocks proxy = Microsocks.builder().credentials("alice", "s3cret").start()) {
            try (Socket socket = RawSocks.open(proxy)) {
                assertThat(RawSocks.greet(socket, 0)).isEqualTo(0xFF);
            }
            try (Socket socket = RawSocks.open(proxy)) {
                assertThat(RawSocks.greet(socket, 0, 2)).isEqualTo(2);
                assertThat(RawSocks.authenticate(socket, "alice", "s3cret")).isZero();
            }
            try (Socket socket = RawSocks.open(proxy)) {
                assertThat(RawSocks.greet(socket, 0, 2)).isEqualTo(2);
                assertThat(RawSocks.authenticate(socket, "alice", "wrong")).isNotZero();
            }
            assertThat(proxy.toString()).contains("alice").doesNotContain("s3cret");
        }
    }

    @Test
    void stopReleasesThePortAndStartComesBackOnTheSamePort() throws IOException {
        try (Microsocks proxy = Microsocks.builder().start()) {
            int port = proxy.port();
            proxy.stop();
            assertThat(proxy.isRunning()).isFalse();
            assertThat(LoopbackPorts.accepts(proxy.host(), port, Duration.ofSeconds(1))).isFalse();

            proxy.start();
            assertThat(proxy.isRunning()).isTrue();
            assertThat(proxy.port()).isEqualTo(port);
            try (Socket socket = RawSocks.open(proxy)) {
                assertThat(RawSocks.greet(socket, 0)).isZero();
            }
        }
    }

    @Test
    void closeStopsTheProcess() {
        Microsocks proxy = Microsocks.builder().start();
        proxy.close();
        assertThat(proxy.isRunning()).isFalse();
        assertThat(LoopbackPorts.accepts(proxy.host(), proxy.port(), Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void suspendedProxyAcceptsButNeverAnswersUntilResumed() throws IOException {
        try (Microsocks proxy = Microsocks.builder().start()) {
            proxy.suspend();
            try (Socket socket = RawSocks.open(proxy)) {
                socket.setSoTimeout(300);
                assertThatThrownBy(() -> RawSocks.greet(socket, 0)).isInstanceOf(SocketTimeoutException.class);
                proxy.resume();
                socket.setSoTimeout(5_000);
                // The greeting sent while frozen is answered after SIGCONT.
                assertThat(RawSocks.read(socket.getInputStream(), 2)).containsExactly(5, 0);
            }
        }
    }

    @Test
    void rejectsANonLoopbackBindAddress() {
        assertThatThrownBy(() -> Microsocks.builder().bindAddress("10.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
