package dev.reacher.testkit;

import java.net.URI;
import java.util.List;

/**
 * The real {@code chromedriver} (Debian's {@code chromium-driver}) on {@code 127.0.0.1} and a free
 * port, as a test fixture. It starts Debian's {@code chromium} for each WebDriver session; nothing
 * is downloaded. {@link #browserProcesses()} counts the browsers it has running, so a test can
 * prove that no session leaks. When chromedriver is not installed, starting throws
 * {@link PeerUnavailableException}.
 */
public final class Chromedriver implements AutoCloseable {
    private static final int START_ATTEMPTS = 5;

    private final PeerProcess process = new PeerProcess("chromedriver");
    private int port;

    private Chromedriver() {}

    /** Launches chromedriver and waits until it accepts connections. */
    public static Chromedriver start() {
        Chromedriver driver = new Chromedriver();
        try {
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                driver.port = LoopbackPorts.freePort();
                List<String> command = List.of(PeerBinaries.locate("chromedriver").toString(),
                        "--port=" + driver.port); // without --allowed-ips it binds loopback only
                if (driver.process.tryStart(command, LoopbackPorts.HOST, driver.port)) {
                    return driver;
                }
            }
            throw new IllegalStateException("chromedriver failed to start; log: " + driver.process.logTail());
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI address() {
        return URI.create("http://" + LoopbackPorts.HOST + ":" + port);
    }

    public int port() {
        return port;
    }

    /**
     * Browser processes started by this chromedriver that are still running: one per open session
     * (counted as the top-level browser processes, not their renderers).
     */
    public long browserProcesses() {
        long driverPid = process.pid();
        return ProcessHandle.of(driverPid).stream()
                .flatMap(ProcessHandle::children)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("chrom")).orElse(false))
                .count();
    }

    /**
     * Resident memory of every process this chromedriver started (browsers and their helpers), in
     * KiB, from {@code /proc/<pid>/status} {@code VmRSS}. Shared pages are counted once per process,
     * so this overstates the true footprint a little.
     */
    public long browserRssKib() {
        return ProcessHandle.of(process.pid()).stream()
                .flatMap(ProcessHandle::descendants)
                .mapToLong(p -> rssKib(p.pid()))
                .sum();
    }

    private static long rssKib(long pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // The process ended meanwhile.
        }
        return 0;
    }

    /** The last lines chromedriver logged. */
    public String logTail() {
        return process.logTail();
    }

    @Override
    public void close() {
        process.close();
    }
}
