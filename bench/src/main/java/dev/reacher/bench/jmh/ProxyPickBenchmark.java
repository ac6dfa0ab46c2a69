package dev.reacher.bench.jmh;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.Lease;
import dev.reacher.core.proxy.Rotation;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.proxy.ProxySelectionStrategy;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.ProxyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The cost of choosing a proxy, per strategy, with 8 members: the whole pool path
 * ({@code Rotation.pick} + {@code Lease.report(VERDICT)}: health filter, in-flight slot, strategy,
 * lease, health update) and the bare strategy ({@code ProxySelector.select}), each at 1 and 64
 * threads. Compare with {@link CounterBaselineBenchmark} from the same run.
 *
 * <p>Average time is per operation <em>per thread</em>: with 64 threads on a 2-core machine a
 * thread waits for a CPU most of the time. In this closed loop the machine's cost of one pick is
 * the score divided by the thread count (Little's law; JMH's throughput mode reports the same).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ProxyPickBenchmark {
    static final int MEMBERS = 8;

    // ProxySelectionStrategy.names(), spelled out because JMH needs constants; BenchmarksSmokeTest checks they match.
    @Param({"round_robin", "random", "weighted", "least_used", "sticky"})
    public String strategy;

    private Rotation rotation;
    private ProxySelectionStrategy.ProxySelector selector;
    private List<PoolProxy> members;
    private final Set<String> noExclusions = Set.of();

    @Setup
    public void setUp() {
        List<PoolProxy> proxies = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            // Weights 1..8 so that the weighted strategy has real work to do; others ignore them.
            proxies.add(PoolProxy.of("proxy" + i, new ProxyConfig("127.0.0.1", 10800 + i)).withWeight(i + 1));
        }
        ProxyPool pool = ProxyPool.create(proxies, PoolSettings.enabled(strategy));
        rotation = pool.rotation();
        members = rotation.members();
        selector = ProxySelectionStrategy.named(strategy).newSelector(members);
    }

    /** Per-thread cursor over recipient domains, so that sticky hashing sees varied input. */
    @State(Scope.Thread)
    public static class Domains {
        private static final String[] DOMAINS = new String[64];

        static {
            for (int i = 0; i < DOMAINS.length; i++) {
                DOMAINS[i] = "domain" + i + ".example";
            }
        }

        private int next;

        String next() {
            next = (next + 1) & (DOMAINS.length - 1);
            return DOMAINS[next];
        }
    }

    /** A context whose in-flight counts are all zero: the bare strategy, without the pool. */
    private static final class Context implements ProxySelectionStrategy.PickContext {
        String domain;

        @Override
        public String domain() {
            return domain;
        }

        @Override
        public int inFlight(PoolProxy proxy) {
            return 0;
        }
    }

    @State(Scope.Thread)
    public static class ThreadContext {
        final Context context = new Context();
    }

    private Object pickAndReport(Domains domains) {
        ProxyPool.Pick pick = rotation.pick(Provider.EVERYTHING_ELSE, domains.next(), noExclusions, false);
        ((Lease) pick).report(Outcome.VERDICT, Duration.ZERO);
        return pick;
    }

    private PoolProxy select(Domains domains, ThreadContext tc) {
        tc.context.domain = domains.next();
        return selector.select(members, tc.context);
    }

    @Benchmark
    @Threads(1)
    public Object pickAndReport_t1(Domains domains) {
        return pickAndReport(domains);
    }

    @Benchmark
    @Threads(64)
    public Object pickAndReport_t64(Domains domains) {
        return pickAndReport(domains);
    }

    @Benchmark
    @Threads(1)
    public PoolProxy select_t1(Domains domains, ThreadContext tc) {
        return select(domains, tc);
    }

    @Benchmark
    @Threads(64)
    public PoolProxy select_t64(Domains domains, ThreadContext tc) {
        return select(domains, tc);
    }
}
