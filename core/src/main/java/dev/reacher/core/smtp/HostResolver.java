package dev.reacher.core.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/** Resolves an MX host name to addresses for direct connections (our DNS resolver, not the JVM's). */
@FunctionalInterface
public interface HostResolver {
    List<InetAddress> resolve(String host) throws IOException;
}
