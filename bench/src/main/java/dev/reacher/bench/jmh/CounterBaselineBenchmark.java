package dev.reacher.bench.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The floor for any shared-counter rotation: one {@link AtomicLong#getAndIncrement()} on a counter
 * shared by all threads. Round robin's selector is this plus a modulo and a list read.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CounterBaselineBenchmark {
    private final AtomicLong counter = new AtomicLong();

    @Benchmark
    @Threads(1)
    public long atomicIncrement_t1() {
        return counter.getAndIncrement();
    }

    @Benchmark
    @Threads(64)
    public long atomicIncrement_t64() {
        return counter.getAndIncrement();
    }
}
