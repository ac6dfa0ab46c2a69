package dev.reacher.core.smtp;

import dev.reacher.core.smtp.SmtpVerifier.AttemptResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets attempts bound for the same MX hosts, through the same route, with the same identity and
 * time limit ({@link Key}) share SMTP sessions: one MAIL FROM, several RCPT TO, at most
 * {@code maxRcpt} recipients per session. Attempts that arrive together wait in one line per key;
 * some of their threads become runners, each of which takes the destination's session slot
 * ({@link DestinationLimits}), claims up to {@code maxRcpt} waiting attempts and holds one
 * {@link SharedConversation} for them, until the line is empty.
 *
 * <p>A runner is needed as long as the line holds more attempts than the other runners will claim
 * in their next session, so no attempt is left without one; once its own attempt is answered, a
 * runner hands its place to the thread of a waiting attempt, so no caller serves the line for
 * longer than its own attempt takes. An attempt that a session ended
 * without a verdict for (its RCPT was sent, then a drop, a {@code 421}, a timeout) goes back to the
 * line once; the second time, or when it was the session's first recipient, the caller runs it in a
 * session of its own ({@link #attempt} returns null), which gives exactly what a separate
 * verification gives. Each attempt completes exactly once.
 */
final class SharedSessions {
    /** How long a new runner waits for siblings before it asks for a slot: bulk tasks arrive within milliseconds. */
    static final Duration DEFAULT_WINDOW = Duration.ofMillis(5);

    private final int maxRcpt;
    private final Duration window;
    private final DestinationLimits limits;
    private final SharedConversation.Parts parts;
    private final ConcurrentHashMap<Key, Line> lines = new ConcurrentHashMap<>();

    SharedSessions(int maxRcpt, Duration window, DestinationLimits limits, SharedConversation.Parts parts) {
        if (maxRcpt < 2) {
            throw new IllegalArgumentException("shared sessions need at least 2 recipients per session");
        }
        this.maxRcpt = maxRcpt;
        this.window = window;
        this.limits = limits;
        this.parts = parts;
    }

    /**
     * Which attempts may share a session: the same MX hosts (so the same server answers, not just
     * the same provider: a per-customer MX such as Proofpoint's would refuse other customers'
     * domains), route, EHLO name, MAIL FROM, port and attempt time limit.
     */
    record Key(List<String> mxHosts, SmtpRoute route, String helloName, String fromEmail, int port, Duration limit) {
        static Key of(SmtpRequest request, SmtpRoute route, Duration limit) {
            SmtpConfig c = request.config();
            return new Key(request.mxHosts().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList(), route,
                    c.helloName(), c.fromEmail(), c.smtpPort(), limit);
        }

        @Override
        public String toString() {
            return "session to " + mxHosts.get(0) + " via " + route; // never the proxy's credentials
        }
    }

    /** The attempts waiting for one key, and how many runners serve them. Guarded by {@link #lines}' compute. */
    private static final class Line {
        final ArrayDeque<SessionWaiter> pending = new ArrayDeque<>();
        int runners;
    }

    /**
     * One attempt of {@code request} through {@code route} in a shared session: blocks until a
     * session answered it. Null when it must run in a session of its own instead (see the class
     * comment); the caller then takes the slot and runs it as a single attempt.
     */
    AttemptResult attempt(SmtpRequest request, SmtpRoute route, Duration limit) {
        Key key = Key.of(request, route, limit);
        SessionWaiter own = new SessionWaiter(request);
        boolean[] runner = new boolean[1];
        lines.compute(key, (k, line) -> {
            Line l = line != null ? line : new Line();
            l.pending.addLast(own);
            if (l.pending.size() > l.runners * maxRcpt) {
                l.runners++;
                own.runner = true;
                runner[0] = true;
            }
            return l;
        });
        if (runner[0]) {
            run(key, own);
        }
        // A promotion counts even after the answer: the line relies on the runner it was promised.
        while (!own.isDone() || own.promoted()) {
            if (own.awaitTurn()) {
                run(key, own);
            }
        }
        return own.result();
    }

    /** A runner: sessions for the key's line until leaving leaves no waiting attempt uncovered. */
    private void run(Key key, SessionWaiter own) {
        String destination = DestinationLimits.of(key.mxHosts().get(0));
        if (pendingCount(key) < maxRcpt) {
            pause(window); // let the siblings of a bulk batch line up
        }
        while (true) {
            DestinationLimits.Slot slot;
            try {
                slot = limits.acquire(destination, Instant.MAX);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon(key, own);
                return;
            }
            try (slot) {
                List<SessionWaiter> batch = claim(key, maxRcpt);
                if (!batch.isEmpty()) {
                    converse(key, batch);
                }
            }
            if (leave(key, own)) {
                return;
            }
        }
    }

    /**
     * One session for {@code batch} (and attempts claimed for later transactions in it). Whatever
     * happens, every claimed attempt ends answered, back in the line, or handed to its caller.
     */
    private void converse(Key key, List<SessionWaiter> batch) {
        List<SessionWaiter> claimed = new ArrayList<>(batch);
        List<SessionWaiter> unserved = List.of();
        try {
            unserved = new SharedConversation(parts, key, sent -> {
                List<SessionWaiter> more = claim(key, maxRcpt - sent);
                claimed.addAll(more);
                return more;
            }).run(batch);
        } finally {
            for (SessionWaiter w : claimed) {
                if (!w.isDone() && !unserved.contains(w)) {
                    w.complete(null); // only after a bug in the conversation: the caller runs it alone
                }
            }
        }
        requeue(key, unserved);
    }

    private int pendingCount(Key key) {
        Line l = lines.get(key);
        return l == null ? 0 : l.pending.size();
    }

    /** Up to {@code max} waiting attempts, oldest first. */
    private List<SessionWaiter> claim(Key key, int max) {
        List<SessionWaiter> batch = new ArrayList<>();
        lines.computeIfPresent(key, (k, l) -> {
            while (batch.size() < max && !l.pending.isEmpty()) {
                batch.add(l.pending.pollFirst());
            }
            return l;
        });
        return batch;
    }

    /**
     * Attempts a session ended without an answer: back to the front of the line for the next
     * session, unless it is their second time or they were first in their session (then null:
     * their callers run them alone).
     */
    private void requeue(Key key, List<SessionWaiter> unserved) {
        List<SessionWaiter> back = new ArrayList<>();
        for (SessionWaiter w : unserved) {
            if (!w.mayShareAgain()) {
                w.complete(null);
            } else {
                back.add(w);
            }
        }
        if (!back.isEmpty()) {
            lines.compute(key, (k, l) -> {
                Line line = l != null ? l : new Line();
                for (int i = back.size() - 1; i >= 0; i--) {
                    line.pending.addFirst(back.get(i));
                }
                return line;
            });
        }
    }

    /**
     * True when this runner may stop: its own attempt is no longer waiting (answered, or in
     * another runner's session). It leaves its place to a waiting attempt's thread when the other
     * runners would not cover the waiting ones, so that no thread serves the line for long after
     * its own attempt was answered (a bulk worker's task would wait for the whole line). The line
     * is dropped when no one uses it any more.
     */
    private boolean leave(Key key, SessionWaiter own) {
        boolean[] left = new boolean[1];
        SessionWaiter[] successor = new SessionWaiter[1];
        lines.computeIfPresent(key, (k, l) -> {
            if (l.pending.contains(own)) {
                return l;
            }
            if (l.pending.size() <= (l.runners - 1) * maxRcpt) {
                l.runners--;
            } else {
                successor[0] = l.pending.stream().filter(w -> !w.runner).findFirst().orElse(null);
                if (successor[0] == null) {
                    return l; // every waiting attempt's thread already runs: stay
                }
                successor[0].runner = true;
            }
            own.runner = false;
            left[0] = true;
            return l.runners == 0 && l.pending.isEmpty() ? null : l;
        });
        if (successor[0] != null) {
            successor[0].promote();
        }
        return left[0];
    }

    /** An interrupted runner leaves; the attempts it covered run alone in their callers' threads. */
    private void abandon(Key key, SessionWaiter own) {
        List<SessionWaiter> orphans = new ArrayList<>();
        lines.computeIfPresent(key, (k, l) -> {
            l.runners--;
            own.runner = false;
            while (l.pending.size() > l.runners * maxRcpt) {
                orphans.add(l.pending.pollLast());
            }
            return l.runners == 0 && l.pending.isEmpty() ? null : l;
        });
        orphans.forEach(w -> w.complete(null));
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
