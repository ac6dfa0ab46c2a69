package dev.reacher.server.reload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy list watch: what triggers a reload, and what must not delay one. */
class ReloadTriggersTest {
    @TempDir
    Path dir;

    private final List<String> reloads = new CopyOnWriteArrayList<>();

    @Test
    void anEditorsWriteAndRenameReloadsOnceWithinTwoSeconds() throws Exception {
        Path list = dir.resolve("proxies.txt");
        Files.writeString(list, "127.0.0.1:1080\n");
        try (ReloadTriggers ignored = ReloadTriggers.start(reloads::add, list)) {
            writeAtomically(list, "127.0.0.1:1080\n127.0.0.1:1081\n");
            awaitReloads(1, 2_000);
            Thread.sleep(ReloadTriggers.MAX_SETTLE_MS + 300); // the same write's events must not reload again
            assertThat(reloads).containsExactly("proxy list change");
        }
    }

    @Test
    void aBusyDatabaseInTheSameDirectoryNeitherTriggersNorDelaysAReload() throws Exception {
        // The bug this guards: the settle wait restarted on every event of the directory, so a
        // SQLite file written every few ms next to the list held the reload back forever.
        Path list = dir.resolve("proxies.txt");
        Files.writeString(list, "127.0.0.1:1080\n");
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread db = Thread.ofVirtual().start(() -> {
            Path wal = dir.resolve("reacher.db-wal");
            long n = 0;
            while (writing.get()) {
                try {
                    Files.writeString(wal, Long.toString(n++));
                    Thread.sleep(20);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        try (ReloadTriggers ignored = ReloadTriggers.start(reloads::add, list)) {
            Thread.sleep(1_500);
            assertThat(reloads).as("other files' events are not a change of the list").isEmpty();
            for (int i = 2; i <= 4; i++) {
                writeAtomically(list, "127.0.0.1:1080\n".repeat(i));
                awaitReloads(i - 1, 2_000);
            }
        } finally {
            writing.set(false);
            db.join();
        }
    }

    @Test
    void aFileRewrittenWithoutPauseStillReloadsWithinTheSettleLimit() throws Exception {
        Path list = dir.resolve("proxies.txt");
        Files.writeString(list, "");
        AtomicBoolean writing = new AtomicBoolean(true);
        try (ReloadTriggers ignored = ReloadTriggers.start(reloads::add, list)) {
            Thread writer = Thread.ofVirtual().start(() -> {
                long n = 0;
                while (writing.get()) {
                    try {
                        Files.writeString(list, "127.0.0.1:" + (1024 + n++ % 1000) + "\n");
                        Thread.sleep(50);
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            });
            try {
                awaitReloads(1, 2_000);
            } finally {
                writing.set(false);
                writer.join();
            }
        }
    }

    private void awaitReloads(int count, long withinMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(withinMs);
        while (reloads.size() < count && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(reloads).as("reloads within %d ms", withinMs).hasSizeGreaterThanOrEqualTo(count);
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
