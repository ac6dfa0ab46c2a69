package dev.reacher.core.smtp;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SMTP replies with hard limits, because the peer may be hostile: each socket read is bounded
 * by the attempt deadline (a server trickling one byte per second still ends on time), a line may
 * not exceed {@link #MAX_LINE} bytes, a reply not {@link #MAX_LINES} lines. Text is decoded as
 * UTF-8 with replacement, so non-UTF-8 bytes never fail a verification.
 */
final class SmtpReplyReader {
    static final int MAX_LINE = 16 * 1024;
    static final int MAX_LINES = 256;

    private final Socket socket;
    private final InputStream in;
    private final byte[] buffer = new byte[1024];
    private int pos;
    private int limit;

    SmtpReplyReader(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /**
     * Reads one whole reply.
     *
     * @throws SocketTimeoutException when the deadline passes
     * @throws EOFException ("incomplete") when the peer closes before the reply is complete
     * @throws SmtpProtocolException when the bytes are not an SMTP reply
     */
    SmtpReply read(Instant deadline) throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine(deadline);
            if (line.length() < 3) {
                throw new SmtpProtocolException("invalid reply line `" + abbreviate(line) + "`");
            }
            int lineCode = parseCode(line);
            if (code == -1) {
                code = lineCode;
            } else if (code != lineCode) {
                throw new SmtpProtocolException("reply lines carry different codes " + code + " and " + lineCode);
            }
            char sep = line.length() > 3 ? line.charAt(3) : ' ';
            if (sep != ' ' && sep != '-') {
                throw new SmtpProtocolException("invalid reply line `" + abbreviate(line) + "`");
            }
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (sep == ' ') {
                return new SmtpReply(code, lines);
            }
            if (lines.size() >= MAX_LINES) {
                throw new SmtpProtocolException("reply longer than " + MAX_LINES + " lines");
            }
        }
    }

    private static int parseCode(String line) throws SmtpProtocolException {
        char a = line.charAt(0);
        char b = line.charAt(1);
        char c = line.charAt(2);
        if (a < '2' || a > '5' || b < '0' || b > '5' || c < '0' || c > '9') {
            throw new SmtpProtocolException("invalid reply code `" + abbreviate(line.substring(0, 3)) + "`");
        }
        return (a - '0') * 100 + (b - '0') * 10 + (c - '0');
    }

    /**
     * A line without its CRLF (a bare LF is tolerated). A line found whole in the buffer (the usual
     * case) becomes a String directly; one that spans reads is gathered first.
     */
    private String readLine(Instant deadline) throws IOException {
        ByteArrayOutputStream spanning = null;
        while (true) {
            if (pos == limit) {
                fill(deadline);
            }
            int start = pos;
            int lf = start;
            while (lf < limit && buffer[lf] != '\n') {
                lf++;
            }
            int gathered = spanning == null ? 0 : spanning.size();
            if (gathered + (lf - start) > MAX_LINE) {
                throw new SmtpProtocolException("reply line longer than " + MAX_LINE + " bytes");
            }
            if (lf == limit) {
                if (spanning == null) {
                    spanning = new ByteArrayOutputStream(Math.max(128, 2 * (lf - start)));
                }
                spanning.write(buffer, start, lf - start);
                pos = limit;
                continue;
            }
            pos = lf + 1;
            if (spanning == null) {
                int len = lf > start && buffer[lf - 1] == '\r' ? lf - start - 1 : lf - start;
                return new String(buffer, start, len, StandardCharsets.UTF_8);
            }
            spanning.write(buffer, start, lf - start);
            byte[] bytes = spanning.toByteArray();
            int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
            return new String(bytes, 0, len, StandardCharsets.UTF_8);
        }
    }

    private void fill(Instant deadline) throws IOException {
        long ms = Duration.between(Instant.now(), deadline).toMillis();
        if (ms <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        socket.setSoTimeout((int) Math.min(ms, Integer.MAX_VALUE));
        int n = in.read(buffer);
        if (n < 0) {
            throw new EOFException("incomplete");
        }
        pos = 0;
        limit = n;
    }

    private static String abbreviate(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "…" : printable;
    }
}
