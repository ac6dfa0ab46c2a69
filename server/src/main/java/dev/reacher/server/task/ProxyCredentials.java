package dev.reacher.server.task;

import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.VerifMethod;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a worker finds the proxy passwords that task messages leave out: its own configured
 * proxies, matched by host, port and username (ids may differ between publisher and worker).
 */
public final class ProxyCredentials {
    private volatile List<ProxyConfig> known; // replaced as a whole by a configuration reload

    private ProxyCredentials(List<ProxyConfig> known) {
        this.known = List.copyOf(known);
    }

    /** Takes the passwords of a reloaded configuration; tasks restored from now on get them. */
    public void replace(Iterable<ProxyConfig> configured) {
        this.known = of(configured).known;
    }

    /** The proxies of this process's configuration (top-level {@code proxy} and {@code overrides.proxies}). */
    public static ProxyCredentials of(Iterable<ProxyConfig> configured) {
        List<ProxyConfig> list = new java.util.ArrayList<>();
        configured.forEach(p -> {
            if (p.password() != null) {
                list.add(p);
            }
        });
        return new ProxyCredentials(list);
    }

    public static ProxyCredentials none() {
        return new ProxyCredentials(List.of());
    }

    /** The input with each password-less proxy that has a username given its configured password. */
    public CheckEmailInput restore(CheckEmailInput input) {
        VerifMethod method = input.verifMethod();
        Map<String, ProxyConfig> proxies = new LinkedHashMap<>();
        boolean changed = false;
        for (Map.Entry<String, ProxyConfig> e : method.proxies().entrySet()) {
            ProxyConfig p = e.getValue();
            ProxyConfig filled = p;
            if (p.username() != null && p.password() == null) {
                ProxyConfig match = find(p);
                if (match != null) {
                    filled = new ProxyConfig(p.host(), p.port(), p.username(), match.password(), p.timeoutMs());
                    changed = true;
                }
            }
            proxies.put(e.getKey(), filled);
        }
        return changed ? input.withVerifMethod(VerifMethod.of(proxies, TaskCodec.methods(method))) : input;
    }

    /**
     * True when a worker with this configuration could run {@code input} after its passwords are
     * removed: every proxy password in it is one this configuration knows.
     */
    public boolean canRestore(CheckEmailInput input) {
        for (ProxyConfig p : input.verifMethod().proxies().values()) {
            if (p.password() != null) {
                ProxyConfig match = find(p);
                if (match == null || !match.password().equals(p.password())) {
                    return false;
                }
            }
        }
        return true;
    }

    private ProxyConfig find(ProxyConfig p) {
        for (ProxyConfig k : known) {
            if (k.host().equalsIgnoreCase(p.host()) && k.port() == p.port() && Objects.equals(k.username(), p.username())) {
                return k;
            }
        }
        return null;
    }
}
