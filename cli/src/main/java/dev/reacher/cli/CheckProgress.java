package dev.reacher.cli;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress bar of {@code --file} on stderr, drawn only when stderr is a terminal (whatever
 * stdout is, so {@code > results.jsonl} keeps it), with rate and ETA. The total is counted first
 * for a file; stdin has none, so only the count and rate are shown.
 */
final class CheckProgress {
    private final ProgressLine line;
    private final String label;
    private final long total;
    private final AtomicLong done = new AtomicLong();
    private volatile long lastDraw;

    private CheckProgress(ProgressLine line, String label, long total) {
        this.line = line;
        this.label = label;
        this.total = total;
    }

    static CheckProgress forStderr(String file) {
        boolean terminal = Terminal.stderr();
        long total = -1;
        if (terminal && !"-".equals(file)) {
            try (AddressFile addresses = AddressFile.open(file)) {
                long n = 0;
                while (addresses.next() != null) {
                    n++;
                }
                total = n;
            } catch (AddressFile.Unreadable | IOException e) {
                total = -1; // the bar goes without a total; reading the list itself reports the problem
            }
        }
        return new CheckProgress(new ProgressLine(System.err, terminal), "-".equals(file) ? "stdin" : file, total);
    }

    void done() {
        long d = done.incrementAndGet();
        long now = System.nanoTime();
        if (line.terminal() && now - lastDraw > 200_000_000L) {
            lastDraw = now;
            draw(d);
        }
    }

    void finish() {
        if (line.terminal()) {
            long d = done.get();
            draw(d);
            line.end();
            System.err.println(label + ": " + d + " checked in " + ProgressLine.clock(line.elapsed())
                    + (d > 0 ? " (" + ProgressLine.rate(d / Math.max(1e-3, line.elapsed().toNanos() / 1e9)) + ")" : ""));
        }
    }

    private void draw(long d) {
        line.redraw(label + " " + ProgressLine.bar(d, total, line.perSecond(d)));
    }
}
