package dev.reacher.core.headless;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded pool of browser sessions. At most {@code maxSessions} exist at once (being created,
 * idle or in use). A session is bound to the proxy it was started with, so an idle session is
 * reused only by a check that wants the same proxy; when the pool is full and only sessions for
 * other proxies are idle, one of those is closed to make room. A session is closed after
 * {@code recycleAfter} checks or after any error, and every session is closed by {@link #close()}
 * (one still in use is closed when it comes back).
 */
final class SessionPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionPool.class);
    private static final String DIRECT = "";

    private final WebDriverClient client;
    private final HeadlessSettings settings;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, ArrayDeque<Pooled>> idle = new HashMap<>();
    private int open; // sessions created, being created or in use
    private boolean closed;

    /** A session with the proxy it was started with and the checks it has served. */
    static final class Pooled {
        final WebDriverClient.Session session;
        final String proxyKey;
        int uses;

        Pooled(WebDriverClient.Session session, String proxyKey) {
            this.session = session;
            this.proxyKey = proxyKey;
        }
    }

    SessionPool(WebDriverClient client, HeadlessSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /**
     * A session started with {@code socksProxy} (null: direct), waiting for a free slot until
     * {@code deadlineNanos} ({@link System#nanoTime()} scale).
     */
    Pooled acquire(String socksProxy, long deadlineNanos) throws HeadlessException {
        String key = socksProxy == null ? DIRECT : socksProxy;
        Pooled evict = null;
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw HeadlessException.newSession("the headless checker is shut down");
                }
                ArrayDeque<Pooled> mine = idle.get(key);
                if (mine != null && !mine.isEmpty()) {
                    return mine.pop();
                }
                if (open < settings.maxSessions()) {
                    open++;
                    break;
                }
                evict = takeAnyIdle();
                if (evict != null) {
                    break; // its slot passes to the new session
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    throw HeadlessException.newSession("no browser session free within the check's deadline "
                            + "(webdriver.max_sessions = " + settings.maxSessions() + ")");
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw HeadlessException.newSession("interrupted while waiting for a browser session");
                }
            }
        } finally {
            lock.unlock();
        }
        if (evict != null) {
            quit(evict);
        }
        try {
            return new Pooled(startSession(socksProxy), key);
        } catch (WebDriverException e) {
            freeSlot();
            throw HeadlessException.newSession(e.getMessage());
        }
    }

    /**
     * A new browser session. When the browser exits while starting ("session not created", seen
     * when several start at once), it is tried once more: a browser that failed to start says
     * nothing about the address being checked.
     */
    private WebDriverClient.Session startSession(String socksProxy) throws WebDriverException {
        // A page load may take up to the whole check's time; the element waits are separate.
        try {
            return client.newSession(ChromeArgs.options(settings.binary(), socksProxy), settings.checkTimeout());
        } catch (WebDriverException e) {
            if (!"session not created".equals(e.error())) {
                throw e;
            }
            LOG.info("a browser failed to start ({}); starting another", e.getMessage());
            return client.newSession(ChromeArgs.options(settings.binary(), socksProxy), settings.checkTimeout());
        }
    }

    /**
     * Gives a session back after a check. A healthy session that has served fewer than
     * {@code recycleAfter} checks is kept (its cookies cleared); any other is closed.
     */
    void release(Pooled pooled, boolean healthy) {
        pooled.uses++;
        boolean keep = healthy && pooled.uses < settings.recycleAfter();
        if (keep) {
            try {
                pooled.session.clearAllCookies(); // the next check must not look like a returning visitor
            } catch (WebDriverException e) {
                keep = false;
            }
        }
        lock.lock();
        try {
            if (keep && !closed) {
                idle.computeIfAbsent(pooled.proxyKey, k -> new ArrayDeque<>()).push(pooled);
                changed.signalAll();
                return;
            }
        } finally {
            lock.unlock();
        }
        quit(pooled);
        freeSlot();
    }

    /** Sessions that exist now (created, being created or in use). */
    int open() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes every idle session and refuses new checks; a session in use is closed when its check
     * gives it back. Waits up to {@code grace} for those.
     */
    void close(Duration grace) {
        List<Pooled> toQuit = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            for (ArrayDeque<Pooled> q : idle.values()) {
                toQuit.addAll(q);
                q.clear();
            }
            open -= toQuit.size();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        toQuit.forEach(SessionPool::quit);
        long deadline = System.nanoTime() + grace.toNanos();
        lock.lock();
        try {
            while (open > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !changed.await(left, TimeUnit.NANOSECONDS) && System.nanoTime() >= deadline) {
                    LOG.warn("{} browser session(s) still in use at shutdown", open);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    private Pooled takeAnyIdle() {
        for (ArrayDeque<Pooled> q : idle.values()) {
            if (!q.isEmpty()) {
                return q.removeLast(); // the least recently used of that proxy
            }
        }
        return null;
    }

    private void freeSlot() {
        lock.lock();
        try {
            open--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static void quit(Pooled pooled) {
        try {
            pooled.session.quit();
        } catch (WebDriverException e) {
            LOG.warn("closing browser session {} failed: {}", pooled.session.id(), e.getMessage());
        }
    }
}
