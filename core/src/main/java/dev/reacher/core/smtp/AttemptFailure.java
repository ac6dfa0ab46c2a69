package dev.reacher.core.smtp;

import java.io.IOException;
import java.util.List;

/**
 * An attempt that ended before or while connecting to the MX: the error to report, the MX host
 * that was being tried, what happened (blamed later, once, by {@link Blame}) and the better MX hosts
 * that could not be reached before it.
 */
final class AttemptFailure extends IOException {
    private static final long serialVersionUID = 1L;
    final transient SmtpError error;
    final transient Blame.Ending ending;
    final String host;
    final transient List<String> unreachable;

    AttemptFailure(SmtpError error, Blame.Ending ending, String host) {
        this(error, ending, host, List.of());
    }

    AttemptFailure(SmtpError error, Blame.Ending ending, String host, List<String> unreachable) {
        super(error.message());
        this.error = error;
        this.ending = ending;
        this.host = host;
        this.unreachable = List.copyOf(unreachable);
    }

    AttemptFailure withUnreachable(List<String> hosts) {
        return new AttemptFailure(error, ending, host, hosts);
    }
}
