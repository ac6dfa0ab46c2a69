package dev.reacher.server.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * What starts a reload: {@code SIGHUP}, and any change to the proxy list file (watched through its
 * directory, so an editor's write-and-rename counts too, and also compared by size and time every
 * {@value #CHECK_MS} ms). Changes arriving together are applied once, {@value #SETTLE_MS} ms after
 * the last, and never later than {@value #MAX_SETTLE_MS} ms after the first. Events for other files
 * of the directory (a database next to the list, its journal) neither trigger nor delay a reload.
 */
public final class ReloadTriggers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadTriggers.class);
    /** Lets a file that is being written settle, well inside the 2 s a change must take to apply. */
    static final long SETTLE_MS = 200;
    /** How often the file is also compared by size and time, for file systems without change events. */
    static final long CHECK_MS = 1000;
    /** A file rewritten without pause still reloads this soon after its first change. */
    static final long MAX_SETTLE_MS = 1000;

    private final Consumer<String> reloader; // takes the trigger's name
    private final WatchService watcher; // null without a list file

    private ReloadTriggers(Consumer<String> reloader, WatchService watcher) {
        this.reloader = reloader;
        this.watcher = watcher;
    }

    /**
     * Installs the SIGHUP handler and, when {@code listFile} is not null, watches it.
     *
     * @throws IOException when the file's directory cannot be watched
     */
    public static ReloadTriggers start(ConfigReloader reloader, Path listFile) throws IOException {
        ReloadTriggers triggers = start(reloader::reload, listFile);
        triggers.handleSighup();
        if (listFile != null) {
            LOG.info("the configuration reloads on SIGHUP and when {} changes", listFile);
        } else {
            LOG.info("the configuration reloads on SIGHUP");
        }
        return triggers;
    }

    /** Watches {@code listFile} (when not null) and calls {@code reloader} on a change; no signal handler. */
    static ReloadTriggers start(Consumer<String> reloader, Path listFile) throws IOException {
        if (listFile != null) {
            WatchService watcher = FileSystems.getDefault().newWatchService();
            Path dir = listFile.toAbsolutePath().getParent();
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            ReloadTriggers triggers = new ReloadTriggers(reloader, watcher);
            // One platform thread: it waits in the watch service, which is not a socket wait.
            Thread.ofPlatform().daemon().name("reacher-proxy-list-watch").start(() -> triggers.watch(listFile));
            return triggers;
        }
        return new ReloadTriggers(reloader, null);
    }

    private void handleSighup() {
        try {
            Signal.handle(new Signal("HUP"), signal ->
                    Thread.ofVirtual().name("reacher-reload").start(() -> reloader.accept("SIGHUP")));
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP cannot be handled on this platform; the configuration reloads only on proxy list changes");
        }
    }

    /**
     * Waits for events on the file's directory; every {@value #CHECK_MS} ms without one it also
     * compares the file's size and modification time, because some file systems (network mounts,
     * some container bind mounts) deliver no events.
     */
    private void watch(Path file) {
        Path name = file.getFileName();
        Object seen = stamp(file);
        try {
            while (true) {
                WatchKey key = watcher.poll(CHECK_MS, TimeUnit.MILLISECONDS);
                boolean ours = key != null && pollOurs(key, name);
                if (!ours && stamp(file).equals(seen)) {
                    continue;
                }
                settle(name);
                seen = stamp(file);
                reloader.accept("proxy list change");
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: the process is stopping
        } catch (RuntimeException e) {
            LOG.error("watching the proxy list stopped; SIGHUP still reloads", e);
        }
    }

    /**
     * More events for the same write may follow: waits until the list file has had none for
     * {@value #SETTLE_MS} ms, at most {@value #MAX_SETTLE_MS} ms. Only the list file's own events
     * extend the wait (a busy database in the same directory would otherwise hold it forever).
     */
    private void settle(Path name) throws InterruptedException {
        long now = System.nanoTime();
        long quietAt = now + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS);
        long latest = now + TimeUnit.MILLISECONDS.toNanos(MAX_SETTLE_MS);
        while (now < quietAt && now < latest) {
            WatchKey more = watcher.poll(Math.min(quietAt, latest) - now, TimeUnit.NANOSECONDS);
            now = System.nanoTime();
            if (more != null && pollOurs(more, name)) {
                quietAt = now + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS);
            }
        }
    }

    /** The file's size and modification time, or a marker when it is missing. */
    private static Object stamp(Path file) {
        try {
            return java.util.List.of(Files.size(file), Files.getLastModifiedTime(file));
        } catch (IOException e) {
            return "missing";
        }
    }

    private static boolean pollOurs(WatchKey key, Path name) {
        boolean ours = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(event.context())) {
                ours = true;
            }
        }
        key.reset();
        return ours;
    }

    @Override
    public void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                // nothing to do: the process is stopping
            }
        }
    }
}
