package dev.reacher.core.smtp;

import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The SMTP step for one address: attempts, each on the route its {@link AttemptRoutes} hands out,
 * until a verdict, an error that is not retried, or the overall deadline. One attempt connects to
 * the MX ({@link MxConnector}), holds the conversation ({@link SmtpConversation}) and reports once
 * whom its ending counts against ({@link Blame}).
 *
 * <p>{@code retries} is the total number of attempts; as upstream, only errors without a
 * description are retried. Improvements over upstream, each documented in
 * {@code docs/compatibility.md}: every attempt has a deadline even without {@code smtp_timeout};
 * when the best MX cannot be reached the next one by preference is tried; a failing QUIT after a
 * verdict keeps the verdict; EHLO falls back to HELO. Never throws for anything the network does.
 */
public final class SmtpVerifier {
    private final Clock clock;
    private final AttemptRunner runner;
    private final DestinationLimits limits;
    private final SharedSessions shared; // null: every address in a session of its own

    /** Who resolves the MX host name when a connection goes through a SOCKS5 proxy. */
    public enum ProxyDns {
        /** The proxy does (SOCKS5 domain-name address type), as upstream: no DNS query leaves from here. */
        REMOTE,
        /** We do, with our resolver, and hand the proxy an IP address (for proxies without DNS). */
        LOCAL
    }

    public SmtpVerifier(HostResolver resolver) {
        this(resolver, Rules.bundled(), new SecureRandom(), ProxyDns.REMOTE);
    }

    public SmtpVerifier(HostResolver resolver, Rules rules, RandomGenerator random) {
        this(resolver, rules, random, ProxyDns.REMOTE);
    }

    public SmtpVerifier(HostResolver resolver, Rules rules, RandomGenerator random, ProxyDns proxyDns) {
        this(resolver, rules, random, proxyDns, Clock.systemUTC());
    }

    /** With the clock every deadline of the SMTP step is read on (tests drive time with their own). */
    public SmtpVerifier(HostResolver resolver, Rules rules, RandomGenerator random, ProxyDns proxyDns, Clock clock) {
        this(resolver, rules, random, proxyDns, clock, DestinationLimits.unlimited(), CatchAllCache.none());
    }

    /**
     * With per-destination session limits and a catch-all cache ({@link Politeness}); the
     * shorter constructors have neither, as upstream.
     */
    public SmtpVerifier(HostResolver resolver, Rules rules, RandomGenerator random, ProxyDns proxyDns, Clock clock,
            DestinationLimits limits, CatchAllCache catchAll) {
        this(resolver, rules, random, proxyDns, clock, limits, catchAll, 1);
    }

    /**
     * As the constructor above, with up to {@code maxRcptPerSession} addresses of
     * {@link #verifyShared} in one SMTP session (1: every address in a session of its own).
     */
    public SmtpVerifier(HostResolver resolver, Rules rules, RandomGenerator random, ProxyDns proxyDns, Clock clock,
            DestinationLimits limits, CatchAllCache catchAll, int maxRcptPerSession) {
        this.limits = Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(catchAll, "catchAll");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
        MxConnector connector = new MxConnector(Objects.requireNonNull(resolver, "resolver"),
                Objects.requireNonNull(proxyDns, "proxyDns"), clock);
        this.runner = new AttemptRunner(rules, random, clock, connector, catchAll);
        if (maxRcptPerSession < 1) {
            throw new IllegalArgumentException("max_rcpt_per_session must be at least 1, got " + maxRcptPerSession);
        }
        this.shared = maxRcptPerSession == 1 ? null : new SharedSessions(maxRcptPerSession,
                SharedSessions.DEFAULT_WINDOW, limits, new SharedConversation.Parts(rules, random, connector, clock, catchAll));
    }

    /** Verifies {@code request.toEmail()} over a direct connection; never throws. */
    public SmtpOutcome verify(SmtpRequest request) {
        return verify(request, AttemptRoutes.fixed(SmtpRoute.direct()));
    }

    /**
     * Verifies through the routes a plan hands out: {@code retries} attempts for failures without a
     * description (as upstream), plus failover to another proxy, up to {@link AttemptRoutes#maxAttempts},
     * when a proxy fails or is blacklisted. Never repeats a verdict. All attempts together stay
     * within one overall deadline.
     *
     * <p>Each attempt first takes a session slot for the destination of the best MX host
     * ({@link DestinationLimits}), before it leases a proxy (so a waiting address holds no proxy).
     * The wait for the first slot has no time limit: a busy destination delays a verification but
     * never turns it into {@code unknown} (every slot holder's session is bounded by its own
     * deadline and the queue is first come, first served, so the wait always ends). The attempts'
     * time starts once the slot is granted. Later attempts wait within the overall deadline; past
     * it, the previous attempt's result stands.
     */
    public SmtpOutcome verify(SmtpRequest request, AttemptRoutes routes) {
        return verify(request, routes, null);
    }

    /**
     * As {@link #verify(SmtpRequest, AttemptRoutes)}, for bulk: each attempt may share an SMTP
     * session with other addresses bound for the same MX hosts through the same route
     * ({@link SharedSessions}); the result is the one a session of its own would give, with
     * {@code shared_session} in its attempt. Each attempt still takes its own route (and proxy
     * budget) from {@code routes} and reports its own outcome; the session's runner takes the
     * destination's slot. Without sessions to share ({@code max_rcpt_per_session} 1), exactly
     * {@link #verify(SmtpRequest, AttemptRoutes)}.
     */
    public SmtpOutcome verifyShared(SmtpRequest request, AttemptRoutes routes) {
        return verify(request, routes, shared);
    }

