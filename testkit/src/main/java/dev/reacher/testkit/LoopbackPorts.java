package dev.reacher.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Loopback port helpers for tests that start real servers: a free port, and waiting for a listener. */
public final class LoopbackPorts {
    /** The loopback address all peers listen on. */
    public static final String HOST = "127.0.0.1";

    private LoopbackPorts() {}

    /** Below Linux's ephemeral range (32768-60999), where outgoing connections never take a port. */
    private static final int FIRST = 20_000;
    private static final int LAST = 32_000;

    /**
     * A TCP port on {@code 127.0.0.1} that was free a moment ago. It is chosen at random below the
     * ephemeral range, so that the many outgoing connections of a test run (to PostgreSQL,
     * RabbitMQ, proxies) cannot take it before the caller binds it. Another test can still pick the
     * same port, so peers that use this retry with a new port when binding fails.
     */
    public static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = random.nextInt(FIRST, LAST + 1);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // in use: try another
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** True if a TCP connect to {@code host:port} succeeds within {@code timeout}. */
    public static boolean accepts(String host, int port, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Polls until {@code host:port} accepts a TCP connection.
     *
     * @param stillTrying polled between attempts; waiting stops early (returning false) once it is
     *     false, e.g. because the server process has exited
     * @return true once the port accepts; false on timeout or when {@code stillTrying} turned false
     */
    public static boolean awaitListening(String host, int port, Duration timeout, BooleanSupplier stillTrying) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!stillTrying.getAsBoolean()) {
                return false;
            }
            if (accepts(host, port, Duration.ofMillis(200))) {
                return stillTrying.getAsBoolean();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** True if {@code address} is in 127.0.0.0/8; the test peers must never touch any other host. */
    public static boolean isLoopbackV4(String address) {
        return address != null && address.matches("127(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    }
}
