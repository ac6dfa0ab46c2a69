package dev.reacher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * Polls a job's progress until it is Completed. On a terminal (stderr) one line is redrawn in
 * place with a bar, the rate and the ETA; elsewhere (a log, CI) a plain line is written when the
 * status changes and at most once per {@code quietInterval} in between. When the count stops
 * moving for {@link #stallAfter} (a job at 199/200 whose last address waits on a slow server or
 * a retry), a line says so once, with the server's reason and estimate: the bar alone would show
 * an ETA of seconds for minutes.
 */
final class ProgressWatch {
    static final Duration QUIET_INTERVAL = Duration.ofSeconds(60);

    private final BulkClient client;
    private final long jobId;
    private final Duration interval;
    private final Duration quietInterval;
    private final ProgressLine line;
    private final Duration stallAfter;

    ProgressWatch(BulkClient client, long jobId, Duration interval) {
        this(client, jobId, interval, QUIET_INTERVAL, Terminal.stderr());
    }

    ProgressWatch(BulkClient client, long jobId, Duration interval, Duration quietInterval, boolean terminal) {
        this.client = client;
        this.jobId = jobId;
        this.interval = interval;
        this.quietInterval = quietInterval;
        this.line = new ProgressLine(System.err, terminal);
        this.stallAfter = stallAfter(interval);
    }

    /** Three polls without a new result, and never less than 2 s: short enough to explain a wait early. */
    static Duration stallAfter(Duration interval) {
        Duration threePolls = interval.multipliedBy(3);
        return threePolls.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : threePolls;
    }

    int await() throws BulkClient.Failure {
        String lastStatus = null;
        long lastProcessed = -1;
        long lastPrinted = 0;
        long seenProcessed = -1;
        long movedAt = System.nanoTime();
        String explained = null;
        while (true) {
            JsonNode progress;
            try {
                progress = ReacherJson.mapper().readTree(client.progress(jobId));
            } catch (BulkClient.Failure e) {
                line.end();
                throw new BulkClient.Failure(e.getMessage() + " (job " + jobId + " was submitted: follow it with "
                        + "`reacher bulk status " + jobId + "`)");
            } catch (IOException e) {
                line.end();
                throw new BulkClient.Failure("job " + jobId + ": progress is not JSON: " + e.getMessage());
            }
            String status = progress.path("job_status").asText("?");
            long processed = progress.path("total_processed").asLong();
            boolean finished = isFinal(status);
            long polledAt = System.nanoTime();
            if (processed != seenProcessed) {
                seenProcessed = processed;
                movedAt = polledAt;
                explained = null;
            } else if (!finished && polledAt - movedAt >= stallAfter.toNanos()) {
                String waiting = progress.path("waiting").asText("");
                if (!waiting.isEmpty() && !waiting.equals(explained)) {
                    line.note(stalled(jobId, progress, Duration.ofNanos(polledAt - movedAt)));
                    explained = waiting;
                }
            }
            if (line.terminal()) {
                line.redraw(describe(jobId, progress, line.perSecond(processed)));
            } else {
                long now = System.nanoTime();
                boolean changed = !status.equals(lastStatus)
                        || processed != lastProcessed && now - lastPrinted >= quietInterval.toNanos();
                if (changed) {
                    System.err.println(describe(jobId, progress, line.perSecond(processed)));
                    lastPrinted = now;
                    lastStatus = status;
                    lastProcessed = processed;
                }
            }
            if (finished) {
                line.end();
                if ("Cancelled".equals(status)) {
                    System.err.println("reacher: job " + jobId + " was cancelled; its stored results can still be fetched");
                    return BulkCommand.EXIT_FAILED;
                }
                return 0;
            }
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                line.end();
                throw new BulkClient.Failure("interrupted while waiting for job " + jobId);
            }
        }
    }

    /**
     * {@code job 42: no new result for 0:06 at 199/200: 1 address is being verified: waiting on slow
     * mail servers, or on a retry after an unknown result; estimated finish 2026-12-02T15:50:01Z}.
     */
    static String stalled(long jobId, JsonNode p, Duration still) {
        String estimate = p.path("estimated_finish_at").asText("");
        return "job " + jobId + ": no new result for " + ProgressLine.clock(still) + " at "
                + p.path("total_processed").asLong() + "/" + p.path("total_records").asLong() + ": "
                + p.path("waiting").asText() + (estimate.isEmpty() ? "" : "; estimated finish " + estimate);
    }

    private static boolean isFinal(String status) {
        return "Completed".equals(status) || "Cancelled".equals(status);
    }

    /**
     * {@code job 42: Running [####....] 3120/10000 31%  52.0/s  ETA 2:12 (safe 2050, risky 90, invalid 950,
     * unknown 30)}. {@code perSecond} is what this client measured (NaN before two polls).
     */
    static String describe(long jobId, JsonNode p, double perSecond) {
        JsonNode s = p.path("summary");
        if (p.path("rate_per_minute").isNumber()) {
            perSecond = p.get("rate_per_minute").asDouble() / 60; // the server's: since the job was created
        }
        return String.format(Locale.ROOT, "job %d: %s %s (safe %d, risky %d, invalid %d, unknown %d)", jobId,
                p.path("job_status").asText("?"),
                ProgressLine.bar(p.path("total_processed").asLong(), p.path("total_records").asLong(), perSecond),
                s.path("total_safe").asLong(), s.path("total_risky").asLong(), s.path("total_invalid").asLong(),
                s.path("total_unknown").asLong());
    }
}
