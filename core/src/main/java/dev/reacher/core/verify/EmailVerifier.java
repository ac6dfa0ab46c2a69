package dev.reacher.core.verify;

import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.headless.HeadlessVerifier;
import dev.reacher.core.misc.MiscChecker;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.mx.MxResolver;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.proxy.PoolStateUnavailableException;
import dev.reacher.core.proxy.ProxyLimitExceededException;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.proxy.ProxyRouter;
import dev.reacher.core.smtp.CatchAllCache;
import dev.reacher.core.smtp.DestinationLimits;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.smtp.Rules;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.yahoo.YahooApi;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification pipeline, in upstream's order: syntax, MX lookup, misc checks, provider
 * detection, SMTP, verdict. Thread-safe and meant to be shared: build one per process and call
 * {@link #verify} from as many virtual threads as you like. It never throws for anything about
 * the address or the network; problems are reported inside the output.
 *
 * <pre>{@code
 * try (EmailVerifier verifier = EmailVerifier.create(DnsServers.system())) {
 *     CheckEmailOutput out = verifier.verify(CheckEmailInput.of("someone@example.com"));
 *     System.out.println(ReacherJson.write(out));
 * }
 * }</pre>
 */
public final class EmailVerifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmailVerifier.class);

    private final CheckPipeline pipeline;
    private final MiscChecker miscChecker;
    private final ProxyRouter router;
    private final ProviderMethods methods;
    private final DestinationLimits destinationLimits; // given by the builder, closed with the verifier
    private final CatchAllCache catchAllCache; // likewise

    private EmailVerifier(Builder b) {
        MxResolver mxResolver = b.mxResolver != null ? b.mxResolver : new MxResolver(b.dns);
        this.miscChecker = b.miscChecker != null ? b.miscChecker : new MiscChecker();
        this.destinationLimits = b.destinationLimits;
        this.catchAllCache = b.catchAllCache;
        SmtpVerifier smtpVerifier = b.smtpVerifier != null ? b.smtpVerifier
                : new SmtpVerifier(mxResolver::resolveHost, Rules.bundled(), new SecureRandom(), b.proxyDns, b.clock,
                        b.destinationLimits != null ? b.destinationLimits
                                : b.politeness == null ? DestinationLimits.unlimited()
                                : DestinationLimits.local(b.politeness, b.clock),
                        b.catchAllCache != null ? b.catchAllCache
                                : b.politeness == null ? CatchAllCache.none()
                                : CatchAllCache.local(b.politeness.catchAllTtl(), b.clock),
                        b.politeness == null ? 1 : b.politeness.maxRcptPerSession());
        this.router = new ProxyRouter(b.proxyPool);
        // Both are cheap until used: no browser session or connection is opened before a check needs one.
        this.methods = new ProviderMethods(smtpVerifier, router, new HeadlessVerifier(b.headlessSettings),
                b.yahooApi != null ? b.yahooApi : new YahooApi());
        this.pipeline = new CheckPipeline(mxResolver, miscChecker, methods);
    }

    /** The headless-browser checker of this verifier's settings (for readiness reports). */
    public HeadlessVerifier headless() {
        return methods.headless();
    }

    /** A verifier using the given DNS servers for MX and MX-host lookups, without a proxy pool. */
    public static EmailVerifier create(DnsServers dns) {
        return builder().dnsServers(dns).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The proxy pool, or null when none was configured. */
    public ProxyPool proxyPool() {
        return router.pool();
    }

    /**
     * Runs the whole pipeline for one input, waiting for proxy budget within the verification's
     * deadline if the pool has limits.
     *
     * @throws ProxyLimitExceededException when no proxy has budget before that deadline
     */
    public CheckEmailOutput verify(CheckEmailInput input) {
        return verify(input, LimitPolicy.WAIT);
    }

    /**
     * Runs the whole pipeline for one input.
     *
     * @param policy what to do when every usable proxy is over its rate limit or in-flight cap
     * @throws ProxyLimitExceededException with {@link LimitPolicy#FAIL} when no proxy has budget now,
     *     with {@link LimitPolicy#WAIT} when none has budget before the verification's deadline; never
     *     with {@link LimitPolicy#IGNORE}
     * @throws PoolStateUnavailableException when the pool's shared (fleet) state cannot be reached:
     *     nothing was verified, try again later
     */
    public CheckEmailOutput verify(CheckEmailInput input, LimitPolicy policy) {
        return verify(input, policy, Set.of());
    }

    /**
     * As {@link #verify(CheckEmailInput, LimitPolicy)}, with a pool rotation steered away from the
     * proxies in {@code avoidProxies} (by id) while another member is available: a second try of an
     * address that came out {@code unknown} goes through a different proxy.
     */
    public CheckEmailOutput verify(CheckEmailInput input, LimitPolicy policy, Set<String> avoidProxies) {
        return pipeline.verify(input, policy, avoidProxies, false);
    }

    /**
     * As {@link #verify(CheckEmailInput, LimitPolicy, Set)}, for an address of a bulk job: its SMTP
     * attempts may share a session with other addresses verified at the same time that are bound
     * for the same MX hosts through the same proxy ({@code max_rcpt_per_session} of the
     * {@linkplain Builder#politeness politeness}). The output is the one {@link #verify} would give;
     * {@code debug.smtp.attempts[].shared_session} says where the address was in a shared session.
     * Single checks ({@code /v0}, {@code /v1/check_email}) keep a session per request.
     */
    public CheckEmailOutput verifyInBulk(CheckEmailInput input, LimitPolicy policy, Set<String> avoidProxies) {
        return pipeline.verify(input, policy, avoidProxies, true);
    }

    @Override
    public void close() {
        methods.close();
        miscChecker.close();
        closeIfCloseable(catchAllCache);
        closeIfCloseable(destinationLimits);
    }

    private static void closeIfCloseable(Object part) {
        if (part instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
    }

    /** Assembles a verifier; every part is optional. */
    public static final class Builder {
        private DnsServers dns = DnsServers.system();
        private MxResolver mxResolver;
        private MiscChecker miscChecker;
        private SmtpVerifier smtpVerifier;
        private ProxyPool proxyPool;
        private SmtpVerifier.ProxyDns proxyDns = SmtpVerifier.ProxyDns.REMOTE;
        private Clock clock = Clock.systemUTC();
        private HeadlessSettings headlessSettings = HeadlessSettings.defaults();
        private YahooApi yahooApi;
        private Politeness politeness;
        private DestinationLimits destinationLimits;
        private CatchAllCache catchAllCache;

        private Builder() {}

        /**
         * Sessions per destination, spacing of new sessions and the catch-all cache, counted in this
         * process. Unset, the library behaves as upstream: no limit, a probe in every session. The
         * server passes its {@code [smtp_politeness]} ({@link Politeness#DEFAULTS} unless configured).
         */
        public Builder politeness(Politeness politeness) {
            this.politeness = Objects.requireNonNull(politeness);
            return this;
        }

        /**
         * Session slots from elsewhere (e.g. shared by a fleet) instead of this process's own. When
         * they are {@link AutoCloseable}, closing the verifier closes them.
         */
        public Builder destinationLimits(DestinationLimits limits) {
            this.destinationLimits = limits;
            return this;
        }

        /**
         * Catch-all answers from elsewhere (e.g. shared by a fleet) instead of this process's own.
         * When it is {@link AutoCloseable}, closing the verifier closes it.
         */
        public Builder catchAllCache(CatchAllCache cache) {
            this.catchAllCache = cache;
            return this;
        }

        /**
         * The clock the SMTP step reads its deadlines on (default: the system clock). The proxy
         * pool has its own, given to {@link ProxyPool#create}; tests pass the same one to both.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Who resolves MX names for proxied connections (default: the proxy, as upstream). */
        public Builder proxyDns(SmtpVerifier.ProxyDns mode) {
            this.proxyDns = Objects.requireNonNull(mode);
            return this;
        }

        /** DNS servers for MX and MX-host lookups (default: the system resolvers). */
        public Builder dnsServers(DnsServers servers) {
            this.dns = Objects.requireNonNull(servers);
            return this;
        }

        public Builder mxResolver(MxResolver resolver) {
            this.mxResolver = resolver;
            return this;
        }

        /** Gravatar/HaveIBeenPwned client (default: the public services, 5 s/10 s timeouts). */
        public Builder miscChecker(MiscChecker checker) {
            this.miscChecker = checker;
            return this;
        }

        public Builder smtpVerifier(SmtpVerifier verifier) {
            this.smtpVerifier = verifier;
            return this;
        }

        /**
         * The headless-browser checks (Hotmail B2C, Yahoo): WebDriver, session pool, pages. An
         * input whose {@code webdriver_addr} or {@code webdriver_config.binary} differ gets its own
         * pool with these settings otherwise.
         */
        public Builder headless(HeadlessSettings settings) {
            this.headlessSettings = Objects.requireNonNull(settings);
            return this;
        }

        /** Yahoo's sign-up API client (default: Yahoo's real endpoints, 5 s/10 s timeouts). */
        public Builder yahooApi(YahooApi api) {
            this.yahooApi = api;
            return this;
        }

        /** The process-wide proxy pool: rotation, failover, health and limits. */
        public Builder proxyPool(ProxyPool pool) {
            this.proxyPool = pool;
            return this;
        }

        public EmailVerifier build() {
            return new EmailVerifier(this);
        }
    }
}
