package dev.reacher.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs one third-party peer process in the foreground: launch, wait until its port accepts, stop
 * (with its child processes), clean up. Shared by {@link Microsocks} and {@link Dante}.
 */
final class PeerProcess {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    /** Every running peer, so a test JVM that forgets close() does not leave proxies behind. */
    private static final Set<PeerProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(PeerProcess::stop), "testkit-peer-reaper"));
    }

    private final String name;
    private final Path workDir;
    private final Path logFile;
    private Process process;

    PeerProcess(String name) {
        this.name = name;
        try {
            this.workDir = Files.createTempDirectory("reacher-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory for " + name, e);
        }
        this.logFile = workDir.resolve(name + ".log");
    }

    Path workDir() {
        return workDir;
    }

    Path logFile() {
        return logFile;
    }

    /**
     * Launches {@code command} and waits until {@code host:port} accepts.
     *
     * @return true when the peer is up; false when the process exited first (typically: port taken),
     *     in which case the caller may retry, perhaps on another port
     * @throws IllegalStateException when the process runs but never listens
     */
    synchronized boolean tryStart(List<String> command, String host, int port) {
        if (isRunning()) {
            return true;
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst(), e);
        }
        process = started;
        LIVE.add(this);
        if (awaitOwnListener(started, host, port)) {
            return true;
        }
        boolean exited = !started.isAlive();
        stop();
        if (exited) {
            return false;
        }
        throw new IllegalStateException(name + " did not listen on " + host + ":" + port + " within "
                + START_TIMEOUT.toSeconds() + " s; log: " + logTail());
    }

    /**
     * Waits until the process (or one of its children) holds a listening socket on the port. A
     * plain connect probe is not enough: when a concurrent test took the port first, the probe
     * would reach that other server while our process is still on its way to "address in use".
     */
    private static boolean awaitOwnListener(Process started, String host, int port) {
        if (!Files.isReadable(PROC_NET_TCP)) {
            return LoopbackPorts.awaitListening(host, port, START_TIMEOUT, started::isAlive);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && started.isAlive()) {
            if (ownsListener(started.toHandle(), port)) {
                return true;
            }
            PeerProcess.sleep(10);
        }
        return false;
    }

    private static final Path PROC_NET_TCP = Path.of("/proc/net/tcp");
    private static final String TCP_LISTEN = "0A";

    private static boolean ownsListener(ProcessHandle root, int port) {
        Set<String> inodes = listeningInodes(port);
        if (inodes.isEmpty()) {
            return false;
        }
        return Stream.concat(Stream.of(root), root.descendants()).anyMatch(p -> holdsSocket(p.pid(), inodes));
    }

    /** Inodes of IPv4 sockets in LISTEN state on {@code port} (any local address). */
    private static Set<String> listeningInodes(int port) {
        String portHex = String.format(":%04X", port);
        Set<String> inodes = new java.util.HashSet<>();
        try {
            for (String line : Files.readAllLines(PROC_NET_TCP)) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                if (f.length > 9 && f[1].endsWith(portHex) && f[3].equals(TCP_LISTEN)) {
                    inodes.add("socket:[" + f[9] + "]");
                }
            }
        } catch (IOException e) {
            return Set.of();
        }
        return inodes;
    }

    private static boolean holdsSocket(long pid, Set<String> inodes) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return inodes.contains(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        if (!isRunning()) {
            throw new IllegalStateException(name + " is not running");
        }
        return process.pid();
    }

    /**
     * Sends a signal to the running peer by its pid (children too). Used to freeze a peer: with
     * SIGSTOP the kernel still completes TCP handshakes, but nothing is ever answered.
     */
    synchronized void signal(String signal) {
        if (!isRunning()) {
            throw new IllegalStateException(name + " is not running");
        }
        List<String> command = new java.util.ArrayList<>(List.of("kill", "-" + signal));
        Stream.concat(Stream.of(process.toHandle()), process.descendants())
                .forEach(p -> command.add(Long.toString(p.pid())));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("`" + String.join(" ", command) + "` failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + name, e);
        }
    }

    /** Stops the peer and its child processes (SIGTERM, then SIGKILL after a grace period) and waits. */
    synchronized void stop() {
        Process current = process;
        process = null;
        LIVE.remove(this);
        if (current == null) {
            return;
        }
        // Collected before the parent dies: orphans are re-parented and no longer descendants.
        List<ProcessHandle> children = current.descendants().toList();
        if (current.isAlive()) {
            // A frozen peer (SIGSTOP) would never act on SIGTERM.
            tryContinue(current, children);
        }
        current.destroy();
        try {
            if (!current.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                current.destroyForcibly();
                current.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            current.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    private static void tryContinue(Process current, List<ProcessHandle> children) {
        List<String> command = new java.util.ArrayList<>(List.of("kill", "-CONT", Long.toString(current.pid())));
        children.forEach(c -> command.add(Long.toString(c.pid())));
        try {
            new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // Best effort: destroyForcibly() below still ends a frozen process.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the peer and deletes its work directory. */
    void close() {
        stop();
        deleteTree(workDir);
    }

    /** Deletes a peer's temp directory with everything in it; a leftover one is harmless. */
    static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp directory is harmless.
        }
    }

    /** The last 20 lines of a peer's log, for error messages. */
    static String lastLines(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /** The last lines the peer wrote, for error messages. */
    String logTail() {
        try {
            if (!Files.exists(logFile)) {
                return "(no log)";
            }
            return lastLines(Files.readAllLines(logFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
