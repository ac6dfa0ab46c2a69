package dev.reacher.core.verify;

import dev.reacher.core.misc.MiscChecker;
import dev.reacher.core.misc.MiscDetails;
import dev.reacher.core.misc.MiscOptions;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.mx.MxDetails;
import dev.reacher.core.mx.MxLookup;
import dev.reacher.core.mx.MxRecord;
import dev.reacher.core.mx.MxResolver;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.ProxyConfig;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpDetails;
import dev.reacher.core.smtp.SmtpError;
import dev.reacher.core.smtp.SmtpOutcome;
import dev.reacher.core.smtp.SmtpRequest;
import dev.reacher.core.smtp.SmtpRoute;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.syntax.ProviderSuggestion;
import dev.reacher.core.syntax.SyntaxCheck;
import dev.reacher.core.syntax.SyntaxDetails;
import dev.reacher.core.verify.DebugDetails.SmtpDebug;
import dev.reacher.core.verify.DebugDetails.UsedMethod;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification pipeline (reacher-core.md §1): syntax, MX lookup, misc checks, provider
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

    private final MxResolver mxResolver;
    private final MiscChecker miscChecker;
    private final SmtpVerifier smtpVerifier;

    public EmailVerifier(MxResolver mxResolver, MiscChecker miscChecker, SmtpVerifier smtpVerifier) {
        this.mxResolver = Objects.requireNonNull(mxResolver, "mxResolver");
        this.miscChecker = Objects.requireNonNull(miscChecker, "miscChecker");
        this.smtpVerifier = Objects.requireNonNull(smtpVerifier, "smtpVerifier");
    }

    /** A verifier using the given DNS servers for MX and MX-host lookups. */
    public static EmailVerifier create(DnsServers dns) {
        MxResolver mx = new MxResolver(dns);
        return new EmailVerifier(mx, new MiscChecker(), new SmtpVerifier(mx::resolveHost));
    }

    /** Runs the whole pipeline for one input. */
    public CheckEmailOutput verify(CheckEmailInput input) {
        Instant start = Instant.now();
        try {
            return run(input, start);
        } catch (RuntimeException e) {
            // A bug must not take a verification down with it: report it as an unknown result.
            LOG.error("verification of {} failed unexpectedly", input.toEmail(), e);
            return new CheckEmailOutput(input.toEmail(), Reachable.UNKNOWN, MiscDetails.defaults(),
                    MxDetails.defaults(), null, SmtpError.unsupported(SmtpError.Type.ANYHOW, "internal error: " + e),
                    SyntaxCheck.check(input.toEmail()),
                    DebugDetails.of(input.backendName(), start, Instant.now(), SmtpDebug.skipped()));
        }
    }

    private CheckEmailOutput run(CheckEmailInput input, Instant start) {
        String email = input.toEmail();
        SyntaxDetails syntax = SyntaxCheck.check(email);
        if (!syntax.isValidSyntax()) {
            return early(input, Reachable.INVALID, MxDetails.defaults(), syntax, start);
        }

        MxLookup lookup = mxResolver.lookupMx(syntax.domain());
        List<MxRecord> records;
        switch (lookup) {
            case MxLookup.Failed failed -> {
                return early(input, Reachable.UNKNOWN, MxDetails.of(lookup), withSuggestion(syntax), start);
            }
            case MxLookup.NoRecords none -> {
                return early(input, Reachable.INVALID, MxDetails.of(lookup), withSuggestion(syntax), start);
            }
            case MxLookup.NullMx nullMx -> {
                // RFC 7505: the domain states that it accepts no mail. Upstream tried to connect to "".
                return early(input, Reachable.INVALID, MxDetails.of(lookup), withSuggestion(syntax), start);
            }
            case MxLookup.Found found -> records = found.byPreference();
        }
        MxDetails mx = MxDetails.of(lookup);

        MiscDetails misc = miscChecker.check(syntax,
                new MiscOptions(input.checkGravatar(), input.haveibeenpwnedApiKey()));

        List<String> hosts = records.stream().map(MxRecord::exchange).filter(h -> !".".equals(h)).toList();
        String bestHost = hosts.get(0);
        Provider provider = Provider.fromMxHost(bestHost);
        ProviderMethod method = input.verifMethod().method(provider);

        SmtpDetails details;
        SmtpError error;
        SmtpDebug smtpDebug;
        switch (method) {
            case ProviderMethod.Smtp smtp -> {
                SmtpConfig config = smtp.config();
                SmtpRoute route = route(input.verifMethod(), config);
                SmtpOutcome outcome = smtpVerifier.verify(new SmtpRequest(email, syntax.domain(), hosts, config, route));
                details = outcome.details();
                error = outcome.error();
                smtpDebug = new SmtpDebug(new UsedMethod.Smtp(outcome.host(), config), outcome.attempts());
            }
            case ProviderMethod.Headless headless -> {
                details = null;
                error = SmtpError.unsupported(SmtpError.Type.HEADLESS, unsupportedMessage(provider, "headless"));
                smtpDebug = new SmtpDebug(new UsedMethod.Headless(), List.of());
            }
            case ProviderMethod.Api api -> {
                details = null;
                error = SmtpError.unsupported(SmtpError.Type.YAHOO, unsupportedMessage(provider, "api"));
                smtpDebug = new SmtpDebug(new UsedMethod.Api(), List.of());
            }
        }

        if (error != null) {
            syntax = withSuggestion(syntax);
        }
        Reachable reachable = reachable(misc, details, error);
        DebugDetails debug = DebugDetails.of(input.backendName(), start, Instant.now(), smtpDebug);
        return new CheckEmailOutput(email, reachable, misc, mx, details, error, syntax, debug);
    }

    /** The proxy named by the provider's SMTP config, or a direct connection. */
    private static SmtpRoute route(VerifMethod method, SmtpConfig config) {
        if (config.proxy() == null) {
            return SmtpRoute.direct();
        }
        ProxyConfig proxy = method.proxies().get(config.proxy());
        // VerifMethod rejects unknown ids at construction, so a missing proxy cannot happen here.
        return SmtpRoute.via(config.proxy(), Objects.requireNonNull(proxy, config.proxy()));
    }

    /** reacher-core.md §3, evaluated top-down. */
    static Reachable reachable(MiscDetails misc, SmtpDetails smtp, SmtpError error) {
        if (error != null) {
            return Reachable.UNKNOWN;
        }
        if (misc.isDisposable() || misc.isRoleAccount() || smtp.isCatchAll() || smtp.hasFullInbox()) {
            return Reachable.RISKY;
        }
        if (!smtp.isDeliverable() || !smtp.canConnectSmtp() || smtp.isDisabled()) {
            return Reachable.INVALID;
        }
        return Reachable.SAFE;
    }

    private static SyntaxDetails withSuggestion(SyntaxDetails syntax) {
        return syntax.withSuggestion(ProviderSuggestion.suggest(syntax));
    }

    /** Rows A–C of reacher-core.md §1.1; unlike upstream, the input's backend name is kept. */
    private static CheckEmailOutput early(CheckEmailInput input, Reachable reachable, MxDetails mx,
            SyntaxDetails syntax, Instant start) {
        return new CheckEmailOutput(input.toEmail(), reachable, MiscDetails.defaults(), mx, SmtpDetails.defaults(),
                null, syntax, DebugDetails.of(input.backendName(), start, Instant.now(), SmtpDebug.skipped()));
    }

    private static String unsupportedMessage(Provider provider, String tag) {
        return "the `" + tag + "` method is not supported by reacher-java yet; set overrides." + provider.key()
                + ".type = \"smtp\" (RCH__OVERRIDES__" + provider.key().toUpperCase(java.util.Locale.ROOT)
                + "__TYPE=smtp) to verify " + provider.displayName() + " addresses over SMTP";
    }

    @Override
    public void close() {
        miscChecker.close();
    }
}
