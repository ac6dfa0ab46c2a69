package dev.reacher.core.socks5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProxyConfigTest {

    @Test
    void toStringHidesThePassword() {
        ProxyConfig proxy = new ProxyConfig("127.0.0.1", 1080, "alice", "s3cret", 800L);
        assertThat(proxy.toString())
                .isEqualTo("ProxyConfig[127.0.0.1:1080, username=alice, password=***, timeout_ms=800]");
    }

    @Test
    void credentialsAreOfferedOnlyWhenBothAreSet() {
        assertThat(new ProxyConfig("h", 1, "alice", "pw", null).hasCredentials()).isTrue();
        assertThat(new ProxyConfig("h", 1, "alice", null, null).hasCredentials()).isFalse();
        assertThat(new ProxyConfig("h", 1, null, "pw", null).hasCredentials()).isFalse();
    }

    @Test
    void addressBracketsIpv6() {
        assertThat(new ProxyConfig("::1", 1080).address()).isEqualTo("[::1]:1080");
        assertThat(new ProxyConfig("127.0.0.1", 1080).address()).isEqualTo("127.0.0.1:1080");
    }

    @Test
    void rejectsBadPortAndNegativeTimeout() {
        assertThatThrownBy(() -> new ProxyConfig("h", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ProxyConfig("h", 65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ProxyConfig("h", 1, null, null, -1L)).isInstanceOf(IllegalArgumentException.class);
    }
}
