package dev.reacher.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * One line of progress for people: {@code label [#####.....] 120/400 30%  12.3/s  ETA 0:23}. On a
 * terminal it is redrawn in place (carriage return, erase to the end of the line); elsewhere callers
 * print whole lines, rarely. Rate and ETA come from what was done since {@link #ProgressLine
 * creation}, so a job already half done when it is first seen gets an honest rate.
 */
final class ProgressLine {
    private static final int BAR = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long startDone = -1;
    private boolean drawn;

    ProgressLine(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    boolean terminal() {
        return terminal;
    }

    /** Items per second since the first count seen; NaN before any time has passed. */
    synchronized double perSecond(long done) {
        if (startDone < 0) {
            startDone = done;
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return seconds < 0.2 || done == startDone ? Double.NaN : (done - startDone) / seconds;
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Redraws {@code line} in place (terminal only). */
    synchronized void redraw(String line) {
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
            err.flush();
            drawn = true;
        }
    }

    /**
     * A line that stays: on a terminal it replaces the redrawn one (which is drawn again below it at
     * the next {@link #redraw}), so the screen keeps the note and a single progress line.
     */
    synchronized void note(String text) {
        err.println(terminal ? "\r" + text + "\u001b[K" : text);
        err.flush();
        drawn = false;
    }

    /** Ends the redrawn line so the next output starts on a fresh one. */
    synchronized void end() {
        if (terminal && drawn) {
            err.println();
            err.flush();
            drawn = false;
        }
    }

    /**
     * {@code [#####.....] 120/400 30%  12.3/s  ETA 0:23}; with an unknown total ({@code total < 0})
     * only the count and the rate.
     */
    static String bar(long done, long total, double perSecond) {
        StringBuilder s = new StringBuilder();
        if (total >= 0) {
            int filled = total == 0 ? BAR : (int) Math.min(BAR, BAR * done / total);
            s.append('[').append("#".repeat(filled)).append(".".repeat(BAR - filled)).append("] ")
                    .append(done).append('/').append(total)
                    .append(' ').append(total == 0 ? 100 : Math.min(100, 100 * done / total)).append('%');
        } else {
            s.append(done);
        }
        if (!Double.isNaN(perSecond)) {
            s.append("  ").append(rate(perSecond));
            if (total > done && perSecond > 0) {
                s.append("  ETA ").append(clock(Duration.ofSeconds((long) Math.ceil((total - done) / perSecond))));
            }
        }
        return s.toString();
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, perSecond >= 100 ? "%.0f/s" : perSecond >= 10 ? "%.1f/s" : "%.2f/s", perSecond);
    }

    /** {@code 0:07}, {@code 12:30}, {@code 3:04:05}. */
    static String clock(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
