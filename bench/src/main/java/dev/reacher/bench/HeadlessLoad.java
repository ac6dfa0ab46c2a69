package dev.reacher.bench;

import dev.reacher.core.headless.HeadlessException;
import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.headless.HeadlessVerifier;
import dev.reacher.testkit.Chromedriver;
import dev.reacher.testkit.RecoveryPages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Headless checks per minute against the local copies of the Hotmail page, for each
 * {@code max_sessions}, with a real chromedriver and Chromium; and the browsers' memory (peak RSS
 * of every process chromedriver started, per open session). Each round first opens its sessions
 * (one check per session, not timed), then times {@code --checks} checks made by
 * {@code 2 × max_sessions} callers.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.reacher.bench.HeadlessLoad --sessions 1,2,4 --checks 60</pre>
 */
public final class HeadlessLoad {
    private static final String USAGE = "HeadlessLoad [--sessions 1,2,4] [--checks 60]";

    private HeadlessLoad() {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, Map.of("--sessions", "1,2,4", "--checks", "60"), Set.of(), USAGE);
        int checks = args.integer("--checks");
        try (Chromedriver driver = Chromedriver.start(); RecoveryPages pages = RecoveryPages.start()) {
            System.out.println("max_sessions  checks  errors  seconds  checks/min  peak browser RSS MiB  per session MiB");
            for (String s : args.string("--sessions").split(",")) {
                round(driver, pages, Integer.parseInt(s.strip()), checks);
            }
        }
    }

    private static void round(Chromedriver driver, RecoveryPages pages, int sessions, int checks) throws Exception {
        HeadlessSettings settings = HeadlessSettings.defaults().withWebdriverAddr(driver.address())
                .withMaxSessions(sessions).withRecycleAfter(100_000).withPages(pages.hotmail(), pages.yahoo());
        try (HeadlessVerifier verifier = new HeadlessVerifier(settings)) {
            run(verifier, sessions, sessions, i -> "exists" + i + "@hotmail.com"); // open every session
            AtomicLong peakRss = new AtomicLong();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (sampling.get()) {
                    peakRss.accumulateAndGet(driver.browserRssKib(), Math::max);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long t0 = System.nanoTime();
            int errors = run(verifier, checks, 2 * sessions, i -> (i % 2 == 0 ? "exists" : "missing") + i + "@hotmail.com");
            double secs = (System.nanoTime() - t0) / 1e9;
            sampling.set(false);
            sampler.join();
            double mib = peakRss.get() / 1024.0;
            System.out.printf("%12d  %6d  %6d  %7.1f  %10.1f  %20.0f  %15.0f%n", sessions, checks, errors, secs,
                    checks / secs * 60, mib, mib / sessions);
        }
    }

    /** {@code n} checks by {@code callers} virtual threads; returns the number of errors. */
    private static int run(HeadlessVerifier verifier, int n, int callers, java.util.function.IntFunction<String> email)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                all.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        try {
                            verifier.checkHotmail(email.apply(i), null);
                        } catch (HeadlessException e) {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        return errors.get();
    }
}
