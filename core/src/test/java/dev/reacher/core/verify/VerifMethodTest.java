package dev.reacher.core.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.socks5.ProxyConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Upstream's verification-method JSON per provider, and the one-provider-table model. */
class VerifMethodTest {
    private static final ProxyConfig P = new ProxyConfig("127.0.0.1", 1080);

    private static ProviderMethod smtpVia(String proxy) {
        return ProviderMethod.smtp(SmtpConfig.defaults().withProxy(proxy));
    }

    @Test
    void unknownProxyIdIsRejected() {
        assertThatThrownBy(() -> VerifMethod.of(Map.of("proxy1", P, "proxy2", P), Map.of(Provider.GMAIL, smtpVia("proxy3"))))
                .hasMessage("Invalid proxies: Invalid Gmail proxy proxy3");
    }

    @Test
    void unknownProxyIdIsRejectedForMimecastAndProofpointToo() {
        assertThatThrownBy(() -> VerifMethod.of(Map.of(), Map.of(Provider.MIMECAST, smtpVia("nope"))))
                .hasMessage("Invalid proxies: Invalid Mimecast proxy nope");
        assertThatThrownBy(() -> VerifMethod.of(Map.of(), Map.of(Provider.PROOFPOINT, smtpVia("nope"))))
                .hasMessage("Invalid proxies: Invalid Proofpoint proxy nope");
    }

    @Test
    void validConfigKeepsEachProvidersProxy() {
        VerifMethod m = VerifMethod.of(Map.of("proxy1", P, "proxy2", P), Map.of(
                Provider.GMAIL, smtpVia("proxy1"), Provider.HOTMAIL_B2B, smtpVia("proxy2"),
                Provider.HOTMAIL_B2C, smtpVia("proxy1"), Provider.YAHOO, smtpVia("proxy2")));
        assertThat(proxyOf(m, Provider.GMAIL)).isEqualTo("proxy1");
        assertThat(proxyOf(m, Provider.HOTMAIL_B2B)).isEqualTo("proxy2");
        assertThat(proxyOf(m, Provider.HOTMAIL_B2C)).isEqualTo("proxy1");
        assertThat(proxyOf(m, Provider.YAHOO)).isEqualTo("proxy2");
        assertThat(proxyOf(m, Provider.EVERYTHING_ELSE)).isNull();
    }

    @Test
    void sameForAllLeavesHotmailB2cAndYahooHeadless() {
        VerifMethod m = VerifMethod.sameForAll(P, SmtpConfig.defaults());
        assertThat(m.proxies()).containsOnlyKeys("default");
        for (Provider p : Provider.values()) {
            if (p == Provider.HOTMAIL_B2C || p == Provider.YAHOO) {
                assertThat(m.method(p)).isInstanceOf(ProviderMethod.Headless.class);
            } else {
                assertThat(proxyOf(m, p)).isEqualTo("default");
            }
        }
    }

    @Test
    void methodTagsAreCheckedPerProvider() {
        assertThatThrownBy(() -> ReacherJson.mapper().readValue("{\"gmail\":{\"type\":\"headless\"}}", VerifMethod.class))
                .isInstanceOf(InvalidFormatException.class).hasMessageContaining("gmail");
        assertThatThrownBy(() -> ReacherJson.mapper().readValue("{\"yahoo\":{\"type\":\"carrier-pigeon\"}}", VerifMethod.class))
                .hasMessageContaining("unknown variant `carrier-pigeon`");
    }

    @Test
    void missingFieldsTakeUpstreamDefaults() throws Exception {
        VerifMethod m = ReacherJson.mapper().readValue("{\"gmail\":{\"type\":\"smtp\"}}", VerifMethod.class);
        assertThat(((ProviderMethod.Smtp) m.method(Provider.GMAIL)).config()).isEqualTo(SmtpConfig.defaults());
        assertThat(SmtpConfig.defaults()).isEqualTo(new SmtpConfig("reacher@gmail.com", "gmail.com", null, 25, null, 1));
    }

    @Test
    void passwordNeverInToString() {
        ProxyConfig secret = new ProxyConfig("127.0.0.1", 1080, "alice", "s3cret", null);
        VerifMethod m = VerifMethod.sameForAll(secret, SmtpConfig.defaults());
        assertThat(m.toString()).doesNotContain("s3cret");
        assertThat(CheckEmailInput.of("a@b.c").withVerifMethod(m).toString()).doesNotContain("s3cret");
    }

    private static String proxyOf(VerifMethod m, Provider p) {
        return ((ProviderMethod.Smtp) m.method(p)).config().proxy();
    }
}
