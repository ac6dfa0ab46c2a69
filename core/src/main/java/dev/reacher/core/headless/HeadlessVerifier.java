package dev.reacher.core.headless;

import dev.reacher.core.smtp.SmtpDetails;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code headless} verification method: drives a provider's account-recovery page in a
 * browser through a WebDriver (chromedriver) and reads the answer from which element appears.
 *
 * <p>One flow attempt: open the page, wait for the address field, wait 200 ms (the page's scripts
 * attach late), type the address, click the submit button, then wait for the first of the page's
 * outcome elements (see {@link RecoveryPage}). Every element wait is bounded by
 * {@link HeadlessSettings#elementWait()} and by the check's deadline, a page load by the check's
 * timeout. A page that never shows the
 * address field or any outcome element is {@value HeadlessException#LAYOUT_NOT_RECOGNISED}: an
 * error, never a guess.
 *
 * <p>Sessions come from a bounded pool and are reused; a session is closed after any error (upstream
 * left it open) and after {@link HeadlessSettings#recycleAfter()} checks. Thread-safe; share one
 * instance per process and {@link #close()} it at shutdown.
 */
public final class HeadlessVerifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadlessVerifier.class);
    private static final Duration SETTLE = Duration.ofMillis(200);
    private static final long POLL_MILLIS = 100;

    private final HeadlessSettings settings;
    private final WebDriverClient client;
    private final SessionPool pool;
    private final RecoveryPage hotmail;
    private final RecoveryPage yahoo;

    public HeadlessVerifier(HeadlessSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        // A navigation may wait for the page load (up to checkTimeout); the HTTP call gets a margin beyond it.
        this.client = new WebDriverClient(settings.webdriverAddr(), settings.checkTimeout().plusSeconds(15));
        this.pool = new SessionPool(client, settings);
        this.hotmail = RecoveryPage.hotmail(settings.hotmailPage());
        this.yahoo = RecoveryPage.yahoo(settings.yahooPage());
    }

    public HeadlessSettings settings() {
        return settings;
    }

    /** Whether the WebDriver answers {@code GET /status} with {@code ready: true}. */
    public boolean webdriverReady() {
        return client.ready();
    }

    /** Browser sessions open now; never more than {@code max_sessions}. */
    public int openSessions() {
        return pool.open();
    }

    /** Checks a Hotmail/Outlook.com (B2C) address on the password-reset page. */
    public SmtpDetails checkHotmail(String email, String socksProxy) throws HeadlessException {
        return check(hotmail, email, socksProxy);
    }

    /** Checks a Yahoo address on the "forgot" page. */
    public SmtpDetails checkYahoo(String email, String socksProxy) throws HeadlessException {
        return check(yahoo, email, socksProxy);
    }

    /**
     * Runs the page's flow, up to its number of attempts, within {@link HeadlessSettings#checkTimeout()}.
     *
     * @param socksProxy {@code host:port} of a SOCKS5 proxy without credentials, or null for direct
     * @return {@code can_connect_smtp} true; deliverable and disabled as the page says
     * @throws HeadlessException the last attempt's error
     */
    public SmtpDetails check(RecoveryPage page, String email, String socksProxy) throws HeadlessException {
        long deadline = System.nanoTime() + settings.checkTimeout().toNanos();
        HeadlessException last = null;
        boolean staleRetried = false;
        for (int attempt = 1; attempt <= page.attempts(); attempt++) {
            if (attempt > 1) {
                if (System.nanoTime() + page.pause().toNanos() >= deadline) {
                    break;
                }
                sleep(page.pause());
            }
            SessionPool.Pooled pooled = pool.acquire(socksProxy, deadline);
            boolean healthy = false;
            try {
                RecoveryPage.Outcome outcome = runOnce(pooled.session, page, email, deadline);
                healthy = true;
                return new SmtpDetails(true, false, false, outcome.deliverable(), outcome.disabled());
            } catch (WebDriverException e) {
                last = HeadlessException.cmd(e.getMessage());
                if (pooled.uses > 0 && isDeadSession(e) && !staleRetried) {
                    // A reused browser that died while idle is the pool's problem, not this check's
                    // attempt: one more try on a fresh session (upstream never reuses sessions).
                    staleRetried = true;
                    attempt--;
                }
            } catch (HeadlessException e) {
                last = e;
            } finally {
                pool.release(pooled, healthy);
            }
            LOG.debug("{} attempt {} failed: {}", page.name(), attempt, last.getMessage());
        }
        throw last != null ? last : HeadlessException.cmd("the check's deadline passed before an attempt");
    }

    private RecoveryPage.Outcome runOnce(WebDriverClient.Session session, RecoveryPage page, String email,
            long deadline) throws WebDriverException, HeadlessException {
        session.navigate(page.url().toString());
        String input = waitForFirst(session, List.of(page.input()), deadline).element();
        sleep(SETTLE);
        session.sendKeys(input, email);
        List<String> submit = session.findAll(page.submit());
        if (submit.isEmpty()) {
            throw notRecognised(page, "no " + page.submit());
        }
        session.click(submit.get(0));
        List<String> selectors = page.outcomes().stream().map(RecoveryPage.Outcome::selector).toList();
        Found found = waitForFirst(session, selectors, deadline);
        return page.outcomes().get(found.index());
    }

    /** Which selector matched first, and its element. */
    private record Found(int index, String element) {}

    /**
     * Polls the selectors in order until one matches (the first to appear wins; on a tie the
     * earlier selector), for at most the element wait and never past the deadline.
     */
    private Found waitForFirst(WebDriverClient.Session session, List<String> selectors, long deadline)
            throws WebDriverException, HeadlessException {
        long start = System.nanoTime();
        long until = Math.min(deadline, start + settings.elementWait().toNanos());
        while (true) {
            for (int i = 0; i < selectors.size(); i++) {
                List<String> found = session.findAll(selectors.get(i));
                if (!found.isEmpty()) {
                    return new Found(i, found.get(0));
                }
            }
            if (System.nanoTime() >= until) {
                if (until == deadline) {
                    // Out of time, not out of patience: that says nothing about the page.
                    throw HeadlessException.cmd("the check's deadline passed while waiting for "
                            + String.join(", ", selectors));
                }
                throw HeadlessException.cmd(HeadlessException.LAYOUT_NOT_RECOGNISED + ": none of "
                        + String.join(", ", selectors) + " appeared within "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
            }
            sleep(Duration.ofMillis(POLL_MILLIS));
        }
    }

    /** The session's browser is gone (crashed or closed): the W3C "invalid session id" error. */
    private static boolean isDeadSession(WebDriverException e) {
        return "invalid session id".equals(e.error()) || e.getMessage().contains("disconnected");
    }

    private static HeadlessException notRecognised(RecoveryPage page, String what) {
        return HeadlessException.cmd(HeadlessException.LAYOUT_NOT_RECOGNISED + ": " + page.name() + " has " + what);
    }

    private static void sleep(Duration d) throws HeadlessException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HeadlessException.cmd("interrupted");
        }
    }

    /** Closes every browser session (waiting up to 30 s for those in use). */
    @Override
    public void close() {
        pool.close();
    }

    /** The WebDriver address, for messages and readiness reports. */
    public URI webdriverAddr() {
        return settings.webdriverAddr();
    }
}
