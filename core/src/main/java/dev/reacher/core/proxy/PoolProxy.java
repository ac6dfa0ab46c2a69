package dev.reacher.core.proxy;

import dev.reacher.core.socks5.ProxyConfig;
import java.util.Objects;

/**
 * A configured proxy as a member of the pool: its connection settings plus what the pool needs to
 * schedule it.
 *
 * @param id lowercase configuration id ({@code default}, {@code proxy1}, …)
 * @param weight share of traffic under the {@code weighted} strategy (at least 1)
 * @param helloName EHLO name that matches this proxy's IP and reverse DNS; wins over provider and
 *     top-level values when set
 * @param fromEmail MAIL FROM to use through this proxy; wins when set
 * @param maxInFlight verifications through this proxy at once; null for no cap
 */
public record PoolProxy(String id, ProxyConfig proxy, int weight, String helloName, String fromEmail,
        Integer maxInFlight, RateLimits limits) {

    public PoolProxy {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(proxy, "proxy");
        if (weight < 1) {
            throw new IllegalArgumentException("proxy " + id + ": weight must be at least 1, got " + weight);
        }
        if (maxInFlight != null && maxInFlight < 1) {
            throw new IllegalArgumentException("proxy " + id + ": max_in_flight must be at least 1, got " + maxInFlight);
        }
        if (limits == null) {
            limits = RateLimits.NONE;
        }
    }

    /** A member with weight 1, no identity of its own and no limits. */
    public static PoolProxy of(String id, ProxyConfig proxy) {
        return new PoolProxy(id, proxy, 1, null, null, null, RateLimits.NONE);
    }

    public PoolProxy withWeight(int w) {
        return new PoolProxy(id, proxy, w, helloName, fromEmail, maxInFlight, limits);
    }

    @Override
    public String toString() {
        return "PoolProxy[" + id + " " + proxy.address() + ", weight=" + weight + "]";
    }
}
