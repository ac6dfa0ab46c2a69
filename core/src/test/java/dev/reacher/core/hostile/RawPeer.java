package dev.reacher.core.hostile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback TCP peer that runs a raw byte-level script per connection, for misbehaviour the
 * scripted SMTP server cannot express (a TCP reset, a SOCKS5 server that answers the wrong
 * version). Every accepted socket is closed by {@link #close()}.
 */
final class RawPeer implements AutoCloseable {

    /** What the peer does with one accepted connection; returning closes it. */
    @FunctionalInterface
    interface Script {
        void run(Socket socket, InputStream in, OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Script script;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private RawPeer(ServerSocket server, Script script) {
        this.server = server;
        this.script = script;
        executor.execute(this::acceptLoop);
    }

    static RawPeer start(Script script) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        return new RawPeer(ss, script);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                executor.execute(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            script.run(s, s.getInputStream(), s.getOutputStream());
        } catch (IOException | InterruptedException e) {
            // the client went away or the peer is closing
        } finally {
            open.remove(s);
        }
    }

    /** Reads one CRLF- or LF-terminated line (ASCII), or null at end of stream. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return sb.toString().strip();
            }
            sb.append((char) b);
        }
        return null;
    }

    /** Aborts the connection with a TCP RST instead of an orderly FIN. */
    static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        executor.shutdownNow();
    }
}
