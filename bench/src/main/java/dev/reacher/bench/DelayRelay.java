package dev.reacher.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP relay that delivers every chunk a fixed delay after it arrived, in both directions:
 * a mail server at a distance (round trip = twice the delay) for latency benchmarks, where the
 * kernel's netem is not available. Chunks keep their order and their spacing, so a pipelined
 * group of commands costs one delay, as on a real network.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.reacher.bench.DelayRelay --target-port 2525 --delay-ms 10
 * </pre>
 */
public final class DelayRelay {
    private record Chunk(long dueNanos, byte[] bytes) {}

    private DelayRelay() {}

    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args, Map.of("--target-port", "0", "--delay-ms", "10", "--listen-port", "0"), Set.of(),
                "DelayRelay --target-port P [--delay-ms MS] [--listen-port L]\n"
                        + "  relays 127.0.0.1:L to 127.0.0.1:P, each chunk delivered MS ms after it arrived, both ways");
        int target = a.integer("--target-port");
        if (target < 1) {
            throw new IllegalArgumentException("--target-port is required");
        }
        long delayNanos = TimeUnit.MILLISECONDS.toNanos(a.integer("--delay-ms"));
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), a.integer("--listen-port")), 512);
            System.out.println("RELAY 127.0.0.1:" + server.getLocalPort() + " -> 127.0.0.1:" + target + ", "
                    + a.integer("--delay-ms") + " ms each way");
            System.out.flush();
            while (true) {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> relay(client, target, delayNanos));
            }
        }
    }

    private static void relay(Socket client, int target, long delayNanos) {
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target)) {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            Thread up = pipe(client, upstream, delayNanos);
            Thread down = pipe(upstream, client, delayNanos);
            up.join();
            down.join();
        } catch (IOException | InterruptedException e) {
            // one side went away: the relayed connection ends
        }
    }

    /** Copies {@code from} to {@code to}, each chunk held until it is due; closing ends both ways. */
    private static Thread pipe(Socket from, Socket to, long delayNanos) {
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Chunk end = new Chunk(0, new byte[0]);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = to.getOutputStream();
                for (Chunk c = queue.take(); c != end; c = queue.take()) {
                    long wait = c.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(Duration.ofNanos(wait));
                    }
                    out.write(c.bytes());
                    out.flush();
                }
                Thread.sleep(Duration.ofNanos(delayNanos)); // the close travels as far as the data
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                closeQuietly(to);
            }
        });
        return Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                int n;
                while ((n = in.read(buffer)) > 0) {
                    queue.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
                }
            } catch (IOException e) {
                // the reading side is gone: what was read is still delivered
            }
            queue.add(end);
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
