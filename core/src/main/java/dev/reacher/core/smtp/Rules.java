package dev.reacher.core.smtp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Upstream's per-domain and per-MX exceptions ({@code rules.json}, copied verbatim from
 * reacherhq/check-if-email-exists): skip the catch-all probe where it misleads, and give slow
 * anti-spam gateways at least 45 s per connection (upstream documents that rule but never applies
 * it; we do).
 */
public final class Rules {

    /** Rule names as they appear in {@code rules.json}. */
    public enum Rule { SkipCatchAll, SmtpTimeout45s }

    private static final Rules BUNDLED = load("rules.json");

    private final Map<String, Set<Rule>> byDomain;
    private final Map<String, Set<Rule>> byMx;
    private final Map<String, Set<Rule>> byMxSuffix; // insertion order matters: first matching suffix wins

    private Rules(Map<String, Set<Rule>> byDomain, Map<String, Set<Rule>> byMx, Map<String, Set<Rule>> byMxSuffix) {
        this.byDomain = byDomain;
        this.byMx = byMx;
        this.byMxSuffix = byMxSuffix;
    }

    /** The rules shipped with this library. */
    public static Rules bundled() {
        return BUNDLED;
    }

    /**
     * Upstream's {@code has_rule}: exact (case-sensitive) domain as typed, exact MX host with its
     * trailing dot, or the first MX suffix the host ends with.
     */
    public boolean has(String domain, String mxHost, Rule rule) {
        if (byDomain.getOrDefault(domain, Set.of()).contains(rule)) {
            return true;
        }
        if (byMx.getOrDefault(mxHost, Set.of()).contains(rule)) {
            return true;
        }
        for (Map.Entry<String, Set<Rule>> e : byMxSuffix.entrySet()) {
            if (mxHost.endsWith(e.getKey())) {
                return e.getValue().contains(rule);
            }
        }
        return false;
    }

    private static Rules load(String resource) {
        try (InputStream in = Rules.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            JsonNode root = ReacherJson.mapper().readTree(in);
            return new Rules(section(root, "by_domain"), section(root, "by_mx"), section(root, "by_mx_suffix"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static Map<String, Set<Rule>> section(JsonNode root, String name) {
        Map<String, Set<Rule>> map = new LinkedHashMap<>();
        root.path(name).properties().forEach(entry -> {
            Set<Rule> rules = EnumSet.noneOf(Rule.class);
            entry.getValue().path("rules").forEach(r -> rules.add(Rule.valueOf(r.asText())));
            map.put(entry.getKey(), rules);
        });
        return map;
    }
}
