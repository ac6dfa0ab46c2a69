package dev.reacher.core.socks5;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Host names and IP literals as SOCKS5 sends them, parsed as upstream (Rust's {@code IpAddr}) does. */
final class Socks5Address {
    private Socks5Address() {}

    /** Upstream's {@code clean_host}: one trailing dot removed; also IPv6 brackets. */
    static String cleanHost(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".") && h.length() > 1) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    /** The address bytes (4 or 16) of an IPv4 or IPv6 literal, parsed as Rust's {@code IpAddr}; null for a name. */
    static byte[] ipLiteralBytes(String host) {
        byte[] v4 = parseIpv4(host);
        if (v4 != null) {
            return v4;
        }
        if (host.indexOf(':') < 0 || !host.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        try {
            // Contains ':' so the JDK parses it as an IPv6 literal and never does a lookup.
            InetAddress address = InetAddress.getByName(host);
            byte[] raw = address.getAddress();
            if (address instanceof Inet4Address) {
                // "::ffff:a.b.c.d" comes back as IPv4; it was written as IPv6, so send it as IPv6.
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xFF;
                mapped[11] = (byte) 0xFF;
                System.arraycopy(raw, 0, mapped, 12, 4);
                return mapped;
            }
            return raw;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An IPv4 or IPv6 literal as an address without any DNS lookup; null for a host name. */
    static InetAddress ipLiteral(String host) {
        byte[] raw = ipLiteralBytes(cleanHost(host));
        if (raw == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Strict dotted quad: four decimal octets 0-255 without leading zeros (as Rust's Ipv4Addr). */
    private static byte[] parseIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] raw = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                return null;
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            raw[i] = (byte) value;
        }
        return raw;
    }
}
