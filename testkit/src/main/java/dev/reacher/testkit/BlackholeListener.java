package dev.reacher.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port where TCP connects hang until the client gives up, for connect-timeout tests
 * without any remote host. It listens with a backlog of 1, never accepts, and fills its accept
 * queue with its own connections; Linux then drops further SYNs (with the default
 * {@code net.ipv4.tcp_abort_on_overflow = 0}), so a client's connect neither succeeds nor fails.
 */
public final class BlackholeListener implements AutoCloseable {
    private static final int MAX_FILLERS = 16;

    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    private BlackholeListener() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getByName(LoopbackPorts.HOST));
        InetSocketAddress address = new InetSocketAddress(LoopbackPorts.HOST, server.getLocalPort());
        for (int i = 0; i < MAX_FILLERS; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(address, 200);
                fillers.add(filler);
            } catch (SocketTimeoutException e) {
                filler.close();
                return; // the queue is full: connects now hang
            }
        }
        close();
        throw new IllegalStateException("the accept queue never filled (is net.ipv4.tcp_abort_on_overflow set?)");
    }

    /** Starts on {@code 127.0.0.1} and a free port. */
    public static BlackholeListener start() {
        try {
            return new BlackholeListener();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the black-hole listener", e);
        }
    }

    public String host() {
        return LoopbackPorts.HOST;
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() {
        for (Socket filler : fillers) {
            try {
                filler.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
