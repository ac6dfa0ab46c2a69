package dev.reacher.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.proxy.Lease;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.proxy.ProxySelectionStrategy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

/**
 * Guards the benchmarks without running JMH: the annotation processor really ran (on JDK 23+ it is
 * silently skipped unless named in {@code annotationProcessorPaths}), every benchmark's code works
 * against the current core API, and the per-invocation counts match the tables they loop over.
 */
class BenchmarksSmokeTest {

    @Test
    void jmhGeneratedTheBenchmarkList() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
            assertThat(in).as("META-INF/BenchmarkList (is jmh-generator-annprocess in annotationProcessorPaths?)")
                    .isNotNull();
            String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(list).contains("ProxyPickBenchmark", "CounterBaselineBenchmark", "ReplyClassifierBenchmark",
                    "SyntaxCheckBenchmark", "JsonOutputBenchmark");
        }
    }

    static List<String> strategies() {
        return ProxySelectionStrategy.names();
    }

    /** JMH needs the names as constants in {@code @Param}; they must be exactly core's menu. */
    @Test
    void theStrategyParameterListsCoresStrategies() throws NoSuchFieldException {
        assertThat(ProxyPickBenchmark.class.getDeclaredField("strategy").getAnnotation(Param.class).value())
                .containsExactlyElementsOf(ProxySelectionStrategy.names());
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void everyStrategyPicksReportsAndSelectsAllMembers(String strategy) {
        ProxyPickBenchmark b = new ProxyPickBenchmark();
        b.strategy = strategy;
        b.setUp();
        ProxyPickBenchmark.Domains domains = new ProxyPickBenchmark.Domains();
        ProxyPickBenchmark.ThreadContext context = new ProxyPickBenchmark.ThreadContext();
        Map<String, Integer> picked = new HashMap<>();
        for (int i = 0; i < 2000; i++) {
            Object pick = b.pickAndReport_t1(domains);
            assertThat(pick).isInstanceOf(Lease.class);
            picked.merge(((Lease) pick).proxy().id(), 1, Integer::sum);
            PoolProxy selected = b.select_t1(domains, context);
            assertThat(selected).isNotNull();
        }
        // Every strategy spreads 2,000 picks over all 8 members (sticky too: 64 domains hash apart).
        assertThat(picked).hasSize(ProxyPickBenchmark.MEMBERS);
    }

    @Test
    void operationsPerInvocationMatchTheTables() throws NoSuchMethodException {
        assertThat(ReplyClassifierBenchmark.class.getMethod("classifyRcpt", org.openjdk.jmh.infra.Blackhole.class)
                .getAnnotation(OperationsPerInvocation.class).value()).isEqualTo(ReplyClassifierBenchmark.REPLIES.length);
        assertThat(SyntaxCheckBenchmark.class.getMethod("check", org.openjdk.jmh.infra.Blackhole.class)
                .getAnnotation(OperationsPerInvocation.class).value()).isEqualTo(SyntaxCheckBenchmark.ADDRESSES.length);
    }

    @Test
    void jsonBenchmarkSerialisesARealVerification() {
        JsonOutputBenchmark b = new JsonOutputBenchmark();
        b.setUp();
        assertThat(b.writeOutput()).startsWith("{\"input\":\"alice@rig-one.test\",\"is_reachable\":\"safe\"")
                .contains("\"attempts\":[");
    }
}
