package dev.reacher.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Postfix fixture, spoken to by a bare socket so that what is on the wire is exactly what the test wrote. */
class PostfixTest {
    private static final Duration LOG_WAIT = Duration.ofSeconds(5);
    private static final String UNKNOWN_USER = "Recipient address rejected: User unknown in local recipient table";

    /** A minimal SMTP client: sends groups of command lines in one write and reads one reply per line. */
    private static final class Wire implements AutoCloseable {
        private final Socket socket = new Socket();
        private final BufferedReader in;
        private final OutputStream out;

        Wire(Postfix postfix) throws IOException {
            socket.connect(new InetSocketAddress(postfix.host(), postfix.port()), 5_000);
            socket.setSoTimeout(5_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
        }

        /** One reply, its lines joined with "\n"; "EOF" when the server closed the connection. */
        String reply() throws IOException {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.length() < 4 || line.charAt(3) == ' ') {
                    return String.join("\n", lines);
                }
            }
            return "EOF";
        }

        /** Writes all commands at once (pipelined when more than one) and reads as many replies. */
        List<String> send(String... commands) throws IOException {
            out.write((String.join("\r\n", commands) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < commands.length; i++) {
                replies.add(reply());
            }
            return replies;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static List<String> rcptOneByOne(Postfix postfix, String... recipients) throws IOException {
        try (Wire wire = new Wire(postfix)) {
            assertThat(wire.reply()).startsWith("220 " + Postfix.HOSTNAME + " ESMTP");
            assertThat(wire.send("EHLO probe.test").getFirst()).startsWith("250-" + Postfix.HOSTNAME);
            assertThat(wire.send("MAIL FROM:<probe@client.test>")).containsExactly("250 2.1.0 Ok");
            List<String> replies = new ArrayList<>();
            for (String recipient : recipients) {
                replies.addAll(wire.send("RCPT TO:<" + recipient + ">"));
            }
            assertThat(wire.send("QUIT")).containsExactly("221 2.0.0 Bye");
            return replies;
        }
    }

    @Test
    void twoInstancesAtOnceEachAnswersFromItsOwnRecipientTable() throws IOException {
        try (Postfix first = Postfix.builder().recipients("alice@example.test").start();
                Postfix second = Postfix.builder().recipients("bob@other.test").domains("example.test").start()) {
            assertThat(first.port()).isNotEqualTo(second.port());

            assertThat(rcptOneByOne(first, "alice@example.test", "bob@example.test", "bob@other.test")).containsExactly(
                    "250 2.1.5 Ok",
                    "550 5.1.1 <bob@example.test>: " + UNKNOWN_USER,
                    // not a local domain of the first instance: no relaying for strangers
                    "554 5.7.1 <bob@other.test>: Relay access denied");
            assertThat(rcptOneByOne(second, "bob@other.test", "alice@example.test")).containsExactly(
                    "250 2.1.5 Ok", "550 5.1.1 <alice@example.test>: " + UNKNOWN_USER);

            String firstLog = first.awaitLogSince(0, log -> log.contains(" disconnect from "), LOG_WAIT);
            assertThat(firstLog)
                    .contains("postfix-" + first.port() + "/smtpd[")
                    .contains(" disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1/3 quit=1 commands=4/6")
                    .doesNotContain("postfix-" + second.port());
        }
    }

    @Test
    void pipeliningIsAdvertisedUnlessItsKeywordIsDiscarded() throws IOException {
        try (Postfix plain = Postfix.builder().domains("example.test").start();
                Postfix discarding = Postfix.builder().domains("example.test").discardEhloKeywords("pipelining").start()) {
            for (Postfix postfix : List.of(plain, discarding)) {
                try (Wire wire = new Wire(postfix)) {
                    wire.reply();
                    String ehlo = wire.send("EHLO probe.test").getFirst();
                    if (postfix == plain) {
                        assertThat(ehlo).contains("\n250-PIPELINING\n");
                    } else {
                        assertThat(ehlo).doesNotContain("PIPELINING").contains("ENHANCEDSTATUSCODES");
                    }
                }
            }
        }
    }

    /**
     * What {@code smtpd_forbid_unauth_pipelining} does and does not catch in Postfix 3.7: commands
     * after EHLO in one write, and any pipelining in a HELO session, are answered with 554 and the
     * connection is closed; MAIL/RCPT/QUIT pipelined after an EHLO reply WITHOUT PIPELINING is not
     * noticed at all, so that case needs {@link Postfix.Builder#answerEhloAsHelo(boolean)}.
     */
    @Test
    void forbidUnauthPipeliningDisconnectsOnlyWhatPostfixCanTellIsUnauthorised() throws IOException {
        String[] transaction = {"MAIL FROM:<probe@client.test>", "RCPT TO:<alice@example.test>", "QUIT"};
        List<String> accepted = List.of("250 2.1.0 Ok", "250 2.1.5 Ok", "221 2.0.0 Bye");
        List<String> refused = List.of("554 5.5.0 Error: SMTP protocol synchronization", "EOF", "EOF");
        try (Postfix advertising = Postfix.builder().recipients("alice@example.test").forbidUnauthPipelining(true).start();
                Postfix withoutKeyword = Postfix.builder().recipients("alice@example.test").forbidUnauthPipelining(true)
                        .discardEhloKeywords("pipelining").start();
                Postfix helo = Postfix.builder().recipients("alice@example.test").forbidUnauthPipelining(true)
                        .answerEhloAsHelo(true).start()) {
            try (Wire wire = new Wire(advertising)) {
                wire.reply();
                wire.send("EHLO probe.test");
                assertThat(wire.send(transaction)).isEqualTo(accepted);
            }
            try (Wire wire = new Wire(advertising)) {
                wire.reply();
                // EHLO must end a pipelined group (RFC 2920 section 3.1)
                assertThat(wire.send("EHLO probe.test", "MAIL FROM:<probe@client.test>"))
                        .containsExactly("554 5.5.0 Error: SMTP protocol synchronization", "EOF");
            }
            try (Wire wire = new Wire(withoutKeyword)) {
                wire.reply();
                wire.send("EHLO probe.test");
                assertThat(wire.send(transaction)).as("Postfix does not police this").isEqualTo(accepted);
            }
            try (Wire wire = new Wire(helo)) {
                wire.reply();
                assertThat(wire.send("EHLO probe.test")).containsExactly("250 " + Postfix.HOSTNAME);
                assertThat(wire.send(transaction)).isEqualTo(refused);
            }

            assertThat(advertising.awaitLogSince(0, log -> log.contains("improper command pipelining"), LOG_WAIT))
                    .contains("improper command pipelining after EHLO from unknown[127.0.0.1]: MAIL FROM:<probe@client.test>\\r\\n")
                    .containsOnlyOnce("improper command pipelining");
            assertThat(withoutKeyword.awaitLogSince(0, log -> log.contains(" disconnect from "), LOG_WAIT))
                    .contains("discarding EHLO keywords: PIPELINING")
                    .contains(" ehlo=1 mail=1 rcpt=1 quit=1 commands=4")
                    .doesNotContain("improper command pipelining");
            assertThat(helo.awaitLogSince(0, log -> log.contains(" disconnect from "), LOG_WAIT))
                    .contains("replacing command \"EHLO probe.test\" with \"HELO probe.test\"")
                    .contains("improper command pipelining after MAIL from unknown[127.0.0.1]: RCPT TO:<alice@example.test>\\r\\nQUIT\\r\\n")
                    .contains(" disconnect from unknown[127.0.0.1] helo=1 mail=0/1 commands=1/2");
        }
    }

    @Test
    void closeStopsPostfix() {
        Postfix postfix = Postfix.builder().domains("example.test").start();
        assertThat(LoopbackPorts.accepts(postfix.host(), postfix.port(), Duration.ofSeconds(1))).isTrue();
        postfix.close();
        assertThat(LoopbackPorts.accepts(postfix.host(), postfix.port(), Duration.ofSeconds(1))).isFalse();
        assertThat(postfix.log()).isEmpty(); // its directory, log included, is gone
    }
}
