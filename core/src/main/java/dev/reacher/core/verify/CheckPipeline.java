package dev.reacher.core.verify;

import dev.reacher.core.misc.MiscChecker;
import dev.reacher.core.misc.MiscDetails;
import dev.reacher.core.misc.MiscOptions;
import dev.reacher.core.mx.MxDetails;
import dev.reacher.core.mx.MxLookup;
import dev.reacher.core.mx.MxRecord;
import dev.reacher.core.mx.MxResolver;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.proxy.PoolStateUnavailableException;
import dev.reacher.core.proxy.ProxyLimitExceededException;
import dev.reacher.core.smtp.SmtpDetails;
import dev.reacher.core.smtp.SmtpError;
import dev.reacher.core.syntax.ProviderSuggestion;
import dev.reacher.core.syntax.SyntaxCheck;
import dev.reacher.core.syntax.SyntaxDetails;
import dev.reacher.core.verify.DebugDetails.SmtpDebug;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of one verification, in upstream's order: syntax, MX lookup, misc checks, provider
 * detection, the provider's method, verdict. {@link EmailVerifier} assembles the parts and is the
 * public face; this runs them.
 */
final class CheckPipeline {
    // EmailVerifier's logger, as before the split: log configurations name it.
    private static final Logger LOG = LoggerFactory.getLogger(EmailVerifier.class);

    private final MxResolver mxResolver;
    private final MiscChecker miscChecker;
    private final ProviderMethods methods;

    CheckPipeline(MxResolver mxResolver, MiscChecker miscChecker, ProviderMethods methods) {
        this.mxResolver = mxResolver;
        this.miscChecker = miscChecker;
        this.methods = methods;
    }

    /** The whole pipeline for one input; an unexpected failure becomes an {@code unknown} output. */
    CheckEmailOutput verify(CheckEmailInput input, LimitPolicy policy, Set<String> avoidProxies,
            boolean shareSessions) {
        Instant start = Instant.now();
        try {
            return run(input, policy, avoidProxies, shareSessions, start);
        } catch (ProxyLimitExceededException | PoolStateUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            // A bug must not take a verification down with it: report it as an unknown result.
            LOG.error("verification of {} failed unexpectedly", input.toEmail(), e);
            return new CheckEmailOutput(input.toEmail(), Reachable.UNKNOWN, MiscDetails.defaults(),
                    MxDetails.defaults(), null, SmtpError.unsupported(SmtpError.Type.ANYHOW, "internal error: " + e),
                    SyntaxCheck.check(input.toEmail()),
                    DebugDetails.of(input.backendName(), start, Instant.now(), SmtpDebug.skipped()));
        }
    }

    private CheckEmailOutput run(CheckEmailInput input, LimitPolicy policy, Set<String> avoidProxies,
            boolean shareSessions, Instant start) {
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
        Provider provider = Provider.fromMxHost(hosts.get(0));
        ProviderMethod method = input.verifMethod().method(provider);
        ProviderMethods.MethodResult result =
                methods.run(method, input, syntax.domain(), hosts, provider, policy, avoidProxies, shareSessions);
        SmtpDetails details = result.details();
        SmtpError error = result.error();
        if (error != null) {
            syntax = withSuggestion(syntax);
        }
        Reachable reachable = Reachable.of(misc, details, error);
        DebugDetails debug = DebugDetails.of(input.backendName(), start, Instant.now(), result.debug());
        return new CheckEmailOutput(email, reachable, misc, mx, details, error, syntax, debug);
    }

    private static SyntaxDetails withSuggestion(SyntaxDetails syntax) {
        return syntax.withSuggestion(ProviderSuggestion.suggest(syntax));
    }

    /**
     * The output of a check that ends before SMTP (bad syntax, no MX, null MX): every later step at
     * its defaults. Unlike upstream, the input's backend name is kept.
     */
    private static CheckEmailOutput early(CheckEmailInput input, Reachable reachable, MxDetails mx,
            SyntaxDetails syntax, Instant start) {
        return new CheckEmailOutput(input.toEmail(), reachable, MiscDetails.defaults(), mx, SmtpDetails.defaults(),
                null, syntax, DebugDetails.of(input.backendName(), start, Instant.now(), SmtpDebug.skipped()));
    }
}
