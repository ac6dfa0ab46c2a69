package dev.reacher.core.headless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.testkit.Chromedriver;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.RecoveryPages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Sessions are bounded, reused, recycled and never leak; each session can go through a SOCKS5 proxy. */
class SessionPoolTest {

    private static HeadlessSettings settings(Chromedriver driver, RecoveryPages pages, int maxSessions) {
        return HeadlessSettings.defaults()
                .withWebdriverAddr(driver.address())
                .withMaxSessions(maxSessions)
                .withRecycleAfter(50)
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(120))
                .withPages(pages.hotmail(), pages.yahoo());
    }

    @Test
    void twoHundredChecksHoldAtMostMaxSessionsAndNoneAfterShutdown() throws Exception {
        try (Chromedriver driver = Chromedriver.start(); RecoveryPages pages = RecoveryPages.start()) {
            HeadlessVerifier verifier = new HeadlessVerifier(settings(driver, pages, 4));
            AtomicLong maxBrowsers = new AtomicLong();
            AtomicInteger maxOpen = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (sampling.get()) {
                    maxBrowsers.accumulateAndGet(driver.browserProcesses(), Math::max);
                    maxOpen.accumulateAndGet(verifier.openSessions(), Math::max);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            AtomicInteger verdicts = new AtomicInteger();
            java.util.Queue<String> wrong = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.Queue<String> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
            // Eight callers share four sessions, as a bulk worker with concurrency 8 would.
            AtomicInteger next = new AtomicInteger();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> callers = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    callers.add(pool.submit(() -> {
                        for (int i = next.getAndIncrement(); i < 200; i = next.getAndIncrement()) {
                            // Every 50th address gets an answer the flow does not know: an error, so a recycle.
                            String email = (i % 50 == 0 ? "somebody" : i % 2 == 0 ? "exists" : "missing") + i
                                    + "@hotmail.com";
                            try {
                                boolean found = verifier.checkHotmail(email, null).isDeliverable();
                                verdicts.incrementAndGet();
                                if (found != email.startsWith("exists")) {
                                    wrong.add(email + " -> deliverable=" + found);
                                }
                            } catch (HeadlessException e) {
                                errors.add(email + ": " + e.getMessage());
                            }
                        }
                    }));
                }
                for (Future<?> f : callers) {
                    f.get();
                }
            }
            sampling.set(false);
            sampler.join();
            // Never a wrong verdict; the unknown answers are always errors. On a loaded machine a
            // browser may fail to start or crash: that is an error too, never a verdict.
            assertThat(wrong).isEmpty();
            assertThat(errors).filteredOn(m -> m.startsWith("somebody")).hasSize(4)
                    .allMatch(m -> m.contains("layout not recognised"));
            assertThat(verdicts.get()).as("errors: %s", errors).isGreaterThanOrEqualTo(150);
            assertThat(maxOpen.get()).isBetween(1, 4);
            assertThat(maxBrowsers.get()).isBetween(1L, 4L);
            assertThat(driver.browserProcesses()).isLessThanOrEqualTo(4);

            verifier.close();
            assertThat(verifier.openSessions()).isZero();
            await().atMost(Duration.ofSeconds(20)).until(() -> driver.browserProcesses() == 0);
        }
    }

    @Test
    void eachSessionGoesThroughItsSocksProxyEvenToLoopbackPages() throws Exception {
        try (Chromedriver driver = Chromedriver.start(); RecoveryPages pages = RecoveryPages.start();
                Microsocks proxyA = Microsocks.builder().bindAddress("127.0.0.21").start();
                Microsocks proxyB = Microsocks.builder().bindAddress("127.0.0.22").start();
                HeadlessVerifier verifier = new HeadlessVerifier(settings(driver, pages, 1))) {
            String a = proxyA.host() + ":" + proxyA.port();
            String b = proxyB.host() + ":" + proxyB.port();
            assertThat(verifier.checkYahoo("exists@yahoo.com", a).isDeliverable()).isTrue();
            assertThat(pages.peers()).isNotEmpty().allMatch("127.0.0.21"::equals);
            // With one slot, the idle session of proxy A is closed to start one for proxy B.
            assertThat(verifier.checkYahoo("missing@yahoo.com", b).isDeliverable()).isFalse();
            assertThat(pages.peers()).contains("127.0.0.22").doesNotContain("127.0.0.1");
            assertThat(verifier.openSessions()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> driver.browserProcesses() == 1);
        }
    }
}
