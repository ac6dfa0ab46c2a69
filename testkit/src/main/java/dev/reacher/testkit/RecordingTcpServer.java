package dev.reacher.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP server that records the peer address of every connection and echoes whatever it
 * receives until the client closes. Tests use it as the target behind a SOCKS5 proxy: the peer
 * address tells which proxy (bind address) a connection came through, the echo proves the stream
 * works end to end.
 */
public final class RecordingTcpServer implements AutoCloseable {
    private final ServerSocket server;
    private final BlockingQueue<InetSocketAddress> unclaimed = new LinkedBlockingQueue<>();
    private final List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private RecordingTcpServer(String bindHost) throws IOException {
        if (!LoopbackPorts.isLoopbackV4(bindHost)) {
            throw new IllegalArgumentException("bind host must be in 127.0.0.0/8, got " + bindHost);
        }
        server = new ServerSocket(0, 200, InetAddress.getByName(bindHost));
        acceptor = Thread.ofVirtual().name("recording-tcp-" + server.getLocalPort()).start(this::acceptLoop);
    }

    /** Starts on {@code 127.0.0.1} and a free port. */
    public static RecordingTcpServer start() {
        return start(LoopbackPorts.HOST);
    }

    /** Starts on {@code bindHost} (in 127.0.0.0/8) and a free port. */
    public static RecordingTcpServer start(String bindHost) {
        try {
            return new RecordingTcpServer(bindHost);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bindHost, e);
        }
    }

    public String host() {
        return server.getInetAddress().getHostAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Peer addresses of all connections accepted so far, in accept order. */
    public List<InetSocketAddress> peers() {
        return List.copyOf(peers);
    }

    /**
     * The peer address of the next accepted connection not yet returned by this method.
     *
     * @throws AssertionError if no connection arrives within {@code timeout}
     */
    public InetSocketAddress awaitPeer(Duration timeout) {
        try {
            InetSocketAddress peer = unclaimed.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (peer == null) {
                throw new AssertionError("no connection to " + host() + ":" + port() + " within " + timeout);
            }
            return peer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
            peers.add(peer);
            unclaimed.add(peer);
            open.add(socket);
            Thread.ofVirtual().name("recording-tcp-echo").start(() -> echo(socket));
        }
    }

    private void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            // Bounded so a forgotten client cannot pin a thread past the test.
            socket.setSoTimeout(60_000);
            in.transferTo(out);
        } catch (SocketException e) {
            // client reset or server closed
        } catch (IOException e) {
            // timeout or broken pipe: the test will notice the missing echo
        } finally {
            open.remove(socket);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "RecordingTcpServer[" + host() + ":" + port() + ", connections=" + peers.size() + "]";
    }
}
