package dev.reacher.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * RFC 2920 PIPELINING: held commands go out together only when the server's EHLO offers it. The
 * peers here answer a group only once all of it has arrived, so a client that waited for each reply
 * would time out; and a peer without the keyword checks that nothing arrives before its reply.
 */
class PipeliningTest {
    private static final String MX = "mx.example.test.";

    private static SmtpOutcome verify(int port, String email, String domain) {
        SmtpVerifier verifier = new SmtpVerifier(host -> List.of(InetAddress.getLoopbackAddress()),
                Rules.bundled(), new Random(7));
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, port, Duration.ofSeconds(3), 1);
        return verifier.verify(new SmtpRequest(email, domain, List.of(MX), config));
    }

    @Test
    void theKeywordIsFoundInAnyCaseButNotInTheServerNameOrAsAPrefix() {
        assertThat(SmtpSession.offersPipelining(new SmtpReply(250, List.of("mx.test", "SIZE 1000", "pipelining"))))
                .isTrue();
        assertThat(SmtpSession.offersPipelining(new SmtpReply(250, List.of("mx.test", "PIPELINING ")))).isTrue();
        assertThat(SmtpSession.offersPipelining(new SmtpReply(250, List.of("PIPELINING")))).isFalse();
        assertThat(SmtpSession.offersPipelining(new SmtpReply(250, List.of("mx.test", "PIPELININGX")))).isFalse();
        assertThat(SmtpSession.offersPipelining(new SmtpReply(250, List.of("mx.test", "8BITMIME")))).isFalse();
    }

    @Test
    void mailFromAndTheProbeGoTogetherThenTheAddressAndQuit() throws Exception {
        try (GroupPeer peer = GroupPeer.start(true, 2, 2)) {
            SmtpOutcome out = verify(peer.port(), "alice@example.test", "example.test");
            assertThat(out.error()).isNull();
            assertThat(out.details().isDeliverable()).isTrue();
            assertThat(peer.groups()).hasSize(2);
            assertThat(peer.groups().get(0)).hasSize(2).first().isEqualTo("MAIL FROM:<probe@client.test>");
            assertThat(peer.groups().get(0).get(1)).matches("RCPT TO:<[A-Za-z0-9]{15}@example\\.test>");
            assertThat(peer.groups().get(1)).containsExactly("RCPT TO:<alice@example.test>", "QUIT");
        }
    }

    @Test
    void withoutAProbeTheWholeTransactionIsOneWrite() throws Exception {
        // The bundled rules skip the catch-all probe for gmail.com.
        try (GroupPeer peer = GroupPeer.start(true, 3)) {
            SmtpOutcome out = verify(peer.port(), "alice@gmail.com", "gmail.com");
            assertThat(out.error()).isNull();
            assertThat(out.details().isDeliverable()).isTrue();
            assertThat(peer.groups()).containsExactly(
                    List.of("MAIL FROM:<probe@client.test>", "RCPT TO:<alice@gmail.com>", "QUIT"));
        }
    }

    @Test
    void aServerWithoutTheKeywordGetsOneCommandAtATime() throws Exception {
        try (GroupPeer peer = GroupPeer.start(false, 1, 1, 1, 1)) {
            SmtpOutcome out = verify(peer.port(), "alice@example.test", "example.test");
            assertThat(out.error()).isNull();
            assertThat(out.details().isDeliverable()).isTrue();
            assertThat(peer.groups()).hasSize(4).allSatisfy(g -> assertThat(g).hasSize(1));
            assertThat(peer.early()).as("commands sent before the previous reply").isEmpty();
        }
    }

    @Test
    void aRefusedMailFromIsTheErrorAndTheOwedRepliesAreReadBeforeQuit() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            smtp.onMail(Reply.lines("553 5.7.1 Sender address rejected"));
            SmtpOutcome out = verify(smtp.port(), "alice@gmail.com", "gmail.com");
            assertThat(out.details()).isNull();
            assertThat(out.error().message()).isEqualTo("permanent: 5.7.1 Sender address rejected");
            // RCPT went out in the same write (the server says 503 to it); QUIT was still sent once.
            assertThat(smtp.sessions().get(0).commands()).containsExactly("EHLO probe.test",
                    "MAIL FROM:<probe@client.test>", "RCPT TO:<alice@gmail.com>", "QUIT");
        }
    }

    /**
     * An SMTP peer that expects the client's commands after EHLO in groups of the given sizes and
     * answers a group only when all of its lines have arrived; it records each group. Without
     * PIPELINING it also records any command that arrived before the reply to the previous one.
     */
    private static final class GroupPeer implements AutoCloseable {
        private final ServerSocket server;
        private final boolean pipelining;
        private final int[] sizes;
        private final List<List<String>> groups = new CopyOnWriteArrayList<>();
        private final List<String> early = new CopyOnWriteArrayList<>();
        private final Thread thread;

        private GroupPeer(ServerSocket server, boolean pipelining, int[] sizes) {
            this.server = server;
            this.pipelining = pipelining;
            this.sizes = sizes;
            this.thread = Thread.ofVirtual().start(this::serveOne);
        }

        static GroupPeer start(boolean pipelining, int... sizes) throws IOException {
            ServerSocket ss = new ServerSocket();
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new GroupPeer(ss, pipelining, sizes);
        }

        int port() {
            return server.getLocalPort();
        }

        List<List<String>> groups() {
            return groups;
        }

        List<String> early() {
            return early;
        }

        private void serveOne() {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                write(out, "220 mx.example.test ESMTP\r\n");
                readLine(in); // EHLO
                write(out, pipelining ? "250-mx.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                        : "250-mx.example.test\r\n250 8BITMIME\r\n");
                for (int size : sizes) {
                    List<String> group = new ArrayList<>();
                    StringBuilder replies = new StringBuilder();
                    for (int i = 0; i < size; i++) {
                        String line = readLine(in);
                        if (line == null) {
                            return;
                        }
                        group.add(line);
                        replies.append(reply(line));
                    }
                    groups.add(group);
                    if (!pipelining) {
                        Thread.sleep(100); // a client that pipelines anyway has sent more by now
                        if (in.available() > 0) {
                            early.add(group.getLast());
                        }
                    }
                    write(out, replies.toString());
                }
            } catch (IOException | InterruptedException e) {
                // the client went away: the test's assertions say what was missing
            }
        }

        private static String reply(String line) {
            if (line.startsWith("MAIL")) {
                return "250 2.1.0 Ok\r\n";
            }
            if (line.equals("RCPT TO:<alice@example.test>") || line.equals("RCPT TO:<alice@gmail.com>")) {
                return "250 2.1.5 Ok\r\n";
            }
            if (line.startsWith("RCPT")) {
                return "550 5.1.1 User unknown\r\n";
            }
            return line.equals("QUIT") ? "221 2.0.0 Bye\r\n" : "502 5.5.2 Error\r\n";
        }

        private static void write(OutputStream out, String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    return line.toString(StandardCharsets.US_ASCII).stripTrailing();
                }
                line.write(b);
            }
            return null;
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(Duration.ofSeconds(5));
        }
    }
}
