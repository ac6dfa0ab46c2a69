package dev.reacher.server.reload;

import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.config.ConfigException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the configuration (file, {@code RCH__} variables, proxy list file) and applies what can
 * change while the process runs: the proxies and the verification settings that name them (see
 * {@link BackendConfig#withReloadable}). A reload that fails validation changes nothing; either
 * way the outcome is logged once and counted ({@code applied} or {@code failed}). Settings that
 * only a restart applies are named in a warning and otherwise ignored.
 */
public final class ConfigReloader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Supplier<BackendConfig> loader;
    private final LiveConfig live;
    private final ProxyPool pool;
    private final Consumer<String> outcomes;

    /**
     * @param loader reads the configuration the way the process did at startup; throws
     *     {@link ConfigException} when it is invalid
     * @param outcomes told {@code applied} or {@code failed} after each reload (the metric)
     */
    public ConfigReloader(Supplier<BackendConfig> loader, LiveConfig live, ProxyPool pool, Consumer<String> outcomes) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.live = Objects.requireNonNull(live, "live");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
    }

    /** What one reload did. */
    public record Result(boolean applied, String summary) {}

    /**
     * Reloads now; reloads never overlap.
     *
     * @param trigger what asked for it, for the log ({@code SIGHUP}, {@code proxy list change})
     */
    public synchronized Result reload(String trigger) {
        BackendConfig now = live.get();
        BackendConfig next;
        try {
            next = loader.get();
            pool.reload(next.proxies().values());
        } catch (ConfigException | IllegalArgumentException e) {
            // Messages name keys, files and lines, never secret values.
            LOG.warn("configuration reload ({}) failed, nothing changed: {}", trigger, e.getMessage());
            outcomes.accept("failed");
            return new Result(false, e.getMessage());
        }
        List<String> restartOnly = now.restartOnlyChanges(next);
        if (!restartOnly.isEmpty()) {
            LOG.warn("configuration reload ({}): {} changed; that takes a restart, so it is ignored until then",
                    trigger, String.join(", ", restartOnly));
        }
        live.replace(now.withReloadable(next));
        String summary = summary(now.proxies().keySet(), next, now);
        LOG.info("configuration reloaded ({}): {}", trigger, summary);
        outcomes.accept("applied");
        return new Result(true, summary);
    }

    private static String summary(Set<String> before, BackendConfig next, BackendConfig now) {
        Set<String> added = new TreeSet<>(next.proxies().keySet());
        added.removeAll(before);
        Set<String> removed = new TreeSet<>(before);
        removed.removeAll(next.proxies().keySet());
        Set<String> changed = new TreeSet<>();
        for (String id : next.proxies().keySet()) {
            if (before.contains(id) && !now.proxies().get(id).equals(next.proxies().get(id))) {
                changed.add(id);
            }
        }
        return next.proxies().size() + " proxies; added " + list(added) + ", removed " + list(removed) + ", changed "
                + list(changed);
    }

    private static String list(Set<String> ids) {
        return ids.isEmpty() ? "none" : String.join(" ", ids);
    }
}
