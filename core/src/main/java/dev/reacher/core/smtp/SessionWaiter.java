package dev.reacher.core.smtp;

import dev.reacher.core.smtp.SmtpVerifier.AttemptResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One attempt waiting for, or in, a shared session ({@link SharedSessions}), and the thread that
 * waits for it: woken once when the attempt is answered, and each time it is asked to become the
 * line's runner.
 */
final class SessionWaiter {
    final SmtpRequest request;
    /** Whether its thread is one of the line's runners; guarded by the line. */
    boolean runner;
    /** Shared sessions that sent its RCPT but ended before its answer (2 when it was their first). */
    private int unanswered;
    private final CompletableFuture<AttemptResult> result = new CompletableFuture<>();
    private final Semaphore wake = new Semaphore(0);
    private final AtomicInteger promotions = new AtomicInteger();

    SessionWaiter(SmtpRequest request) {
        this.request = request;
    }

    /** Its RCPT went out, then the session ended without an answer to it (a drop, a {@code 421}, a timeout). */
    void unanswered(boolean firstInSession) {
        unanswered += firstInSession ? 2 : 1;
    }

    /**
     * The server refused to take more recipients in this transaction: that says nothing about the
     * address, which goes to the next session; as the session's first, it goes alone.
     */
    void tooMany(boolean firstInSession) {
        if (firstInSession) {
            unanswered = 2;
        }
    }

    /** Whether a further shared session may ask it; else it runs in a session of its own. */
    boolean mayShareAgain() {
        return unanswered < 2;
    }

    boolean isDone() {
        return result.isDone();
    }

    /** Answers the attempt (null: its caller runs it alone); only the first answer counts. */
    void complete(AttemptResult r) {
        if (result.complete(r)) {
            wake.release();
        }
    }

    /** Asks its thread to run sessions for the line (the runner before it leaves). */
    void promote() {
        promotions.incrementAndGet();
        wake.release();
    }

    /** Whether a promotion waits to be taken by {@link #awaitTurn}. */
    boolean promoted() {
        return promotions.get() > 0;
    }

    /** Blocks until answered or promoted: true when promoted (then it must run the line). */
    boolean awaitTurn() {
        wake.acquireUninterruptibly();
        return promotions.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    /** The answer; only after {@link #isDone}. */
    AttemptResult result() {
        return result.join();
    }
}
