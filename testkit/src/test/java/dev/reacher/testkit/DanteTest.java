package dev.reacher.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DanteTest {

    @Test
    void requiresTheUnixUserAndRelaysToLoopback() throws IOException {
        try (Dante proxy = Dante.builder().start(); RecordingTcpServer target = RecordingTcpServer.start()) {
            try (Socket socket = RawSocks.open(proxy)) {
                assertThat(RawSocks.greet(socket, 0)).isEqualTo(0xFF);
            }
            try (Socket socket = RawSocks.open(proxy)) {
                assertThat(RawSocks.greet(socket, 0, 2)).isEqualTo(2);
                assertThat(RawSocks.authenticate(socket, Dante.USERNAME, "wrong")).isNotZero();
            }
            try (Socket socket = RawSocks.open(proxy)) {
                assertThat(RawSocks.greet(socket, 0, 2)).isEqualTo(2);
                assertThat(RawSocks.authenticate(socket, proxy.username(), proxy.password())).isZero();
                assertThat(RawSocks.connectIpv4Loopback(socket, target.port())).isZero();
                socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertThat(RawSocks.read(socket.getInputStream(), 4)).isEqualTo("ping".getBytes(StandardCharsets.US_ASCII));
            }
            assertThat(target.awaitPeer(Duration.ofSeconds(5)).getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void stopAndStartKeepThePort() throws IOException {
        try (Dante proxy = Dante.builder().start()) {
            int port = proxy.port();
            proxy.stop();
            assertThat(LoopbackPorts.accepts(proxy.host(), port, Duration.ofSeconds(1))).isFalse();
            proxy.start();
            assertThat(proxy.port()).isEqualTo(port);
            try (Socket socket = RawSocks.open(proxy)) {
                assertThat(RawSocks.greet(socket, 0, 2)).isEqualTo(2);
            }
        }
    }
}
