package dev.reacher.server.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits results in group transactions: whatever arrived while the previous transaction ran goes
 * into the next one (up to {@code maxBatch}). At low load that is one row per commit and no added
 * latency; at high load one commit serves hundreds of tasks, and the per-job counter row is touched
 * once per commit instead of once per address.
 */
public final class ResultWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultWriter.class);

    private record Pending(NewResult result, CompletableFuture<Boolean> done) {}

    private final ResultStore store;
    private final Consumer<List<Long>> onCompleted;
    private final int maxBatch;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** @param onCompleted called (on the writer thread) with jobs whose last result was just committed */
    public ResultWriter(ResultStore store, Consumer<List<Long>> onCompleted, int maxBatch) {
        this.store = store;
        this.onCompleted = onCompleted;
        this.maxBatch = maxBatch;
        this.thread = Thread.ofVirtual().name("result-writer").start(this::run);
    }

    /**
     * Completes when the transaction is committed: with true when the result was stored, false when
     * its job item already had one. Fails with the storage error otherwise.
     */
    public CompletableFuture<Boolean> submit(NewResult result) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("result writer closed"));
            return done;
        }
        queue.add(new Pending(result, done));
        return done;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                write(batch);
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } finally {
                batch.clear();
            }
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            p.done().completeExceptionally(new IllegalStateException("result writer closed"));
        }
    }

    private void write(List<Pending> batch) {
        try {
            SaveReport report = store.saveResults(batch.stream().map(Pending::result).toList());
            batch.forEach(p -> p.done().complete(report.stored(p.result())));
            notifyCompleted(report.completedJobs());
        } catch (StorageException e) {
            if (batch.size() == 1) {
                batch.get(0).done().completeExceptionally(e);
                return;
            }
            // One bad row must not hold back the others: store them one by one.
            LOG.warn("storing {} results failed ({}); storing them one by one", batch.size(), e.getMessage());
            for (Pending p : batch) {
                try {
                    SaveReport report = store.saveResults(List.of(p.result()));
                    p.done().complete(report.stored(p.result()));
                    notifyCompleted(report.completedJobs());
                } catch (StorageException single) {
                    p.done().completeExceptionally(single);
                }
            }
        }
    }

    private void notifyCompleted(List<Long> completed) {
        if (!completed.isEmpty()) {
            try {
                onCompleted.accept(completed);
            } catch (RuntimeException e) {
                LOG.error("job completion handler failed", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
