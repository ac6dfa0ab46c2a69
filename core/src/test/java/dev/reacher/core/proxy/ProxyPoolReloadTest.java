package dev.reacher.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.ProxyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ProxyPool#reload}: members join and leave; the unchanged keep their state. */
class ProxyPoolReloadTest {
    private final MutableClock clock = new MutableClock();

    private static PoolProxy proxy(String id, int port) {
        return PoolProxy.of(id, new ProxyConfig("127.0.0.1", port));
    }

    private ProxyPool pool(PoolSettings settings, PoolProxy... proxies) {
        return ProxyPool.create(List.of(proxies), settings, ProxySelectionStrategy.named(settings.strategy()), clock,
                new SplittableRandom(7));
    }

    private static PoolSettings ejectAfter(int failures) {
        return PoolSettings.enabled("round_robin")
                .withEjection(new PoolSettings.Ejection(failures, Duration.ofSeconds(30), Duration.ofMinutes(5)));
    }

    private static Lease pick(ProxyPool pool) {
        return (Lease) pool.rotation().pick(Provider.EVERYTHING_ELSE, "example.test", Set.of(), false);
    }

    private static ProxyStatus status(ProxyPool pool, String id) {
        return pool.snapshot().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void unchangedMembersKeepHealthAndCountersNewOnesJoinRemovedOnesGetNoPicks() {
        PoolProxy a = proxy("a", 1001);
        PoolProxy b = proxy("b", 1002);
        PoolProxy c = proxy("c", 1003);
        ProxyPool pool = pool(ejectAfter(1), a, b, c);
        // a: one verdict; b: one proxy fault, which ejects it
        pick(pool).report(Outcome.VERDICT, Duration.ofMillis(5));
        pick(pool).report(Outcome.PROXY_FAULT, Duration.ofMillis(5));
        Lease inFlightOnC = pick(pool);
        while (!inFlightOnC.proxy().id().equals("c")) { // round robin over a and c reaches c within two picks
            inFlightOnC.cancel();
            inFlightOnC = pick(pool);
        }
        assertThat(status(pool, "b").state()).isEqualTo(ProxyStatus.State.EJECTED);
        List<String> changes = new ArrayList<>();
        pool.addListener(new PoolListener() {
            @Override
            public void membersChanged(Set<String> ids) {
                changes.add(String.join(",", ids));
            }
        });

        PoolProxy d = proxy("d", 1004);
        pool.reload(List.of(a, b, d)); // c removed, d added

        assertThat(pool.ids()).containsExactly("a", "b", "d");
        assertThat(changes).containsExactly("a,b,d");
        long picksOfA = status(pool, "a").picks();
        assertThat(picksOfA).isPositive();
        assertThat(status(pool, "a").verdicts()).isEqualTo(1);
        assertThat(status(pool, "b").state()).isEqualTo(ProxyStatus.State.EJECTED); // health kept
        assertThat(status(pool, "d").picks()).isZero();
        Set<String> picked = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            Lease l = pick(pool);
            picked.add(l.proxy().id());
            l.report(Outcome.VERDICT, Duration.ofMillis(1));
        }
        assertThat(picked).containsExactlyInAnyOrder("a", "d"); // b ejected, c gone
        // the attempt that held c when it was removed finishes and reports normally
        inFlightOnC.report(Outcome.VERDICT, Duration.ofMillis(5));
        assertThat(pool.proxy("c")).isNull();
    }

    @Test
    void changedCredentialsApplyToNewLeasesAndTheMemberStartsAfresh() {
        PoolProxy a = proxy("a", 1001);
        ProxyPool pool = pool(ejectAfter(1), a);
        pick(pool).report(Outcome.PROXY_FAULT, Duration.ofMillis(5));
        assertThat(status(pool, "a").state()).isEqualTo(ProxyStatus.State.EJECTED);

        PoolProxy changed = PoolProxy.of("a", new ProxyConfig("127.0.0.1", 1001, "alice", "new-pass", null));
        pool.reload(List.of(changed));

        assertThat(status(pool, "a").state()).isEqualTo(ProxyStatus.State.HEALTHY);
        Lease l = pick(pool);
        assertThat(l.route().proxy()).isEqualTo(changed.proxy());
        l.cancel();
    }

