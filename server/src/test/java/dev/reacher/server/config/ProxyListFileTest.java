package dev.reacher.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Proxy URLs and the proxy list file: every accepted form, and errors that never show a password. */
class ProxyListFileTest {

    @Test
    void urlWithPercentEncodedCredentialsAndSettings() {
        ProxyUrl url = ProxyUrl.parseUrl("socks5h://al%40ice:p%3Ass%2Fw%25rd+x@proxy.example:1080/?weight=3&hello_name=mx1.example");
        assertThat(url.scheme()).isEqualTo("socks5h");
        assertThat(url.proxyResolvesNames()).isTrue();
        assertThat(url.host()).isEqualTo("proxy.example");
        assertThat(url.port()).isEqualTo(1080);
        assertThat(url.username()).isEqualTo("al@ice");
        assertThat(url.password()).isEqualTo("p:ss/w%rd+x");
        assertThat(url.params()).containsExactlyInAnyOrderEntriesOf(Map.of("weight", "3", "hello_name", "mx1.example"));
        assertThat(url.toString()).doesNotContain("p:ss").isEqualTo("socks5h://al@ice:***@proxy.example:1080");
    }

    @Test
    void urlWithoutCredentialsAndIpv6() {
        ProxyUrl url = ProxyUrl.parseUrl("SOCKS5://[2001:db8::1]:1080");
        assertThat(url.scheme()).isEqualTo("socks5");
        assertThat(url.proxyResolvesNames()).isFalse();
        assertThat(url.host()).isEqualTo("2001:db8::1");
        assertThat(url.username()).isNull();
        assertThat(url.password()).isNull();
        assertThat(url.defaultId()).isEqualTo("[2001:db8::1]:1080");
    }

    @Test
    void vendorForms() {
        ProxyUrl plain = ProxyUrl.parseVendor("10.0.0.11:1080");
        assertThat(plain.host()).isEqualTo("10.0.0.11");
        assertThat(plain.port()).isEqualTo(1080);
        assertThat(plain.username()).isNull();
        ProxyUrl withCreds = ProxyUrl.parseVendor("10.0.0.12:1080:bob:pa:ss%41");
        assertThat(withCreds.username()).isEqualTo("bob");
        assertThat(withCreds.password()).isEqualTo("pa:ss%41"); // as is: the vendor form is not encoded
    }

    @Test
    void badUrlsSayWhatIsWrongWithoutTheSecret() {
        assertBad("http://u:topsecret@h:1", "unsupported scheme `http`");
        assertBad("socks5://u:topsecret@h", "missing port");
        assertBad("socks5://u:topsecret@h:99999", "the port must be a number 1-65535, got `99999`");
        assertBad("socks5://u:top#secret@h:1080", "percent-encode");
        assertBad("socks5://u:top%zzsecret@h:1080", "the password holds a `%` that is not followed by two hex digits");
        assertBad("socks5://justauser@h:1080", "a username needs a password");
        assertBad("socks5://u:topsecret@h:1080/path", "no path or fragment");
        assertBad("socks5://u:topsecret@h:1080?weight", "expected key=value");
        assertBad("socks5://u:topsecret@h:1080?weight=1&weight=2", "the setting weight is given twice");
    }

    private static void assertBad(String url, String message) {
        assertThatThrownBy(() -> ProxyUrl.parseUrl(url)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message).message().doesNotContain("secret");
    }

    @Test
    void listFileWithCommentsBlanksFormsAndIds() {
        String text = """
                # vendor export, 2026-12-01
                10.0.0.11:1080
                10.0.0.12:1080:bob:s3cret   # the fast one

                socks5://alice:pa%24%24@10.0.0.13:1080?weight=3&max_requests_per_minute=60&id=Fast-1
                   socks5h://10.0.0.14:1080?hello_name=mx4.example.com
                """;
        List<ProxyListFile.Entry> entries = ProxyListFile.parse(text, "proxies.txt");
        assertThat(entries).extracting(ProxyListFile.Entry::id)
                .containsExactly("10.0.0.11:1080", "10.0.0.12:1080", "fast-1", "10.0.0.14:1080");
        assertThat(entries).extracting(ProxyListFile.Entry::line).containsExactly(2, 3, 5, 6);
        assertThat(entries.get(1).url().password()).isEqualTo("s3cret");
        assertThat(entries.get(2).url().password()).isEqualTo("pa$$");
        assertThat(entries.get(2).settings()).containsExactlyInAnyOrderEntriesOf(Map.of("weight", "3", "max_requests_per_minute", "60"));
        assertThat(entries.get(3).url().proxyResolvesNames()).isTrue();
    }

    @Test
    void aBadLineNamesFileLineAndReasonButNotThePassword() {
        String text = "10.0.0.11:1080\n\n10.0.0.12:10x0:bob:s3cret\n";
        assertThatThrownBy(() -> ProxyListFile.parse(text, "/etc/reacher/proxies.txt"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("proxy list /etc/reacher/proxies.txt, line 3: the port must be a number 1-65535, got `10x0`");
        assertThatThrownBy(() -> ProxyListFile.parse("10.0.0.12:1080:bob\n", "p.txt"))
                .hasMessageStartingWith("proxy list p.txt, line 1: expected host:port:user:pass");
        assertThatThrownBy(() -> ProxyListFile.parse("a:1\nsocks5://u:s3cret@a:1\n", "p.txt"))
                .hasMessage("proxy list p.txt, line 2: the id a:1 is already used on line 1 (give one of them ?id=…)");
        assertThatThrownBy(() -> ProxyListFile.parse("socks5://u:s3 cret@a:1\n", "p.txt"))
                .hasMessageStartingWith("proxy list p.txt, line 1: a line holds one proxy without blanks")
                .message().doesNotContain("s3");
        assertThatThrownBy(() -> ProxyListFile.parse("socks5://a:1?id=bad/id\n", "p.txt"))
                .hasMessageContaining("line 1: id may hold only");
    }
}
