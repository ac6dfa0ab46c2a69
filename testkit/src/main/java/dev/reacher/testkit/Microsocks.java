package dev.reacher.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * The real {@code microsocks} SOCKS5 server on {@code 127.0.0.1} and a free port, as a test fixture.
 *
 * <pre>{@code
 * try (Microsocks proxy = Microsocks.builder().credentials("alice", "s3cret").bindAddress("127.0.0.11").start()) {
 *     connect through proxy.host():proxy.port(); the target sees peer address 127.0.0.11
 * }
 * }</pre>
 *
 * <p>{@link #stop()} and {@link #start()} restart it on the same port (failover tests);
 * {@link #suspend()} freezes it so connections are accepted by the kernel but never answered.
 * When {@code microsocks} is not installed, starting throws {@link PeerUnavailableException}.
 */
public final class Microsocks implements Socks5Peer {
    private static final int START_ATTEMPTS = 5;

    private final String username;
    private final String password;
    private final String bindAddress;
    private final PeerProcess process = new PeerProcess("microsocks");
    private int port;

    private Microsocks(Builder builder) {
        this.username = builder.username;
        this.password = builder.password;
        this.bindAddress = builder.bindAddress;
        this.port = builder.port;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for a {@link Microsocks}; {@link #start()} launches it. */
    public static final class Builder {
        private String username;
        private String password;
        private String bindAddress;
        private int port;

        private Builder() {}

        /** Requires RFC 1929 username/password authentication ({@code -u}/{@code -P}). */
        public Builder credentials(String username, String password) {
            if (username == null || password == null || username.isEmpty() || password.isEmpty()) {
                throw new IllegalArgumentException("microsocks needs a non-empty username and password");
            }
            this.username = username;
            this.password = password;
            return this;
        }

        /**
         * Binds the proxy's outgoing connections to this loopback address ({@code -b}), so a target
         * server can tell which proxy a connection came through by its peer address.
         */
        public Builder bindAddress(String loopbackAddress) {
            if (!LoopbackPorts.isLoopbackV4(loopbackAddress)) {
                throw new IllegalArgumentException("bind address must be in 127.0.0.0/8, got " + loopbackAddress);
            }
            this.bindAddress = loopbackAddress;
            return this;
        }

        /** Listens on this port instead of a free one. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1-65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Launches microsocks and waits until it accepts connections. */
        public Microsocks start() {
            Microsocks proxy = new Microsocks(this);
            try {
                proxy.firstStart(port == 0);
            } catch (RuntimeException e) {
                proxy.close();
                throw e;
            }
            return proxy;
        }
    }

    private void firstStart(boolean pickPort) {
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            if (pickPort) {
                port = LoopbackPorts.freePort();
            }
            if (process.tryStart(command(), host(), port)) {
                return;
            }
            // Exited at once: the port was taken between freePort() and bind; try another.
        }
        throw new IllegalStateException("microsocks failed to start on " + host() + ":" + port + "; log: " + process.logTail());
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(List.of(
                PeerBinaries.locate("microsocks").toString(), "-i", LoopbackPorts.HOST, "-p", Integer.toString(port)));
        if (username != null) {
            command.addAll(List.of("-u", username, "-P", password));
        }
        if (bindAddress != null) {
            command.addAll(List.of("-b", bindAddress));
        }
        return command;
    }

    @Override
    public String host() {
        return LoopbackPorts.HOST;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String username() {
        return username;
    }

    @Override
    public String password() {
        return password;
    }

    /** The {@code -b} address outgoing connections come from, or null for the kernel's choice. */
    public String bindAddress() {
        return bindAddress;
    }

    /**
     * Starts microsocks again on the same port. microsocks sets {@code SO_REUSEADDR}, so this works
     * right after {@link #stop()} even with connections in TIME_WAIT; a few retries cover the rest.
     */
    @Override
    public void start() {
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            if (process.tryStart(command(), host(), port)) {
                return;
            }
            PeerProcess.sleep(100L * attempt);
        }
        throw new IllegalStateException("microsocks failed to restart on " + host() + ":" + port + "; log: " + process.logTail());
    }

    @Override
    public void stop() {
        process.stop();
    }

    @Override
    public boolean isRunning() {
        return process.isRunning();
    }

    /** Freezes the process (SIGSTOP): TCP connects still complete, but the proxy never answers. */
    public void suspend() {
        process.signal("STOP");
    }

    /** Undoes {@link #suspend()} (SIGCONT). */
    public void resume() {
        process.signal("CONT");
    }

    /** What microsocks printed so far (last lines), for assertion messages. */
    public String logTail() {
        return process.logTail();
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "Microsocks[" + host() + ":" + port + (username != null ? ", user=" + username : "")
                + (bindAddress != null ? ", bind=" + bindAddress : "") + "]";
    }
}