    @Test
    void aReloadThatCannotApplyChangesNothing() {
        PoolProxy a = proxy("a", 1001);
        PoolProxy b = proxy("b", 1002);
        ProxyPool pool = pool(PoolSettings.enabled("round_robin").withMembers(List.of("a", "b")), a, b);
        pick(pool).report(Outcome.VERDICT, Duration.ofMillis(5));

        assertThatThrownBy(() -> pool.reload(List.of(a))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown proxy id `b`");
        assertThatThrownBy(() -> pool.reload(List.of(a, a, b))).hasMessageContaining("duplicate proxy id a");
        assertThatThrownBy(() -> pool.reload(List.of())).hasMessageContaining("no proxy is defined");

        assertThat(pool.ids()).containsExactly("a", "b");
        assertThat(status(pool, "a").picks()).isEqualTo(1);
    }

    @Test
    void aSlotHeldAcrossAReloadThatChangedTheLimitsIsGivenBackToTheSameCount() {
        PoolProxy a = new PoolProxy("a", new ProxyConfig("127.0.0.1", 1001), 1, null, null, 1,
                new RateLimits(1, null, null, null));
        ProxyPool pool = pool(PoolSettings.enabled("round_robin"), a);
        Lease held = pick(pool);

        PoolProxy faster = new PoolProxy("a", new ProxyConfig("127.0.0.1", 1001), 1, null, null, 1,
                new RateLimits(5, null, null, null));
        pool.reload(List.of(faster));

        // The slot taken before the reload still counts against max_in_flight = 1 ...
        assertThat(status(pool, "a").inFlight()).isEqualTo(1);
        assertThat(pool.rotation().pick(Provider.EVERYTHING_ELSE, "example.test", Set.of(), false))
                .isInstanceOf(ProxyPool.Exhausted.class);
        // ... and is given back to the same count; the new limits have a bucket of their own.
        held.report(Outcome.VERDICT, Duration.ofMillis(5));
        assertThat(status(pool, "a").inFlight()).isZero();
        Lease next = pick(pool);
        assertThat(status(pool, "a").budgetLeft()).containsEntry("second", 4.0);
        next.cancel();
    }

    @Test
    void aMemberThatAReloadChangesStartsFromTheFleetsCurrentHealth() {
        PoolProxy a = proxy("a", 1001);
        PoolProxy b = proxy("b", 1002);
        java.time.Instant until = clock.instant().plusSeconds(60);
        List<HealthEvent> fleet = new ArrayList<>();
        ProxyPool pool = ProxyPool.create(List.of(a, b), PoolSettings.enabled("round_robin"),
                ProxySelectionStrategy.named("round_robin"), new SharedForTest(clock, fleet), new SplittableRandom(7));
        // Another process ejects b and blacklists a for gmail after this process started.
        fleet.add(new HealthEvent(HealthEvent.Kind.EJECTED, "b", null, until, 1, "other"));
        fleet.add(new HealthEvent(HealthEvent.Kind.BLACKLISTED, "a", "gmail", until, 1, "other"));

        PoolProxy changedB = PoolProxy.of("b", new ProxyConfig("127.0.0.1", 1002, "bob", "pw", null));
        pool.reload(List.of(a, changedB));

        assertThat(status(pool, "b").state()).isEqualTo(ProxyStatus.State.EJECTED); // new member, fleet's state
        assertThat(status(pool, "b").ejectedBy()).isEqualTo("other");
        // An unchanged member keeps its own state: the blacklist reaches it as an event, not by reload.
        assertThat(status(pool, "a").blacklistedUntil()).isEmpty();
    }

    /** A shared state whose current health is a list the test fills; budgets as one process's. */
    private static final class SharedForTest implements PoolState {
        private final PoolState local;
        private final List<HealthEvent> current;

        SharedForTest(MutableClock clock, List<HealthEvent> current) {
            this.local = PoolState.local(clock);
            this.current = current;
        }

        @Override
        public Acquire tryAcquire(PoolProxy proxy, boolean enforceLimits) {
            return local.tryAcquire(proxy, enforceLimits);
        }

        @Override
        public void release(Slot slot) {
            local.release(slot);
        }

        @Override
        public int inFlight(String proxyId) {
            return local.inFlight(proxyId);
        }

        @Override
        public java.util.Map<String, Double> budgetLeft(PoolProxy proxy) {
            return local.budgetLeft(proxy);
        }

        @Override
        public void publish(HealthEvent event) {}

        @Override
        public void subscribe(java.util.function.Consumer<HealthEvent> receiver) {}

        @Override
        public List<HealthEvent> current() {
            return List.copyOf(current);
        }

        @Override
        public boolean claimTrial(String proxyId) {
            return true;
        }

        @Override
        public String processId() {
            return "this";
        }

        @Override
        public String problem() {
            return null;
        }

        @Override
        public boolean shared() {
            return true;
        }

        @Override
        public java.time.Clock clock() {
            return local.clock();
        }
    }
}
