package dev.reacher.bench.jmh;

import dev.reacher.core.syntax.SyntaxCheck;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link SyntaxCheck#check} (grammar, Gmail normalisation, suggestion-free path) over a mix of
 * valid and invalid addresses; the score is the average per address.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SyntaxCheckBenchmark {
    static final String[] ADDRESSES = {
        "someone@example.com",
        "First.Last+tag@Gmail.com",
        "very.common@example.org",
        "x@example.com",
        "long.email-address-with-hyphens@and.subdomains.example.com",
        "user.name+tag+sorting@example.com",
        "\"john..doe\"@example.org",
        "admin@mailserver1",
        "foo@bar",
        "Abc.example.com",
        "A@b@c@example.com",
        "just\"not\"right@example.com",
        "this is\"not\\allowed@example.com",
        "i_like_underscore@but_its_not_allowed_in_this_part.example.com",
        "1234567890123456789012345678901234567890123456789012345678901234+x@example.com",
        "ünïcödé@exämple.com",
    };

    @Benchmark
    @OperationsPerInvocation(16)
    public void check(Blackhole bh) {
        for (String a : ADDRESSES) {
            bh.consume(SyntaxCheck.check(a));
        }
    }
}
