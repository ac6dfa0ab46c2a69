package dev.reacher.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.ProxySelectionStrategy.PickContext;
import dev.reacher.core.proxy.ProxySelectionStrategy.ProxySelector;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.ProxyConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every selection strategy: exact sequences, distributions, concurrency. */
class SelectionStrategyTest {

    private static List<PoolProxy> members(int... weights) {
        List<PoolProxy> list = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            String id = String.valueOf((char) ('a' + i));
            list.add(PoolProxy.of(id, new ProxyConfig("127.0.0.1", 1080 + i)).withWeight(weights[i]));
        }
        return list;
    }

    private static PickContext context(String domain, Map<String, Integer> inFlight) {
        return new PickContext() {
            @Override
            public String domain() {
                return domain;
            }

            @Override
            public int inFlight(PoolProxy proxy) {
                return inFlight.getOrDefault(proxy.id(), 0);
            }
        };
    }

    private static String sequence(ProxySelector selector, List<PoolProxy> candidates, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(selector.select(candidates, context("example.com", Map.of())).id());
        }
        return sb.toString();
    }

    @Test
    void roundRobinCyclesInIdOrder() {
        List<PoolProxy> m = members(1, 1, 1);
        assertThat(sequence(ProxySelectionStrategy.roundRobin().newSelector(m), m, 7)).isEqualTo("abcabca");
    }

    @Test
    void roundRobinSelectorsAreIndependent() {
        List<PoolProxy> m = members(1, 1);
        ProxySelector first = ProxySelectionStrategy.roundRobin().newSelector(m);
        ProxySelector second = ProxySelectionStrategy.roundRobin().newSelector(m);
        assertThat(sequence(first, m, 3)).isEqualTo("aba");
        assertThat(sequence(second, m, 1)).isEqualTo("a");
    }

    /** nginx's smooth weighted round robin, worked by hand. */
    @ParameterizedTest(name = "weights {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
        5,1,1 | aabacaa
        2,1   | aba
        1,1,1 | abc
        3,1,1 | abaca
        4,2,1 | abacaba
        1,2,3 | cbacbc
        """)
    void smoothWeightedSequences(String weights, String expected) {
        int[] w = java.util.Arrays.stream(weights.split(",")).mapToInt(Integer::parseInt).toArray();
        List<PoolProxy> m = members(w);
        ProxySelector s = ProxySelectionStrategy.weighted().newSelector(m);
        assertThat(sequence(s, m, expected.length())).isEqualTo(expected);
        assertThat(sequence(s, m, expected.length())).isEqualTo(expected); // and it repeats
    }

    @Test
    void weightedSkipsMembersThatAreNotCandidates() {
        List<PoolProxy> m = members(5, 1, 1);
        ProxySelector s = ProxySelectionStrategy.weighted().newSelector(m);
        List<PoolProxy> withoutA = m.subList(1, 3);
        assertThat(sequence(s, withoutA, 4)).isEqualTo("bcbc");
    }

    @Test
    void stickyKeepsADomainOnOneProxyAndMovesOnlyTheDomainsOfARemovedProxy() {
        List<PoolProxy> m = members(1, 1, 1, 1);
        ProxySelector s = ProxySelectionStrategy.sticky().newSelector(m);
        Map<String, String> before = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            String domain = "domain" + i + ".test";
            String pick = s.select(m, context(domain, Map.of())).id();
            assertThat(s.select(m, context(domain, Map.of())).id()).isEqualTo(pick);
            before.put(domain, pick);
        }
        Map<String, Long> spread = before.values().stream().collect(Collectors.groupingBy(x -> x, Collectors.counting()));
        assertThat(spread.values()).allSatisfy(count -> assertThat(count).isBetween(180L, 320L));

        List<PoolProxy> withoutB = List.of(m.get(0), m.get(2), m.get(3));
        for (Map.Entry<String, String> e : before.entrySet()) {
            String after = s.select(withoutB, context(e.getKey(), Map.of())).id();
            if (!e.getValue().equals("b")) {
                assertThat(after).as(e.getKey()).isEqualTo(e.getValue());
            } else {
                assertThat(after).isNotEqualTo("b");
            }
        }
    }

    @Test
    void randomIsUniformWithinStatisticalBounds() {
        List<PoolProxy> m = members(1, 1, 1, 1);
        ProxySelector s = ProxySelectionStrategy.random(new SplittableRandom(42)).newSelector(m);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            counts.merge(s.select(m, context("x.test", Map.of())).id(), 1, Integer::sum);
        }
        // 25,000 expected each; sd ≈ 137, so ±1,000 is > 7 sigma
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(24_000, 26_000));
    }

    @Test
    void leastUsedPrefersIdleProxiesAsPowerOfTwoChoicesPredicts() {
        List<PoolProxy> m = members(1, 1, 1, 1);
        ProxySelector s = ProxySelectionStrategy.leastUsed(new SplittableRandom(7)).newSelector(m);
        Map<String, Integer> load = Map.of("a", 0, "b", 10, "c", 10, "d", 10);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            counts.merge(s.select(m, context("x.test", load)).id(), 1, Integer::sum);
        }
        // a wins whenever it is one of the two sampled: 1 - C(3,2)/C(4,2) = 1/2
        assertThat(counts.get("a")).isBetween(48_500, 51_500);
        for (String busy : List.of("b", "c", "d")) {
            assertThat(counts.get(busy)).isBetween(15_500, 17_800);
        }
    }

    @Test
    void namedStrategiesAndUnknownName() {
        for (String name : List.of("round_robin", "random", "weighted", "least_used", "sticky", "ROUND_ROBIN")) {
            assertThat(ProxySelectionStrategy.named(name)).isNotNull();
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProxySelectionStrategy.named("fastest"))
                .hasMessageContaining("unknown strategy `fastest`").hasMessageContaining("least_used");
    }

    /** 64 virtual threads × 10,000 picks through the pool: exact round-robin counts, no exception. */
    @Test
    void roundRobinUnderConcurrencyIsExact() throws Exception {
        List<PoolProxy> m = members(1, 1, 1, 1);
        ProxyPool pool = ProxyPool.create(m, PoolSettings.enabled("round_robin"),
                ProxySelectionStrategy.roundRobin(), Clock.systemUTC(), new SplittableRandom(1));
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        AtomicInteger failures = new AtomicInteger();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 64; t++) {
                ex.execute(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        if (pool.rotation().pick(Provider.GMAIL, "x.test", Set.of(), false) instanceof Lease l) {
                            counts.computeIfAbsent(l.proxy().id(), k -> new LongAdder()).increment();
                            l.report(Outcome.VERDICT, Duration.ZERO);
                        } else {
                            failures.incrementAndGet();
                        }
                    }
                });
            }
        }
        assertThat(failures.get()).isZero();
        assertThat(counts).hasSize(4);
        assertThat(counts.values()).allSatisfy(c -> assertThat(c.sum()).isEqualTo(160_000L));
        assertThat(pool.snapshot()).allSatisfy(st -> assertThat(st.inFlight()).isZero());
    }

    @Test
    void roundRobinStaysEvenWhileAMemberFailsAndFailsOver() {
        // b keeps failing (a proxy fault each time, never enough to be ejected): each of its
        // requests fails over. The failover pick continues the rotation after b, so a and c each
        // carry half the verdicts; restarting the count among the two others gave 12/6.
        PoolSettings settings = PoolSettings.enabled("round_robin")
                .withEjection(new PoolSettings.Ejection(1000, Duration.ofSeconds(30), Duration.ofMinutes(5)));
        ProxyPool pool = ProxyPool.create(members(1, 1, 1), settings, ProxySelectionStrategy.roundRobin(),
                Clock.systemUTC(), new SplittableRandom(1));
        StringBuilder picks = new StringBuilder();
        Map<String, Integer> verdicts = new HashMap<>();
        for (int i = 0; i < 18; i++) {
            Set<String> failed = new java.util.HashSet<>();
            while (true) {
                Lease l = (Lease) pool.rotation().pick(Provider.EVERYTHING_ELSE, "x.test", failed, false);
                String id = l.proxy().id();
                picks.append(id);
                if (id.equals("b")) {
                    l.report(Outcome.PROXY_FAULT, Duration.ZERO, "Connection refused");
                    failed.add(id);
                } else {
                    l.report(Outcome.VERDICT, Duration.ZERO, null);
                    verdicts.merge(id, 1, Integer::sum);
                    break;
                }
            }
        }
        assertThat(picks.toString()).isEqualTo("abc".repeat(9)); // a, b failing then c, a, b then c, …
        assertThat(verdicts).containsExactlyInAnyOrderEntriesOf(Map.of("a", 9, "c", 9));
    }
}
