package dev.reacher.cli;

import dev.reacher.server.ReacherServer;
import dev.reacher.server.config.ConfigLoader;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real {@link ReacherServer} (single-machine bulk: SQLite file in {@code dir}) on a free loopback
 * port, configured the way {@code reacher serve} is (RCH__ variables), verifying against a scripted
 * DNS and SMTP server. Domain {@code bulk.test}: {@code ok-…} addresses exist (250, safe),
 * {@code no-…} do not (550, invalid), {@code slow-…} exist but answer after {@link #SLOW}.
 */
final class BulkServer implements AutoCloseable {
    static final Duration SLOW = Duration.ofSeconds(3);

    final ScriptedSmtpServer smtp;
    final DnsFixture dns;
    final ReacherServer server;

    private BulkServer(ScriptedSmtpServer smtp, DnsFixture dns, ReacherServer server) {
        this.smtp = smtp;
        this.dns = dns;
        this.server = server;
    }

    static BulkServer start(Path dir, String secret) throws IOException {
        ScriptedSmtpServer smtp = ScriptedSmtpServer.start()
                .defaultRcpt(Reply.lines("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"));
        // Slow addresses have a mail server of their own, as a slow server in real life would: bulk
        // addresses bound for one server share a session, where a slow answer delays the others.
        DnsFixture dns = DnsFixture.start().mx("bulk.test", 10, "mx.bulk.test").a("mx.bulk.test", "127.0.0.1")
                .mx("slow.test", 10, "mx.slow.test").a("mx.slow.test", "127.0.0.1");
        Map<String, String> env = Map.of(
                "RCH__HTTP_HOST", "127.0.0.1",
                "RCH__HTTP_PORT", "0",
                "RCH__HEADER_SECRET", secret,
                "RCH__STORAGE__SQLITE__PATH", dir.resolve("reacher.db").toString(),
                "RCH__DNS__SERVERS", dns.address(),
                "RCH__SMTP_PORT", Integer.toString(smtp.port()),
                "RCH__SMTP_TIMEOUT", "10",
                "RCH__HELLO_NAME", "probe.test",
                "RCH__FROM_EMAIL", "probe@client.test",
                "RCH__WORKER__RABBITMQ__CONCURRENCY", "8");
        return new BulkServer(smtp, dns, ReacherServer.start(ConfigLoader.load(null, env, dir)));
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** {@code n} addresses, scripted: every third one ({@code no-…}) does not exist. */
    List<String> addresses(String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String email = (i % 3 == 2 ? "no-" : "ok-") + prefix + "-" + i + "@bulk.test";
            if (email.startsWith("ok-")) {
                smtp.onRcpt(email, Reply.lines("250 2.1.5 OK"));
            }
            out.add(email);
        }
        return out;
    }

    /** An address that exists but whose RCPT is answered only after {@link #SLOW}. */
    String slowAddress(String name) {
        return slowAddress(name, SLOW);
    }

    /**
     * An address at {@code slow.test} (its own MX host) that exists but whose RCPT is answered only
     * after {@code delay} (less than the 10 s SMTP timeout).
     */
    String slowAddress(String name, Duration delay) {
        String email = "slow-" + name + "@slow.test";
        smtp.onRcpt(email, Reply.delayed(delay, Reply.lines("250 2.1.5 OK")));
        return email;
    }

    @Override
    public void close() throws IOException {
        server.close();
        smtp.close();
        dns.close();
    }
}
