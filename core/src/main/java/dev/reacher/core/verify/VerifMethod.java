package dev.reacher.core.verify;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.ProxyRouter;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.socks5.ProxyConfig;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Upstream's {@code VerifMethod}: the named proxies, and for each {@link Provider} how its
 * addresses are verified. One map from provider to method replaces upstream's seven fields.
 *
 * <p>Unlike upstream, a proxy id that names no proxy is rejected for <em>every</em> provider
 * (upstream skips Mimecast and Proofpoint and then silently connects directly).
 */
@JsonDeserialize(using = VerifMethod.Deserializer.class)
public final class VerifMethod {
    /** The id under which a single top-level proxy is stored. */
    public static final String DEFAULT_PROXY_ID = "default";

    private final Map<String, ProxyConfig> proxies;
    private final Map<Provider, ProviderMethod> methods;

    private VerifMethod(Map<String, ProxyConfig> proxies, Map<Provider, ProviderMethod> methods) {
        this.proxies = Collections.unmodifiableMap(new TreeMap<>(proxies));
        EnumMap<Provider, ProviderMethod> all = new EnumMap<>(Provider.class);
        for (Provider p : Provider.values()) {
            all.put(p, methods.getOrDefault(p, defaultMethod(p)));
            checkAllowed(p, all.get(p));
        }
        this.methods = Collections.unmodifiableMap(all);
        validateProxies();
    }

    /** Every provider with its default: SMTP with upstream's defaults, Hotmail B2C and Yahoo headless. */
    public static VerifMethod defaults() {
        return of(Map.of(), Map.of());
    }

    /**
     * @throws IllegalArgumentException when a method is not allowed for its provider or names an
     *     unknown proxy id ({@code Invalid proxies: Invalid Gmail proxy <id>})
     */
    public static VerifMethod of(Map<String, ProxyConfig> proxies, Map<Provider, ProviderMethod> methods) {
        return new VerifMethod(proxies, methods);
    }

    /**
     * Upstream's {@code new_with_same_config_for_all}: one SMTP config for Gmail, Hotmail B2B,
     * Mimecast, Proofpoint and everything else; Hotmail B2C and Yahoo keep their defaults. A given
     * proxy is stored as {@value #DEFAULT_PROXY_ID} and used by all of them.
     */
    public static VerifMethod sameForAll(ProxyConfig proxy, SmtpConfig config) {
        return sameForAll(DEFAULT_PROXY_ID, proxy, config);
    }

    /** As {@link #sameForAll(ProxyConfig, SmtpConfig)}, with the proxy stored (and reported) as {@code proxyId}. */
    public static VerifMethod sameForAll(String proxyId, ProxyConfig proxy, SmtpConfig config) {
        Map<String, ProxyConfig> proxies = new LinkedHashMap<>();
        SmtpConfig smtp = config;
        if (proxy != null) {
            proxies.put(proxyId, proxy);
            smtp = config.withProxy(proxyId);
        }
        Map<Provider, ProviderMethod> methods = new EnumMap<>(Provider.class);
        for (Provider p : Provider.values()) {
            if (p != Provider.HOTMAIL_B2C && p != Provider.YAHOO) {
                methods.put(p, ProviderMethod.smtp(smtp));
            }
        }
        return of(proxies, methods);
    }

    public static ProviderMethod defaultMethod(Provider provider) {
        return switch (provider) {
            case HOTMAIL_B2C, YAHOO -> new ProviderMethod.Headless();
            default -> ProviderMethod.smtp(SmtpConfig.defaults());
        };
    }

    /** Named proxies, ordered by id. */
    public Map<String, ProxyConfig> proxies() {
        return proxies;
    }

    public ProviderMethod method(Provider provider) {
        return methods.get(provider);
    }

    /** A copy with one provider's method replaced. */
    public VerifMethod with(Provider provider, ProviderMethod method) {
        EnumMap<Provider, ProviderMethod> copy = new EnumMap<>(methods);
        copy.put(provider, method);
        return new VerifMethod(proxies, copy);
    }

    private static void checkAllowed(Provider provider, ProviderMethod method) {
        if (!provider.allowsMethod(method.tag())) {
            throw new IllegalArgumentException("unknown variant `" + method.tag() + "` for " + provider.key()
                    + ", expected " + allowedTags(provider));
        }
    }

    private static String allowedTags(Provider provider) {
        return provider.methodTypesText("`");
    }

    private void validateProxies() {
        for (Provider p : Provider.values()) {
            if (methods.get(p) instanceof ProviderMethod.Smtp s) {
                // One id (upstream) or a comma list that rotates (proxy pool).
                for (String id : ProxyRouter.parseIds(s.config().proxy())) {
                    if (!proxies.containsKey(id)) {
                        throw new IllegalArgumentException("Invalid proxies: Invalid " + p.displayName() + " proxy " + id);
                    }
                }
            }
        }
    }

    /** Upstream's JSON shape; proxy passwords included, so never log or store this. */
    @JsonValue
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("proxies", proxies);
        for (Provider p : Provider.values()) {
            json.put(p.key(), methods.get(p));
        }
        return json;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifMethod v && v.proxies.equals(proxies) && v.methods.equals(methods);
    }

    @Override
    public int hashCode() {
        return Objects.hash(proxies, methods);
    }

    @Override
    public String toString() {
        return "VerifMethod[proxies=" + proxies.values() + ", methods=" + methods + "]";
    }

    /** Parses one provider method from its tagged JSON object. */
    public static ProviderMethod parseMethod(Provider provider, JsonNode node) throws IOException {
        if (!node.isObject()) {
            throw new IllegalArgumentException(provider.key() + ": expected an object with a `type` field");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw new IllegalArgumentException(provider.key() + ": missing field `type`");
        }
        ProviderMethod method = switch (type.asText()) {
            case "smtp" -> {
                ObjectNode fields = ((ObjectNode) node).deepCopy();
                fields.remove("type");
                yield ProviderMethod.smtp(ReacherJson.mapper().treeToValue(fields, SmtpConfig.class));
            }
            case "headless" -> new ProviderMethod.Headless();
            case "api" -> new ProviderMethod.Api();
            default -> throw new IllegalArgumentException(provider.key() + ": unknown variant `" + type.asText()
                    + "`, expected " + allowedTags(provider));
        };
        checkAllowed(provider, method);
        return method;
    }

    static final class Deserializer extends JsonDeserializer<VerifMethod> {
        @Override
        public VerifMethod deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode node = p.readValueAsTree();
            try {
                Map<String, ProxyConfig> proxies = new LinkedHashMap<>();
                JsonNode proxiesNode = node.path("proxies");
                for (Iterator<Map.Entry<String, JsonNode>> it = proxiesNode.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    proxies.put(e.getKey(), ReacherJson.mapper().treeToValue(e.getValue(), ProxyConfig.class));
                }
                Map<Provider, ProviderMethod> methods = new EnumMap<>(Provider.class);
                for (Provider provider : Provider.values()) {
                    JsonNode m = node.get(provider.key());
                    if (m != null && !m.isNull()) {
                        methods.put(provider, parseMethod(provider, m));
                    }
                }
                return VerifMethod.of(proxies, methods);
            } catch (IllegalArgumentException e) {
                throw ctxt.weirdStringException(node.toString(), VerifMethod.class, e.getMessage());
            }
        }
    }
}
