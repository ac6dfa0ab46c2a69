package dev.reacher.cli;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Whether this process's stderr (file descriptor 2) is a terminal. Progress is drawn there only then:
 * {@code reacher check --file in.txt > out.jsonl} keeps its bar although stdout is a file, and a log
 * or a CI run gets no carriage returns. {@code System.console()} cannot tell: it looks at stdin and
 * stdout, not at stderr.
 */
final class Terminal {
    private static volatile Boolean stderr;

    private Terminal() {}

    /** True when fd 2 is a terminal; asked once per process. */
    static boolean stderr() {
        Boolean known = stderr;
        if (known == null) {
            known = probe();
            stderr = known;
        }
        return known;
    }

    private static boolean probe() {
        // Linux: fd 2's target names the device; no process to start.
        Path fd2 = Path.of("/proc/self/fd/2");
        try {
            String target = Files.readSymbolicLink(fd2).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException notLinux) {
            // elsewhere: ask POSIX test(1) with the same stderr
        }
        try {
            Process test = new ProcessBuilder("test", "-t", "2").redirectInput(Redirect.PIPE)
                    .redirectOutput(Redirect.DISCARD).redirectError(Redirect.INHERIT).start();
            return test.waitFor(2, TimeUnit.SECONDS) && test.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
