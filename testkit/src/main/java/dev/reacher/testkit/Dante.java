package dev.reacher.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The real Dante SOCKS5 server ({@code danted}) on {@code 127.0.0.1} and a free port, as a test
 * fixture. It requires username/password authentication against the Unix user {@value #USERNAME}
 * (password {@value #PASSWORD}), which {@code scripts/install-test-peers.sh} creates.
 *
 * <pre>{@code
 * try (Dante proxy = Dante.builder().start()) {
 *     connect through proxy.host():proxy.port() as Dante.USERNAME / Dante.PASSWORD
 * }
 * }</pre>
 *
 * <p>Runs one process group ({@code -N 1}) in the foreground with a generated config, pid file and
 * log in a temporary directory. Only CONNECT to 127.0.0.0/8 is allowed. Needs root: Dante checks
 * the password against {@code /etc/shadow}. When something is missing, starting throws
 * {@link PeerUnavailableException}.
 */
public final class Dante implements Socks5Peer {
    /** The Unix user Dante authenticates. */
    public static final String USERNAME = "socksbob";
    /** Its password; hashed cheaply (SHA-512, 1000 rounds) because Dante checks it on every connection. */
    public static final String PASSWORD = "hunter2";

    private static final int START_ATTEMPTS = 5;

    private final String externalAddress;
    private final PeerProcess process = new PeerProcess("danted");
    private int port;

    private Dante(Builder builder) {
        this.externalAddress = builder.externalAddress;
        this.port = builder.port;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for a {@link Dante}; {@link #start()} launches it. */
    public static final class Builder {
        private String externalAddress = LoopbackPorts.HOST;
        private int port;

        private Builder() {}

        /**
         * The loopback address outgoing connections come from ({@code external:}), so a target
         * server can tell proxies apart by peer address. Default {@code 127.0.0.1}.
         */
        public Builder externalAddress(String loopbackAddress) {
            if (!LoopbackPorts.isLoopbackV4(loopbackAddress)) {
                throw new IllegalArgumentException("external address must be in 127.0.0.0/8, got " + loopbackAddress);
            }
            this.externalAddress = loopbackAddress;
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

        /** Checks the machine, writes the config and launches danted; waits until it accepts. */
        public Dante start() {
            checkMachine();
            Dante proxy = new Dante(this);
            try {
                proxy.firstStart(port == 0);
            } catch (RuntimeException e) {
                proxy.close();
                throw e;
            }
            return proxy;
        }
    }

    private static void checkMachine() {
        PeerBinaries.locate("danted");
        try {
            boolean userExists = Files.readAllLines(Path.of("/etc/passwd")).stream()
                    .anyMatch(line -> line.startsWith(USERNAME + ":"));
            if (!userExists) {
                throw new PeerUnavailableException("Unix user `" + USERNAME + "` for Dante is missing");
            }
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) {
                throw new PeerUnavailableException(
                        "Dante checks passwords in /etc/shadow and must run as root, but the tests run as uid " + uid);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new PeerUnavailableException("cannot check the Dante prerequisites (" + e + ")");
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
        }
        throw new IllegalStateException("danted failed to start on " + host() + ":" + port + "; log: " + process.logTail());
    }

    private List<String> command() {
        Path config = process.workDir().resolve("danted.conf");
        try {
            // Children drop to `nobody` and must be able to reach the directory.
            Files.setPosixFilePermissions(process.workDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(config, config(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        return List.of(PeerBinaries.locate("danted").toString(), "-N", "1",
                "-f", config.toString(), "-p", process.workDir().resolve("danted.pid").toString());
    }

    /** Rules with one keyword group per line: Dante rejects the one-line form {@code pass { from: … log: … }}. */
    private String config() {
        return """
                logoutput: stderr
                internal: %s port = %d
                external: %s
                socksmethod: username
                clientmethod: none
                user.privileged: root
                user.unprivileged: nobody
                client pass {
                  from: 127.0.0.0/8 to: 0.0.0.0/0
                  log: error
                }
                socks pass {
                  from: 127.0.0.0/8 to: 127.0.0.0/8
                  command: connect
                  log: error
                }
                socks block {
                  from: 0.0.0.0/0 to: 0.0.0.0/0
                  log: connect error
                }
                """.formatted(LoopbackPorts.HOST, port, externalAddress);
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
        return USERNAME;
    }

    @Override
    public String password() {
        return PASSWORD;
    }

    /** The loopback address outgoing connections come from. */
    public String externalAddress() {
        return externalAddress;
    }

    /** Starts danted again on the same port after {@link #stop()}. */
    @Override
    public void start() {
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            if (process.tryStart(command(), host(), port)) {
                return;
            }
            PeerProcess.sleep(100L * attempt);
        }
        throw new IllegalStateException("danted failed to restart on " + host() + ":" + port + "; log: " + process.logTail());
    }

    @Override
    public void stop() {
        process.stop();
    }

    @Override
    public boolean isRunning() {
        return process.isRunning();
    }

    /** What danted logged so far (last lines), for assertion messages. */
    public String logTail() {
        return process.logTail();
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "Dante[" + host() + ":" + port + ", user=" + USERNAME + ", external=" + externalAddress + "]";
    }
}
