package dev.reacher.core.verify;

import dev.reacher.core.headless.HeadlessException;
import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.headless.HeadlessVerifier;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.proxy.ProxyRouter;
import dev.reacher.core.smtp.AttemptRoutes;
import dev.reacher.core.smtp.SmtpAttempt;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpDetails;
import dev.reacher.core.smtp.SmtpError;
import dev.reacher.core.smtp.SmtpOutcome;
import dev.reacher.core.smtp.SmtpRequest;
import dev.reacher.core.smtp.SmtpRoute;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.verify.DebugDetails.SmtpDebug;
import dev.reacher.core.verify.DebugDetails.UsedMethod;
import dev.reacher.core.yahoo.YahooApi;
import dev.reacher.core.yahoo.YahooException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The step after the MX lookup: asking the mailbox provider, by the method the input chose for it
 * ({@link ProviderMethod}): an SMTP conversation through the pool's routes, a headless browser on
 * the provider's recovery page, or Yahoo's sign-up API. Each returns details or an error, and the
 * {@code debug.smtp} block.
 */
final class ProviderMethods implements AutoCloseable {
    private final SmtpVerifier smtpVerifier;
    private final ProxyRouter router;
    private final HeadlessVerifier headless;
    /** Browsers for inputs that name another WebDriver or binary than the settings (rare: library use). */
    private final Map<HeadlessSettings, HeadlessVerifier> otherHeadless = new ConcurrentHashMap<>();
    private final YahooApi yahooApi;

    ProviderMethods(SmtpVerifier smtpVerifier, ProxyRouter router, HeadlessVerifier headless, YahooApi yahooApi) {
        this.smtpVerifier = smtpVerifier;
        this.router = router;
        this.headless = headless;
        this.yahooApi = yahooApi;
    }

    /** What a method found: details or error, and the debug block. */
    record MethodResult(SmtpDetails details, SmtpError error, SmtpDebug debug) {}

    HeadlessVerifier headless() {
        return headless;
    }

    /**
     * Runs {@code method} for the input's address.
     *
     * @param hosts the MX hosts by preference (never empty)
     * @param shareSessions a bulk address: its SMTP attempts may share a session with others
     *     ({@link SmtpVerifier#verifyShared})
     */
    MethodResult run(ProviderMethod method, CheckEmailInput input, String domain, List<String> hosts,
            Provider provider, LimitPolicy policy, Set<String> avoidProxies, boolean shareSessions) {
        return switch (method) {
            case ProviderMethod.Smtp smtp -> smtp(smtp.config(), input, domain, hosts, provider, policy, avoidProxies,
                    shareSessions);
            case ProviderMethod.Headless h -> headless(input, provider, domain, policy, avoidProxies);
            case ProviderMethod.Api api -> yahooApi(input.toEmail());
        };
    }

    private MethodResult smtp(SmtpConfig config, CheckEmailInput input, String domain, List<String> hosts,
            Provider provider, LimitPolicy policy, Set<String> avoidProxies, boolean shareSessions) {
        AttemptRoutes routes = router.plan(config.proxy(), input.verifMethod().proxies(), provider, domain, policy,
                avoidProxies, hosts.get(0));
        SmtpRequest request = new SmtpRequest(input.toEmail(), domain, hosts, config);
        SmtpOutcome outcome = shareSessions ? smtpVerifier.verifyShared(request, routes)
                : smtpVerifier.verify(request, routes);
        return new MethodResult(outcome.details(), outcome.error(),
                new SmtpDebug(new UsedMethod.Smtp(outcome.host(), outcome.used()), outcome.attempts()));
    }

    /**
     * A browser session through the pool's next member that can carry one (or direct without a
     * pool), reported to the pool like an SMTP attempt. Never retried here: the page flow makes its
     * own attempts.
     */
    private MethodResult headless(CheckEmailInput input, Provider provider, String domain, LimitPolicy policy,
            Set<String> avoidProxies) {
        HeadlessVerifier browser = headlessFor(input);
        AttemptRoutes routes = router.planHeadless(provider, domain, policy, avoidProxies);
        AttemptRoutes.Next next = routes.next(false, Instant.now().plus(browser.settings().checkTimeout()));
        if (next.error() != null) {
            return new MethodResult(null, next.error(), new SmtpDebug(new UsedMethod.Headless(null), List.of()));
        }
        SmtpRoute route = next.route();
        String socks = route.isDirect() ? null : route.proxy().host() + ":" + route.proxy().port();
        long t0 = System.nanoTime();
        SmtpDetails details = null;
        SmtpError error = null;
        SmtpAttempt.Outcome outcome = SmtpAttempt.Outcome.VERDICT;
        try {
            details = provider == Provider.YAHOO ? browser.checkYahoo(input.toEmail(), socks)
                    : browser.checkHotmail(input.toEmail(), socks);
        } catch (HeadlessException e) {
            error = SmtpError.headless(e.variant(), e.getMessage());
            outcome = e.isProxyFault() ? SmtpAttempt.Outcome.PROXY_FAULT : SmtpAttempt.Outcome.TARGET_FAULT;
        }
        routes.report(outcome, Duration.ofNanos(System.nanoTime() - t0));
        return new MethodResult(details, error, new SmtpDebug(new UsedMethod.Headless(route.proxyId()), List.of()));
    }

    /** The browser pool for the input's WebDriver and binary (upstream takes both from the input). */
    private HeadlessVerifier headlessFor(CheckEmailInput input) {
        HeadlessSettings base = headless.settings();
        String binary = input.webdriverConfig().binary();
        URI addr = URI.create(input.webdriverAddr());
        if (addr.equals(base.webdriverAddr()) && Objects.equals(binary, base.binary())) {
            return headless;
        }
        return otherHeadless.computeIfAbsent(base.withWebdriverAddr(addr).withBinary(binary), HeadlessVerifier::new);
    }

    private MethodResult yahooApi(String email) {
        SmtpDebug debug = new SmtpDebug(new UsedMethod.Api(), List.of());
        try {
            return new MethodResult(yahooApi.check(email), null, debug);
        } catch (YahooException e) {
            return new MethodResult(null, SmtpError.yahoo(e.variant(), e.detail()), debug);
        }
    }

    @Override
    public void close() {
        headless.close();
        otherHeadless.values().forEach(HeadlessVerifier::close);
        yahooApi.close();
    }
}
