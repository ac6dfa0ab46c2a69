package dev.reacher.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FixturesTest {

    @Test
    void aMissingBinaryFailsLoudlyWithTheFix() {
        assertThatThrownBy(() -> PeerBinaries.locate("reacher-no-such-peer"))
                .isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("reacher-no-such-peer")
                .hasMessageContaining("scripts/install-test-peers.sh");
    }

    @Test
    void findsInstalledPeers() {
        assertThat(PeerBinaries.locate("microsocks")).isExecutable();
        assertThat(PeerBinaries.locate("danted")).isExecutable();
    }

    @Test
    void recordingServerRecordsPeersInOrderAndEchoes() throws Exception {
        try (RecordingTcpServer server = RecordingTcpServer.start("127.0.0.1")) {
            try (Socket socket = new Socket()) {
                socket.bind(new InetSocketAddress("127.0.0.12", 0));
                socket.connect(new InetSocketAddress(server.host(), server.port()), 5_000);
                socket.setSoTimeout(5_000);
                socket.getOutputStream().write(new byte[] {1, 2, 3});
                assertThat(socket.getInputStream().readNBytes(3)).containsExactly(1, 2, 3);
            }
            assertThat(server.awaitPeer(Duration.ofSeconds(5)).getAddress().getHostAddress()).isEqualTo("127.0.0.12");
            assertThat(server.peers()).hasSize(1);
            assertThatThrownBy(() -> server.awaitPeer(Duration.ofMillis(50))).isInstanceOf(AssertionError.class);
        }
    }

    @Test
    void blackholeConnectsTimeOut() throws Exception {
        try (BlackholeListener blackhole = BlackholeListener.start(); Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress(blackhole.host(), blackhole.port()), 300))
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void loopbackCheck() {
        assertThat(LoopbackPorts.isLoopbackV4("127.0.0.11")).isTrue();
        assertThat(LoopbackPorts.isLoopbackV4("127.255.255.255")).isTrue();
        assertThat(LoopbackPorts.isLoopbackV4("128.0.0.1")).isFalse();
        assertThat(LoopbackPorts.isLoopbackV4("127.0.0.256")).isFalse();
        assertThat(LoopbackPorts.isLoopbackV4("localhost")).isFalse();
    }
}
