package dev.reacher.core.proxy;

import dev.reacher.core.socks5.Socks5Connector;
import dev.reacher.core.socks5.Socks5Exception;
import dev.reacher.core.socks5.Socks5TimeoutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks beside the pool's passive ejection, as Envoy does beside outlier detection:
 * every {@code proxy_pool.health_check.interval_secs} the members that real traffic does not test
 * (ejected, on trial, or idle: nothing in flight and no pick since the last round) are probed, each
 * on its own virtual thread: TCP connect, SOCKS5 greeting and authentication, optionally a CONNECT
 * to the configured target, then close.
 *
 * <p>A failed probe ejects a member in rotation before a verification fails on it; a passed probe
 * puts an ejected member back at once (on trial). Probes take no budget or in-flight slot and are no
 * picks or attempts, so they never show as verifications; listeners see them as
 * {@link PoolListener#healthChecked}. Each state change is logged once at INFO, never a credential.
 *
 * <p>The loop reads the pool's current members each round, so a reload applies at the next round;
 * a probe of a member that a reload replaced or removed meanwhile is ignored. {@link #close()}
 * stops the loop and interrupts probes in flight.
 */
public final class ActiveHealthCheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ActiveHealthCheck.class);

    private final ProxyPool pool;
    private final PoolSettings.HealthCheck settings;
    private final Thread loop; // null when disabled
    private final Map<String, Long> picksLastRound = new HashMap<>(); // loop thread only
    private volatile boolean closed;

    private ActiveHealthCheck(ProxyPool pool) {
        this.pool = pool;
        this.settings = pool.settings().healthCheck();
        this.loop = settings.enabled() ? Thread.ofVirtual().name("proxy-health-check").unstarted(this::run) : null;
    }

    /**
     * Starts probing as {@code pool.settings().healthCheck()} says; when that is disabled, the
     * returned instance does nothing. Close it before the pool is dropped.
     */
    public static ActiveHealthCheck start(ProxyPool pool) {
        ActiveHealthCheck check = new ActiveHealthCheck(pool);
        if (check.loop != null) {
            check.loop.start();
            long ms = check.settings.interval().toMillis();
            LOG.info("proxy health checks every {}: {}", ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms", check.what());
        }
        return check;
    }

    private void run() {
        while (!closed) {
            probeRound();
            try {
                Thread.sleep(settings.interval());
            } catch (InterruptedException e) {
                return; // close()
            }
        }
    }

    /** Probes every member due, in parallel, and waits for all (each is bounded by the timeout). */
    private void probeRound() {
        List<PoolProxy> due = due();
        if (due.isEmpty()) {
            return;
        }
        // This round ends within one timeout, the next starts an interval later and ends within another.
        Instant nextProbe = pool.clock().instant().plus(settings.timeout().multipliedBy(2)).plus(settings.interval());
        try (ExecutorService probes = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("proxy-health-probe-", 0).factory())) {
            for (PoolProxy member : due) {
                probes.submit(() -> probe(member, nextProbe));
            }
        } // close() interrupts the loop thread: the executor then interrupts the probes and waits for them
    }

    /** Members that real traffic does not test now: ejected, on trial, or idle since the last round. */
    private List<PoolProxy> due() {
        List<PoolProxy> due = new ArrayList<>();
        Map<String, Long> picksNow = new HashMap<>();
        for (ProxyStatus s : pool.snapshot()) {
            picksNow.put(s.id(), s.picks());
            Long before = picksLastRound.get(s.id());
            boolean idle = s.inFlight() == 0 && (before == null || before == s.picks());
            PoolProxy member = pool.proxy(s.id());
            if (member != null && (s.state() != ProxyStatus.State.HEALTHY || idle)) {
                due.add(member);
            }
        }
        picksLastRound.clear();
        picksLastRound.putAll(picksNow);
        return due;
    }

    private void probe(PoolProxy member, Instant nextProbe) {
        String result = "passed";
        String failure = null;
        try {
            Instant deadline = pool.clock().instant().plus(settings.timeout());
            if (settings.targetHost() == null) {
                Socks5Connector.probe(member.proxy(), deadline);
            } else {
                try (Socket tunnel = Socks5Connector.connect(member.proxy(), settings.targetHost(),
                        settings.targetPort(), deadline, pool.clock())) {
                    // reached the target through the proxy: that is all a probe asks
                }
            }
        } catch (Socks5Exception e) {
            result = step(e.phase());
            failure = e.getMessage();
        } catch (Socks5TimeoutException e) {
            result = step(e.phase());
            failure = e.getMessage();
        } catch (InterruptedIOException e) {
            return; // closing
        } catch (IOException e) {
            result = step(Socks5Exception.Phase.PROXY_CONNECT);
            failure = e.getMessage();
        }
        if (closed || Thread.currentThread().isInterrupted()) {
            return;
        }
        Transition t = pool.probed(member, result, failure == null ? null : "health check: " + failure,
                nextProbe);
        log(member.id(), t, result, failure);
    }

    /** One INFO line when the probe changed the member's state; credentials never reach these texts. */
    private void log(String id, Transition t, String result, String failure) {
        if (t == null) {
            return; // replaced or removed by a reload meanwhile
        }
        switch (t.kind()) {
            case EJECTED -> LOG.info("proxy {} ejected until {}: health check failed at {}: {}", id, t.until(), result,
                    failure);
            case READMITTED -> LOG.info("proxy {} back in rotation on trial: health check passed ({}); its next fault"
                    + " ejects it again", id, what());
            default -> LOG.debug("proxy {} health check: {}{}", id, result, failure == null ? "" : ": " + failure);
        }
    }

    private String what() {
        return settings.targetHost() == null ? "greeting and authentication"
                : "greeting, authentication and CONNECT to " + target(settings);
    }

    private static String target(PoolSettings.HealthCheck s) {
        return (s.targetHost().contains(":") ? "[" + s.targetHost() + "]" : s.targetHost()) + ":" + s.targetPort();
    }

    /** The metric label of a failed step: {@code proxy_connect}, {@code greeting}, {@code auth}, {@code connect}. */
    private static String step(Socks5Exception.Phase phase) {
        return phase == Socks5Exception.Phase.REQUEST ? "connect" : phase.name().toLowerCase(Locale.ROOT);
    }

    /** True while the probing loop runs (for tests and status). */
    boolean running() {
        return loop != null && loop.isAlive();
    }

    /** Stops the loop and any probe in flight; waits for them. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (loop == null) {
            return;
        }
        loop.interrupt();
        try {
            loop.join(settings.timeout().plusSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
