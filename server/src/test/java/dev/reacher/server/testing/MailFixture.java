package dev.reacher.server.testing;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A scripted DNS server and SMTP server on loopback for domain {@code bulk.test}: addresses
 * {@code ok…@bulk.test} exist (250), {@code grey…@bulk.test} are greylisted (450, verdict
 * unknown), everything else is unknown to the server (550, invalid).
 */
public final class MailFixture implements AutoCloseable {
    public final ScriptedSmtpServer smtp;
    public final DnsFixture dns;

    private MailFixture(ScriptedSmtpServer smtp, DnsFixture dns) {
        this.smtp = smtp;
        this.dns = dns;
    }

    public static MailFixture start() throws IOException {
        ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
        DnsFixture dns = DnsFixture.start().mx("bulk.test", 10, "mx.bulk.test").a("mx.bulk.test", "127.0.0.1");
        return new MailFixture(smtp, dns);
    }

    /** Scripts {@code n} addresses: every third is invalid, the rest exist. Returns them in order. */
    public List<String> addresses(String prefix, int n) {
        return addresses(prefix, n, Duration.ZERO);
    }

    /** Like {@link #addresses(String, int)}, each RCPT answered after {@code delay} (a slow server). */
    public List<String> addresses(String prefix, int n, Duration delay) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String email = emailAt(prefix, i);
            Reply reply = email.startsWith("ok") ? Reply.lines("250 2.1.5 OK")
                    : Reply.lines("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown");
            smtp.onRcpt(email, delay.isZero() ? reply : Reply.delayed(delay, reply));
            out.add(email);
        }
        return out;
    }

    /** The i-th address of {@link #addresses}: every third one does not exist. */
    public static String emailAt(String prefix, int i) {
        return (i % 3 == 2 ? "no" : "ok") + "-" + prefix + "-" + i + "@bulk.test";
    }

    public MailFixture greylist(String email) {
        smtp.onRcpt(email, Reply.lines("450 4.7.1 Greylisted, please try again later"));
        return this;
    }

    /** The input bulk jobs use: SMTP to this fixture's port. */
    public CheckEmailInput template() {
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, smtp.port(), Duration.ofSeconds(5), 1);
        return CheckEmailInput.of("").withVerifMethod(VerifMethod.sameForAll(null, config)).withBackendName("bulk-test");
    }

    public DnsServers dnsServers() {
        return DnsServers.parse(dns.address()).withTimeout(Duration.ofSeconds(2));
    }

    public EmailVerifier verifier() {
        return EmailVerifier.create(dnsServers());
    }

    @Override
    public void close() throws IOException {
        smtp.close();
        dns.close();
    }
}
