package dev.reacher.core.smtp;

import java.io.IOException;

/** The peer sent bytes that are not a valid SMTP reply (shown as {@code parsing: …}). */
final class SmtpProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    SmtpProtocolException(String message) {
        super(message);
    }
}
