package dev.reacher.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScriptedSmtpServerTest {

    @Test
    void recordsEachSessionsPeerAndCommandsByDefault() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            smtp.onRcpt("alice@example.test", ScriptedSmtpServer.Reply.lines("250 2.1.5 Ok"));
            assertThat(converse(smtp, "127.0.0.12", "alice@example.test")).endsWith("250 2.1.5 Ok", "221 2.0.0 Bye");

            assertThat(smtp.sessions()).singleElement().satisfies(s -> {
                assertThat(s.peer().getHostAddress()).isEqualTo("127.0.0.12");
                assertThat(s.commands()).containsExactly("EHLO client.test", "MAIL FROM:<me@client.test>",
                        "RCPT TO:<alice@example.test>", "QUIT");
            });
            assertThat(smtp.recipients()).containsExactly("alice@example.test");
            assertThat(smtp.commandCountsByVerb()).containsExactly(Map.entry("EHLO", 1L), Map.entry("MAIL", 1L),
                    Map.entry("QUIT", 1L), Map.entry("RCPT", 1L));
        }
    }

    @Test
    void withoutRecordingCountsSessionsAndCommandsAndRefusesToListThem() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().recordSessions(false)) {
            converse(smtp, "127.0.0.12", "nobody@example.test");
            converse(smtp, "127.0.0.12", "alice@example.test");
            converse(smtp, "127.0.0.13", "bob@example.test");

            assertThat(smtp.sessionCountsByPeer()).containsExactly(
                    Map.entry(InetAddress.getByName("127.0.0.12"), 2L),
                    Map.entry(InetAddress.getByName("127.0.0.13"), 1L));
            assertThat(smtp.commandCountsByVerb()).containsExactly(Map.entry("EHLO", 3L), Map.entry("MAIL", 3L),
                    Map.entry("QUIT", 3L), Map.entry("RCPT", 3L));
            // A test that asked for records it turned off would otherwise read "no sessions" as a result.
            assertThatThrownBy(smtp::sessions).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("recordSessions(false)");
            assertThatThrownBy(smtp::peers).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(smtp::recipients).isInstanceOf(IllegalStateException.class);
        }
    }

    /** One session from {@code from}: EHLO, MAIL, one RCPT, QUIT, one command at a time; the replies' last lines. */
    private static List<String> converse(ScriptedSmtpServer smtp, String from, String rcpt) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress(smtp.address(), smtp.port()), 5_000);
            socket.setSoTimeout(5_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            List<String> replies = new java.util.ArrayList<>();
            replies.add(lastLine(in));
            for (String command : List.of("EHLO client.test", "MAIL FROM:<me@client.test>", "RCPT TO:<" + rcpt + ">",
                    "QUIT")) {
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                replies.add(lastLine(in));
            }
            return replies;
        }
    }

    private static String lastLine(BufferedReader in) throws Exception {
        String line;
        while ((line = in.readLine()) != null && line.length() > 3 && line.charAt(3) == '-') {
            // a continuation line of a multi-line reply
        }
        return line;
    }
}
