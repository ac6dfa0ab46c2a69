package dev.reacher.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.socks5.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proxies written as URLs in the configuration, and the members of {@code proxy_pool.file}. */
class ProxyUrlConfigTest {
    @TempDir
    Path dir;

    @Test
    void proxyUrlInTheEnvironmentAndInAnOverrideTable() {
        BackendConfig c = ConfigLoader.fromToml("""
                [overrides.proxies.p1]
                url = "socks5h://bob:p%40ss%3Aword@10.0.0.11:1080?weight=3&max_requests_per_minute=60"
                hello_name = "mx1.example.com"
                """, Map.of("RCH__PROXY__URL", "socks5://alice:s3cret@127.0.0.1:1080"));
        assertThat(c.proxies().get("default").proxy()).isEqualTo(new ProxyConfig("127.0.0.1", 1080, "alice", "s3cret", null));
        PoolProxy p1 = c.proxies().get("p1");
        assertThat(p1.proxy()).isEqualTo(new ProxyConfig("10.0.0.11", 1080, "bob", "p@ss:word", null));
        assertThat(p1.weight()).isEqualTo(3);
        assertThat(p1.limits().perMinute()).isEqualTo(60);
        assertThat(p1.helloName()).isEqualTo("mx1.example.com");
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void badProxyUrlsNameTheKeyAndVariableButNotThePassword() {
        assertThatThrownBy(() -> ConfigLoader.fromToml(null, Map.of("RCH__PROXY__URL", "socks5://alice:s3cret@127.0.0.1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("proxy.url (RCH__PROXY__URL): missing port")
                .message().doesNotContain("s3cret");
        assertThatThrownBy(() -> ConfigLoader.fromToml(null, Map.of("RCH__PROXY__URL", "socks5://alice:s3cret@h:1080",
                "RCH__PROXY__HOST", "other")))
                .hasMessageContaining("the URL gives host, and so does proxy.host").message().doesNotContain("s3cret");
        assertThatThrownBy(() -> ConfigLoader.fromToml(null, Map.of("RCH__PROXY__URL", "socks5://alice:s3cret@h:1080?weight=0")))
                .hasMessageStartingWith("proxy.weight (RCH__PROXY__URL): expected a whole number ≥ 1, got \"0\"");
        assertThatThrownBy(() -> ConfigLoader.fromToml(null, Map.of("RCH__PROXY__URL", "socks5://h:1080?colour=red")))
                .hasMessageContaining("unknown setting `colour` in the URL");
        assertThatThrownBy(() -> ConfigLoader.fromToml("[dns]\nproxy_dns = \"local\"\n",
                Map.of("RCH__PROXY__URL", "socks5h://alice:s3cret@h:1080")))
                .hasMessageContaining("socks5h:// asks the proxy to resolve host names, but [dns] proxy_dns = \"local\"")
                .message().doesNotContain("s3cret");
    }

    @Test
    void listFileMembersJoinTheConfiguredOnes() throws Exception {
        Path list = dir.resolve("proxies.txt");
        Files.writeString(list, """
                # from the vendor
                10.0.0.21:1080:carol:v3ndor-pw
                socks5://10.0.0.22:1080?weight=5&id=big&max_in_flight=20
                10.0.0.23:1080
                """);
        BackendConfig c = ConfigLoader.fromToml("""
                [overrides.proxies.p1]
                host = "10.0.0.11"
                port = 1080
                [proxy_pool]
                enabled = true
                file = "%s"
                """.formatted(list), Map.of());
        assertThat(c.proxies().keySet()).containsExactlyInAnyOrder("p1", "10.0.0.21:1080", "big", "10.0.0.23:1080");
        assertThat(c.proxies().get("10.0.0.21:1080").proxy())
                .isEqualTo(new ProxyConfig("10.0.0.21", 1080, "carol", "v3ndor-pw", null));
        assertThat(c.proxies().get("big").weight()).isEqualTo(5);
        assertThat(c.proxies().get("big").maxInFlight()).isEqualTo(20);
        assertThat(c.proxyListFile()).isEqualTo(list.toAbsolutePath());
        assertThat(c.poolSettings().enabled()).isTrue();
        assertThat(c.toString()).doesNotContain("v3ndor-pw");

        // the same from the environment
        BackendConfig e = ConfigLoader.fromToml(null, Map.of("RCH__PROXY_POOL__FILE", list.toString()));
        assertThat(e.proxies()).hasSize(3);
    }

    @Test
    void aBadListFileStopsStartupWithFileLineAndReason() throws Exception {
        Path list = dir.resolve("proxies.txt");
        Files.writeString(list, "10.0.0.21:1080:carol:v3ndor-pw\nsocks5://dave:v3ndor-pw@10.0.0.22:1080?weight=zero\n");
        assertThatThrownBy(() -> ConfigLoader.fromToml(null, Map.of("RCH__PROXY_POOL__FILE", list.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessage("proxy list " + list.toAbsolutePath() + ", line 2: weight: expected a whole number ≥ 1, got \"zero\"");

        Files.writeString(list, "\n\nsocks5://dave:v3ndor-pw@10.0.0.22:1080?speed=fast\n");
        assertThatThrownBy(() -> ConfigLoader.fromToml(null, Map.of("RCH__PROXY_POOL__FILE", list.toString())))
                .hasMessageStartingWith("proxy list " + list.toAbsolutePath() + ", line 3: unknown setting `speed`")
                .message().doesNotContain("v3ndor-pw");

        Files.writeString(list, "socks5://10.0.0.22:1080?id=p1\n");
        assertThatThrownBy(() -> ConfigLoader.fromToml("[overrides.proxies.p1]\nhost = \"h\"\nport = 1\n",
                Map.of("RCH__PROXY_POOL__FILE", list.toString())))
                .hasMessage("proxy list " + list.toAbsolutePath() + ", line 1: the id p1 is also defined in the"
                        + " configuration; give the line another one with ?id=…");

        Files.writeString(list, "socks5h://10.0.0.22:1080\n");
        assertThatThrownBy(() -> ConfigLoader.fromToml("[dns]\nproxy_dns = \"local\"\n",
                Map.of("RCH__PROXY_POOL__FILE", list.toString())))
                .hasMessageStartingWith("proxy list " + list.toAbsolutePath() + ", line 1: socks5h://");

        assertThatThrownBy(() -> ConfigLoader.fromToml(null, Map.of("RCH__PROXY_POOL__FILE", dir.resolve("nope.txt").toString())))
                .hasMessageStartingWith("proxy list " + dir.resolve("nope.txt") + " not found");
    }

    @Test
    void poolMembersAndProviderOverridesCanNameListMembers() throws Exception {
        Path list = dir.resolve("proxies.txt");
        Files.writeString(list, "10.0.0.21:1080\n10.0.0.22:1080\n");
        BackendConfig c = ConfigLoader.fromToml("""
                [proxy_pool]
                enabled = true
                file = "%s"
                proxies = ["10.0.0.21:1080"]
                [overrides.gmail]
                type = "smtp"
                proxy = "10.0.0.21:1080,10.0.0.22:1080"
                """.formatted(list), Map.of());
        assertThat(c.poolSettings().members()).containsExactly("10.0.0.21:1080");
    }
}
