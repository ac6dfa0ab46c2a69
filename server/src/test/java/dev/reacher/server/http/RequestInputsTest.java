package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Step by step, upstream's algorithm: how a request body becomes the engine's input. */
class RequestInputsTest {
    private static final BackendConfig CONFIG = ConfigLoader.fromToml("""
            backend_name = "test-backend"
            hello_name = "config.hello"
            from_email = "config@from.test"
            smtp_timeout = 7
            [webdriver]
            binary = "/usr/bin/chromium"
            [proxy]
            host = "10.0.0.1"
            port = 1080
            [overrides.proxies.proxy1]
            host = "10.0.0.2"
            port = 1081
            [overrides.gmail]
            type = "smtp"
            proxy = "proxy1"
            hello_name = "gmail.override"
            """, Map.of());
    private static final RequestInputs INPUTS = new RequestInputs(CONFIG);

    private static CheckEmailInput build(String json) {
        return INPUTS.build(CheckEmailRequest.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static SmtpConfig smtp(CheckEmailInput input, Provider p) {
        return ((ProviderMethod.Smtp) input.verifMethod().method(p)).config();
    }

    @Test
    void withoutAProxyTheConfiguredMethodIsUsedAndRequestIdentityIgnored() {
        CheckEmailInput input = build("{\"to_email\":\"a@b.c\",\"hello_name\":\"req.hello\",\"from_email\":\"req@from.test\","
                + "\"smtp_port\":2525,\"smtp_timeout\":{\"secs\":3,\"nanos\":0}}");
        assertThat(input.toEmail()).isEqualTo("a@b.c");
        assertThat(input.verifMethod()).isEqualTo(CONFIG.verifMethod());
        assertThat(smtp(input, Provider.GMAIL).proxy()).isEqualTo("proxy1");
        assertThat(smtp(input, Provider.GMAIL).helloName()).isEqualTo("gmail.override");
        assertThat(smtp(input, Provider.EVERYTHING_ELSE))
                .isEqualTo(new SmtpConfig("config@from.test", "config.hello", "default", 25, Duration.ofSeconds(7), 1));
        assertThat(input.backendName()).isEqualTo("test-backend");
        assertThat(input.checkGravatar()).isFalse();
        assertThat(input.haveibeenpwnedApiKey()).isNull();
        assertThat(input.webdriverAddr()).isEqualTo("http://localhost:9515");
        assertThat(input.webdriverConfig().binary()).isEqualTo("/usr/bin/chromium");
    }

    @Test
    void aRequestProxyGivesTheSameConfigForAllAndBypassesOverrides() {
        CheckEmailInput input = build("{\"to_email\":\"a@b.c\",\"hello_name\":\"req.hello\",\"from_email\":\"req@from.test\","
                + "\"smtp_port\":2525,\"smtp_timeout\":[3,500],"
                + "\"proxy\":{\"host\":\"127.0.0.9\",\"port\":9050,\"username\":\"u\",\"password\":\"p\",\"timeout_ms\":900}}");
        VerifMethod m = input.verifMethod();
        assertThat(m.proxies()).containsExactly(Map.entry("request:127.0.0.9:9050",
                new ProxyConfig("127.0.0.9", 9050, "u", "p", 900L)));
        SmtpConfig expected = new SmtpConfig("req@from.test", "req.hello", "request:127.0.0.9:9050", 2525,
                Duration.ofSeconds(3, 500), 1);
        for (Provider p : new Provider[] {Provider.GMAIL, Provider.HOTMAIL_B2B, Provider.MIMECAST, Provider.PROOFPOINT,
                Provider.EVERYTHING_ELSE}) {
            assertThat(smtp(input, p)).as(p.key()).isEqualTo(expected);
        }
        assertThat(m.method(Provider.HOTMAIL_B2C)).isInstanceOf(ProviderMethod.Headless.class);
        assertThat(m.method(Provider.YAHOO)).isInstanceOf(ProviderMethod.Headless.class);
    }

    @Test
    void aRequestProxyWithoutIdentityFieldsTakesTheConfigValues() {
        CheckEmailInput input = build("{\"to_email\":\"a@b.c\",\"proxy\":{\"host\":\"127.0.0.9\",\"port\":9050}}");
        assertThat(smtp(input, Provider.GMAIL))
                .isEqualTo(new SmtpConfig("config@from.test", "config.hello", "request:127.0.0.9:9050", 25,
                        Duration.ofSeconds(7), 1));
    }

    @Test
    void legacySmtpWithoutARequestProxyNamesNoProxy() {
        // Upstream quirk, kept: the config's top-level proxy is not used by a backward-compatible Smtp.
        CheckEmailInput input = build("{\"to_email\":\"a@b.c\",\"yahoo_verif_method\":\"Smtp\","
                + "\"hotmailb2c_verif_method\":\"Smtp\",\"hello_name\":\"req.hello\"}");
        SmtpConfig expected = new SmtpConfig("config@from.test", "req.hello", null, 25, Duration.ofSeconds(7), 1);
        assertThat(smtp(input, Provider.YAHOO)).isEqualTo(expected);
        assertThat(smtp(input, Provider.HOTMAIL_B2C)).isEqualTo(expected);
        assertThat(smtp(input, Provider.GMAIL).proxy()).isEqualTo("proxy1");
    }

    @Test
    void legacySmtpWithARequestProxyGoesThroughIt() {
        CheckEmailInput input = build("{\"to_email\":\"a@b.c\",\"yahoo_verif_method\":\"Smtp\","
                + "\"proxy\":{\"host\":\"127.0.0.9\",\"port\":9050}}");
        assertThat(smtp(input, Provider.YAHOO).proxy()).isEqualTo("request:127.0.0.9:9050");
        assertThat(input.verifMethod().method(Provider.HOTMAIL_B2C)).isInstanceOf(ProviderMethod.Headless.class);
    }

    /** Named by address, never by a configured id, and never with a credential. */
    @Test
    void aRequestProxyIsLabelledByItsAddressOnly() {
        CheckEmailInput v6 = build("{\"to_email\":\"a@b.c\",\"proxy\":{\"host\":\"::1\",\"port\":1080,"
                + "\"username\":\"u\",\"password\":\"pw-label-secret\"}}");
        assertThat(smtp(v6, Provider.GMAIL).proxy()).isEqualTo("request:[::1]:1080");
        assertThat(v6.verifMethod().proxies().keySet().toString()).doesNotContain("pw-label-secret").doesNotContain("u@");
        // A host a proxy id list cannot carry still gives one id.
        CheckEmailInput odd = build("{\"to_email\":\"a@b.c\",\"proxy\":{\"host\":\"a, b\",\"port\":1}}");
        assertThat(smtp(odd, Provider.GMAIL).proxy()).isEqualTo("request:a__b:1");
    }

    @Test
    void legacyApiAndHeadless() {
        CheckEmailInput input = build("{\"to_email\":\"a@b.c\",\"yahoo_verif_method\":\"Api\","
                + "\"hotmailb2c_verif_method\":\"Headless\"}");
        assertThat(input.verifMethod().method(Provider.YAHOO)).isInstanceOf(ProviderMethod.Api.class);
        assertThat(input.verifMethod().method(Provider.HOTMAIL_B2C)).isInstanceOf(ProviderMethod.Headless.class);
    }

    @Test
    void toEmailIsPassedVerbatim() {
        assertThat(build("{\"to_email\":\"  Foo@Bar.COM \"}").toEmail()).isEqualTo("  Foo@Bar.COM ");
    }

    @Test
    void requestToStringHidesTheProxyPassword() {
        CheckEmailRequest r = CheckEmailRequest.parse(("{\"to_email\":\"a@b.c\",\"proxy\":{\"host\":\"h\",\"port\":1,"
                + "\"username\":\"u\",\"password\":\"hunter2-secret\"}}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.toString()).doesNotContain("hunter2-secret").doesNotContain("a@b.c");
    }
}
