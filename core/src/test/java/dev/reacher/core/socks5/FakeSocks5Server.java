package dev.reacher.core.socks5;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-JVM SOCKS5 "server" on 127.0.0.1 that plays a script per connection, for protocol
 * violations real proxies never commit. After the script, it waits for the client to close
 * (unless the script closed first), so the client side decides when the connection ends.
 */
final class FakeSocks5Server implements AutoCloseable {
    /** What the client sent in its CONNECT request. */
    record Request(int atyp, byte[] address, int port) {
        String domain() {
            return new String(address, StandardCharsets.US_ASCII);
        }
    }

    @FunctionalInterface
    interface Script {
        void play(Socket socket, DataInputStream in, OutputStream out, FakeSocks5Server server) throws IOException;
    }

    /** A valid no-auth proxy that "connects" anywhere and then echoes. */
    static final Script ECHO_PROXY = (socket, in, out, server) -> {
        server.greetings.add(readGreeting(in));
        out.write(new byte[] {5, 0});
        server.requests.add(readRequest(in));
        out.write(new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 25});
        out.flush();
        in.transferTo(out);
    };

    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> greetings = new LinkedBlockingQueue<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final ServerSocket server;
    private final Script script;

    private FakeSocks5Server(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread.ofVirtual().name("fake-socks5-" + server.getLocalPort()).start(this::acceptLoop);
    }

    static FakeSocks5Server start(Script script) throws IOException {
        return new FakeSocks5Server(script);
    }

    ProxyConfig proxy() {
        return new ProxyConfig("127.0.0.1", server.getLocalPort());
    }

    int port() {
        return server.getLocalPort();
    }

    int accepted() {
        return accepted.get();
    }

    /**
     * How many connections were accepted before this call, without waiting a fixed time: a marker
     * connection is accepted and answered after every connection queued before it (one accept
     * loop, FIFO backlog), and is not counted. Only for scripts that answer a method negotiation.
     */
    int acceptedBefore() throws IOException {
        try (Socket marker = new Socket(InetAddress.getByName("127.0.0.1"), port())) {
            marker.setSoTimeout(5_000);
            marker.getOutputStream().write(new byte[] {5, 1, 0});
            if (marker.getInputStream().read() != 5) {
                throw new IOException("the marker connection got no SOCKS5 answer");
            }
        }
        return accepted.get() - 1;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            script.play(socket, in, socket.getOutputStream(), this);
            if (!socket.isClosed()) {
                drain(socket.getInputStream());
            }
        } catch (IOException e) {
            // the client gave up or reset: expected in failure tests
        }
    }

    /** Reads the method-selection message; returns the offered methods. */
    static byte[] readGreeting(DataInputStream in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != 5) {
            throw new IOException("not SOCKS5: " + version);
        }
        byte[] methods = new byte[in.readUnsignedByte()];
        in.readFully(methods);
        return methods;
    }

    static Request readRequest(DataInputStream in) throws IOException {
        byte[] head = new byte[4];
        in.readFully(head);
        int atyp = head[3];
        byte[] address = new byte[switch (atyp) {
            case 1 -> 4;
            case 4 -> 16;
            case 3 -> in.readUnsignedByte();
            default -> throw new IOException("bad atyp " + atyp);
        }];
        in.readFully(address);
        int port = in.readUnsignedShort();
        return new Request(atyp, address, port);
    }

    static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[256];
        while (in.read(buffer) >= 0) {
            // discard until the client closes
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
