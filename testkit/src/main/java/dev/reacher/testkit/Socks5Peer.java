package dev.reacher.testkit;

/**
 * A real third-party SOCKS5 proxy running on loopback for tests ({@link Microsocks}, {@link Dante}).
 * Lets a test run the same cases against every implementation.
 */
public interface Socks5Peer extends AutoCloseable {
    /** The address the proxy listens on ({@code 127.0.0.1}). */
    String host();

    /** The port the proxy listens on; stays the same across {@link #stop()} and {@link #start()}. */
    int port();

    /** The username the proxy requires, or null when it accepts clients without authentication. */
    String username();

    /** The password the proxy requires, or null when it accepts clients without authentication. */
    String password();

    /** Starts the proxy again on the same port after {@link #stop()}; does nothing if it runs. */
    void start();

    /** Kills the proxy and waits for it to exit; {@link #start()} brings it back. */
    void stop();

    boolean isRunning();

    /** Stops the proxy and removes its temporary files. */
    @Override
    void close();
}
