package dev.reacher.core.smtp;

import dev.reacher.core.smtp.SmtpVerifier.AttemptResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP attempt through one route, bounded by the attempt's time limit: connect to the best
 * reachable MX ({@link MxConnector}), hold the conversation ({@link SmtpConversation}) and decide
 * once whom the ending counts against ({@link Blame}). Never throws. {@link SmtpVerifier} runs
 * attempts in its retry/failover loop.
 */
final class AttemptRunner {
    // SmtpVerifier's logger, as before the split: operators follow a check with it.
    private static final Logger LOG = LoggerFactory.getLogger(SmtpVerifier.class);
    /** Some providers answer slowly: their attempts get at least this long (rule {@code SmtpTimeout45s}). */
    private static final Duration RULE_45S = Duration.ofSeconds(45);

    private final Rules rules;
    private final RandomGenerator random;
    private final Clock clock;
    private final MxConnector connector;
    private final CatchAllCache catchAll;

    AttemptRunner(Rules rules, RandomGenerator random, Clock clock, MxConnector connector, CatchAllCache catchAll) {
        this.rules = rules;
        this.random = random;
        this.clock = clock;
        this.connector = connector;
        this.catchAll = catchAll;
    }

    AttemptResult run(SmtpRequest request, SmtpRoute route) {
        AttemptResult result = runOnce(request, route);
        if (LOG.isDebugEnabled()) {
            // RCH_LOG_LEVEL=debug: one line per attempt, for an operator following a check (no address, no credential)
            LOG.debug("SMTP {} port {} via {}: {} in {} ms ({})", result.host(), request.config().smtpPort(), route,
                    result.error() == null ? "answered" : result.error().message(), result.duration().toMillis(),
                    result.outcome());
        }
        return result;
    }

    private AttemptResult runOnce(SmtpRequest request, SmtpRoute route) {
        Instant start = clock.instant();
        Duration limit = limit(request);
        Instant deadline = start.plus(limit);
        MxConnector.Connected connected;
        try {
            connected = connector.open(request.mxHosts(), request.config().smtpPort(), route, deadline, limit);
        } catch (AttemptFailure f) {
            return new AttemptResult(null, f.error, f.host, Blame.of(f.ending), elapsed(start), f.unreachable, false);
        }
        SmtpConversation.Ended end = new SmtpConversation(rules,
                new SmtpSession(random, connector, clock, connected, route, catchAll)).run(request, deadline, limit);
        return new AttemptResult(end.details(), end.error(), connected.host(), Blame.of(end.ending()),
                elapsed(start), connected.unreachable(), end.catchAllCached());
    }

    /** The time one attempt may take: the configured attempt timeout, raised for slow providers. */
    Duration limit(SmtpRequest request) {
        Duration limit = request.config().attemptTimeout();
        if (rules.has(request.domain(), request.mxHosts().get(0), Rules.Rule.SmtpTimeout45s)
                && limit.compareTo(RULE_45S) < 0) {
            limit = RULE_45S;
        }
        return limit;
    }

    private Duration elapsed(Instant start) {
        Duration d = Duration.between(start, clock.instant());
        return d.isNegative() ? Duration.ZERO : d;
    }
}
