package dev.reacher.bench;

import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.socks5.Socks5Connector;
import dev.reacher.testkit.Microsocks;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Time from "connect through microsocks" to "SMTP greeting read", with and without asking the
 * kernel to ACK at once ({@code TCP_QUICKACK}) right after the SOCKS5 handshake. Shows the ~40 ms
 * Nagle/delayed-ACK stall described in {@code docs/benchmarks.md} and that the option removes it.
 * {@link Socks5Connector} now sets the option itself, so both variants should be fast: a slow
 * {@code false} row means the connector's fix has stopped working.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.reacher.bench.ProxyGreetingLatency [--n 40]</pre>
 */
public final class ProxyGreetingLatency {
    private ProxyGreetingLatency() {}

    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args, Map.of("--n", "40"), Set.of(),
                "ProxyGreetingLatency [--n N]: N sequential connects per variant, through one microsocks");
        int n = a.integer("--n");
        try (Rig rig = Rig.builder().proxies(1).start()) {
            Microsocks m = rig.proxies().get(0);
            ProxyConfig proxy = new ProxyConfig(m.host(), m.port());
            for (boolean quickAck : new boolean[] {false, true, false, true}) {
                long[] nanos = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    try (Socket s = Socks5Connector.connect(proxy, Rig.MX_HOST, rig.smtpPort(),
                            Instant.now().plusSeconds(5))) {
                        if (quickAck) {
                            // Linux only; flushes the ACK the kernel was holding back for the SOCKS reply.
                            s.setOption(jdk.net.ExtendedSocketOptions.TCP_QUICKACK, true);
                        }
                        InputStream in = s.getInputStream();
                        int b;
                        while ((b = in.read()) != '\n' && b >= 0) {
                            // read the greeting line
                        }
                        nanos[i] = System.nanoTime() - t0;
                    }
                }
                LatencyStats stats = LatencyStats.of(nanos, java.time.Duration.ZERO);
                System.out.printf(Locale.ROOT, "TCP_QUICKACK after the handshake: %-5s connect + greeting: p50 %.1f ms, "
                        + "p90 %.1f ms, max %.1f ms (n=%d)%n", quickAck, LatencyStats.ms(stats.p50Nanos()),
                        LatencyStats.ms(stats.p90Nanos()), LatencyStats.ms(stats.maxNanos()), n);
            }
        }
    }
}
