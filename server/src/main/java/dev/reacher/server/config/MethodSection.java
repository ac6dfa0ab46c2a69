package dev.reacher.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.ProxyRouter;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.VerifMethod;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How each provider is verified: upstream's {@code overrides.<provider>} tables over the top-level
 * SMTP settings. {@link Provider} says which methods a provider allows, {@link VerifMethod} its
 * default.
 */
final class MethodSection {
    private MethodSection() {}

    /**
     * Upstream's {@code overrides.<provider>} tables with one fix: a provider override inherits the top-level hello_name,
     * from_email, proxy, smtp_port, smtp_timeout and retries unless it sets them (upstream falls
     * back to gmail.com defaults). With the pool enabled, unpinned configs name no proxy, so
     * their traffic rotates over the pool ({@code default} being one member).
     */
    static VerifMethod read(ConfigTree t, Map<String, PoolProxy> proxies, boolean poolEnabled, String hello,
            String from, int smtpPort, Duration smtpTimeout, int retries) {
        String defaultProxy = proxies.containsKey(VerifMethod.DEFAULT_PROXY_ID) && t.has("proxy") && !poolEnabled
                ? VerifMethod.DEFAULT_PROXY_ID : null;
        SmtpConfig base = new SmtpConfig(from, hello, defaultProxy, smtpPort, smtpTimeout, retries);
        Map<Provider, ProviderMethod> methods = new EnumMap<>(Provider.class);
        for (Provider provider : Provider.values()) {
            String path = "overrides." + provider.key();
            ProviderMethod method;
            if (provider == Provider.EVERYTHING_ELSE || !t.has(path)) {
                method = VerifMethod.defaultMethod(provider) instanceof ProviderMethod.Smtp
                        ? ProviderMethod.smtp(base) : VerifMethod.defaultMethod(provider);
            } else {
                method = providerOverride(t, provider, path, base, proxies);
            }
            if (method instanceof ProviderMethod.Smtp s) {
                method = ProviderMethod.smtp(withProxyIdentity(s.config(), proxies));
            }
            methods.put(provider, method);
        }
        Map<String, ProxyConfig> configs = new LinkedHashMap<>();
        proxies.forEach((id, p) -> configs.put(id, p.proxy()));
        return VerifMethod.of(configs, methods);
    }

    private static ProviderMethod providerOverride(ConfigTree t, Provider provider, String path, SmtpConfig base,
            Map<String, PoolProxy> proxies) {
        t.requireTable(path);
        String allowed = provider.methodTypesText("\"");
        String type = t.string(path + ".type", null);
        if (type == null && t.has(path + ".proxy")) {
            type = "smtp"; // naming proxies means verifying over SMTP through them: the only method that uses one
        }
        if (type == null) {
            throw t.problem(path + ".type", "missing: expected " + allowed);
        }
        if (!provider.allowsMethod(type)) {
            throw t.fail(path + ".type", allowed, t.node(path + ".type"));
        }
        return switch (type) {
            case "headless" -> new ProviderMethod.Headless();
            case "api" -> new ProviderMethod.Api();
            default -> ProviderMethod.smtp(smtpOverride(t, path, base, proxies));
        };
    }

    private static SmtpConfig smtpOverride(ConfigTree t, String path, SmtpConfig base, Map<String, PoolProxy> proxies) {
        String from = t.string(path + ".from_email", base.fromEmail());
        String hello = t.string(path + ".hello_name", base.helloName());
        String proxy = base.proxy();
        List<String> ids = t.stringList(path + ".proxy");
        if (ids != null) {
            ids = ids.stream().map(s -> s.toLowerCase(Locale.ROOT)).distinct().toList();
            for (String id : ids) {
                ProxySection.checkId(t, path + ".proxy", id, proxies);
            }
            proxy = ids.isEmpty() ? null : String.join(",", ids);
        }
        int port = ConfigTree.orDefault(t.intValue(path + ".smtp_port", 1, 65535, "a port number 1-65535"),
                base.smtpPort());
        Duration timeout = t.has(path + ".smtp_timeout") ? duration(t, path + ".smtp_timeout") : base.smtpTimeout();
        int retries = ConfigTree.orDefault(t.intValue(path + ".retries", 0, 100, "a whole number of attempts 0-100"),
                base.retries());
        return new SmtpConfig(from, hello, proxy, port, timeout, retries);
    }

    /** {@code {secs, nanos}} (upstream), {@code [secs, nanos]}, or a whole number of seconds. */
    private static Duration duration(ConfigTree t, String path) {
        JsonNode node = t.node(path);
        String expectation = "a duration {secs = N, nanos = N} or a whole number of seconds, greater than zero";
        Duration d;
        if (node.isObject()) {
            Long secs = t.integer(path + ".secs", 0, 86_400, "a whole number of seconds 0-86400");
            if (secs == null) {
                throw t.problem(path + ".secs", "missing: expected " + expectation);
            }
            Long nanos = t.integer(path + ".nanos", 0, 999_999_999, "a whole number 0-999999999");
            d = Duration.ofSeconds(secs, nanos == null ? 0 : nanos);
        } else if (node.isArray() && node.size() == 2 && node.get(0).canConvertToLong() && node.get(1).canConvertToInt()
                && node.get(0).isIntegralNumber() && node.get(1).isIntegralNumber()) {
            long secs = node.get(0).asLong();
            int nanos = node.get(1).asInt();
            if (secs < 0 || nanos < 0 || nanos > 999_999_999) {
                throw t.fail(path, expectation, node);
            }
            d = Duration.ofSeconds(secs, nanos);
        } else {
            Long secs = t.integer(path, 1, 86_400, expectation);
            d = Duration.ofSeconds(secs);
        }
        if (d.isZero()) {
            throw t.fail(path, expectation, node);
        }
        return d;
    }

    /** A proxy's own identity (matching its IP's reverse DNS) wins when the config pins that one proxy. */
    private static SmtpConfig withProxyIdentity(SmtpConfig config, Map<String, PoolProxy> proxies) {
        List<String> ids = ProxyRouter.parseIds(config.proxy());
        if (ids.size() != 1) {
            return config; // rotations apply the identity of the proxy each attempt leases
        }
        PoolProxy p = proxies.get(ids.get(0));
        return p == null ? config : config.withProxyIdentity(p.helloName(), p.fromEmail());
    }
}