    private SmtpOutcome verify(SmtpRequest request, AttemptRoutes routes, SharedSessions sessions) {
        SmtpConfig config = request.config();
        int retriesLeft = config.attempts() - 1;
        int failoversLeft = routes.maxAttempts() - 1;
        Duration overall = runner.limit(request).multipliedBy(config.attempts() + failoversLeft);
        Instant deadline = clock.instant().plus(overall);
        String destination = DestinationLimits.of(request.mxHosts().get(0));
        List<SmtpAttempt> attempts = new ArrayList<>();
        SmtpConfig used = config;
        AttemptResult last = null;
        boolean failover = false;
        while (true) {
            // A shared attempt's slot is its session runner's.
            DestinationLimits.Slot slot = sessions != null ? NO_SLOT
                    : slot(destination, last == null ? Instant.MAX : deadline);
            if (slot == null) {
                if (last == null) { // only on interrupt
                    return new SmtpOutcome(null, SmtpError.io("interrupted while waiting for a session slot for "
                            + destination), request.mxHosts().get(0), attempts, used);
                }
                break;
            }
            try (slot) {
                if (last == null) {
                    deadline = clock.instant().plus(overall); // the wait for the first slot is not the attempts' time
                }
                AttemptRoutes.Next next = routes.next(failover, deadline);
                if (next.error() != null) {
                    if (last == null || last.outcome == Outcome.PROXY_FAULT || last.outcome == Outcome.IP_BLACKLISTED) {
                        return new SmtpOutcome(null, next.error(), last == null ? request.mxHosts().get(0) : last.host,
                                attempts, used);
                    }
                    break;
                }
                used = next.configFor(config);
                boolean first = last == null;
                last = sessions != null ? sharedAttempt(sessions, request.withConfig(used), next.route(), destination)
                        : attempt(request.withConfig(used), next.route());
                if (first && sessions != null) {
                    deadline = clock.instant().minus(last.duration).plus(overall); // as for the first slot's wait
                }
                routes.report(last.outcome, last.duration, last.errorText());
                attempts.add(last.toAttempt(next.route()));
            }
            if (last.details != null || !clock.instant().isBefore(deadline)) {
                break;
            }
            boolean proxyToBlame = last.outcome == Outcome.PROXY_FAULT
                    || (last.outcome == Outcome.IP_BLACKLISTED && routes.retryOnBlacklist());
            if (proxyToBlame && failoversLeft > 0) {
                failoversLeft--;
                failover = true;
            } else if (!proxyToBlame && last.error.retryable() && retriesLeft > 0) {
                retriesLeft--;
                failover = false;
            } else {
                break;
            }
        }
        return new SmtpOutcome(last.details, last.error, last.host, attempts, used);
    }

    private static final DestinationLimits.Slot NO_SLOT = () -> { };

    /**
     * One attempt in a shared session; when it must run alone (see {@link SharedSessions}), in a
     * session of its own with its own slot, waited for as long as it takes.
     */
    private AttemptResult sharedAttempt(SharedSessions sessions, SmtpRequest request, SmtpRoute route,
            String destination) {
        AttemptResult result = sessions.attempt(request, route, runner.limit(request));
        if (result != null) {
            return result;
        }
        DestinationLimits.Slot slot = slot(destination, Instant.MAX);
        if (slot == null) {
            return new AttemptResult(null, SmtpError.io("interrupted while waiting for a session slot for "
                    + destination), request.mxHosts().get(0), Outcome.TARGET_FAULT, Duration.ZERO, List.of(), false);
        }
        try (slot) {
            return attempt(request, route);
        }
    }

    /** A session slot for {@code destination}, or null when none frees up before {@code deadline} (or on interrupt). */
    private DestinationLimits.Slot slot(String destination, Instant deadline) {
        try {
            return limits.acquire(destination, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * One attempt through {@code route}, bounded by the attempt's time limit: connect to the best
     * reachable MX, hold the conversation, and classify the ending once. Never throws. Public so
     * that a caller choosing routes itself can run attempts one by one; such a caller takes the
     * destination's slot itself (only {@link #verify} does).
     */
    public AttemptResult attempt(SmtpRequest request, SmtpRoute route) {
        return runner.run(request, route);
    }

    /**
     * How one attempt ended.
     *
     * @param outcome whom the result counts against (drives proxy failover and health)
     * @param unreachableMx better-preference MX hosts that could not be reached first, with why
     * @param catchAllCached the domain's catch-all answer was reused instead of probed
     * @param sharedSession where the address was in a shared session; null for a session of its own
     */
    public record AttemptResult(SmtpDetails details, SmtpError error, String host, Outcome outcome, Duration duration,
            List<String> unreachableMx, boolean catchAllCached, SmtpAttempt.SharedSession sharedSession) {
        public AttemptResult {
            unreachableMx = List.copyOf(unreachableMx);
        }

        /** An attempt in a session of its own. */
        public AttemptResult(SmtpDetails details, SmtpError error, String host, Outcome outcome, Duration duration,
                List<String> unreachableMx, boolean catchAllCached) {
            this(details, error, host, outcome, duration, unreachableMx, catchAllCached, null);
        }

        SmtpAttempt toAttempt(SmtpRoute route) {
            return new SmtpAttempt(route.proxyId(), host, outcome, duration, errorText(), unreachableMx,
                    catchAllCached ? Boolean.TRUE : null, sharedSession);
        }

        /** The error as {@code debug.smtp.attempts[].error} shows it; null after a verdict. */
        String errorText() {
            return error == null ? null : error.type() == SmtpError.Type.TIMEOUT ? "timeout" : error.message();
        }
    }
}
