package dev.reacher.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Just enough SOCKS5 to check the peers from here (testkit must not depend on core). */
final class RawSocks {
    private RawSocks() {}

    static Socket open(Socks5Peer peer) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(peer.host(), peer.port()), 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Sends a greeting offering {@code methods}; returns the chosen method. */
    static int greet(Socket socket, int... methods) throws IOException {
        byte[] greeting = new byte[2 + methods.length];
        greeting[0] = 5;
        greeting[1] = (byte) methods.length;
        for (int i = 0; i < methods.length; i++) {
            greeting[2 + i] = (byte) methods[i];
        }
        socket.getOutputStream().write(greeting);
        byte[] answer = read(socket.getInputStream(), 2);
        return answer[1] & 0xFF;
    }

    /** RFC 1929; returns the status (0 = accepted). */
    static int authenticate(Socket socket, String user, String pass) throws IOException {
        byte[] u = user.getBytes();
        byte[] p = pass.getBytes();
        byte[] request = new byte[3 + u.length + p.length];
        request[0] = 1;
        request[1] = (byte) u.length;
        System.arraycopy(u, 0, request, 2, u.length);
        request[2 + u.length] = (byte) p.length;
        System.arraycopy(p, 0, request, 3 + u.length, p.length);
        socket.getOutputStream().write(request);
        return read(socket.getInputStream(), 2)[1] & 0xFF;
    }

    /** CONNECT to 127.0.0.1:port; returns the reply code after consuming the IPv4 reply. */
    static int connectIpv4Loopback(Socket socket, int port) throws IOException {
        socket.getOutputStream().write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (port >>> 8), (byte) port});
        byte[] head = read(socket.getInputStream(), 4);
        read(socket.getInputStream(), (head[3] == 1 ? 4 : 16) + 2);
        return head[1] & 0xFF;
    }

    static byte[] read(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new IOException("closed after " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }
}
