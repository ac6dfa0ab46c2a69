package dev.reacher.core.smtp;

import java.time.Duration;
import java.time.Instant;

/**
 * Where each SMTP attempt of one verification goes. A fixed route for plain use; the proxy pool's
 * route plan rotates, fails over and learns from each attempt's outcome.
 */
public interface AttemptRoutes {

    /**
     * The route for the next attempt.
     *
     * @param failover true when the previous attempt failed because of its proxy (fault or
     *     blacklist) and another proxy is wanted
     * @param deadline the verification's overall deadline (waiting for budget must not pass it)
     */
    Next next(boolean failover, Instant deadline);

    /** How the attempt on the last route returned by {@link #next} ended; called once per attempt. */
    void report(SmtpAttempt.Outcome outcome, Duration duration);

    /**
     * As {@link #report(SmtpAttempt.Outcome, Duration)}, with the attempt's error text (null after a
     * verdict), so that the pool can say why it ejects or backs off a proxy.
     */
    default void report(SmtpAttempt.Outcome outcome, Duration duration, String error) {
        report(outcome, duration);
    }

    /** Attempts that may go to another proxy after proxy faults or blacklist replies (1 = no failover). */
    int maxAttempts();

    /** Whether a blacklist reply is retried through another proxy. */
    boolean retryOnBlacklist();

    /**
     * One attempt's route and the identity to use through it, or the error that ends the
     * verification (e.g. all proxies unavailable).
     */
    record Next(SmtpRoute route, String helloName, String fromEmail, SmtpError error) {
        public static Next of(SmtpRoute route) {
            return new Next(route, null, null, null);
        }

        public static Next failed(SmtpError error) {
            return new Next(null, null, null, error);
        }

        /** The SMTP config of an attempt on this route: the proxy's identity, and its id as {@code proxy}. */
        public SmtpConfig configFor(SmtpConfig config) {
            return config.withProxyIdentity(helloName, fromEmail).withProxy(route.proxyId());
        }
    }

    /** Always the same route, no failover: upstream's behaviour. */
    static AttemptRoutes fixed(SmtpRoute route) {
        return fixed(Next.of(route));
    }

    /** Always the same route and identity, no failover. */
    static AttemptRoutes fixed(Next next) {
        return new AttemptRoutes() {
            @Override
            public Next next(boolean failover, Instant deadline) {
                return next;
            }

            @Override
            public void report(SmtpAttempt.Outcome outcome, Duration duration) {}

            @Override
            public int maxAttempts() {
                return 1;
            }

            @Override
            public boolean retryOnBlacklist() {
                return false;
            }
        };
    }
}
