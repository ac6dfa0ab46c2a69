package dev.reacher.bench.jmh;

import dev.reacher.bench.Rig;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link ReacherJson#write} of a complete {@link CheckEmailOutput} (misc, MX records, SMTP details,
 * syntax, debug with one attempt), made once by a real verification against the loopback
 * {@link Rig} in setup, so the object graph is what the server serialises.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JsonOutputBenchmark {
    private CheckEmailOutput output;

    @Setup
    public void setUp() {
        try (Rig rig = Rig.builder().start();
                EmailVerifier verifier = EmailVerifier.builder().dnsServers(rig.dnsServers()).build()) {
            output = verifier.verify(rig.input("alice@" + Rig.DOMAINS.get(0), Duration.ofSeconds(5)));
        }
        if (output.isReachable() != Reachable.SAFE) {
            throw new IllegalStateException("setup verification should be safe: " + ReacherJson.write(output));
        }
    }

    @Benchmark
    public String writeOutput() {
        return ReacherJson.write(output);
    }
}
