package dev.reacher.server.metrics;

import dev.reacher.core.verify.Reachable;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.queue.TaskQueue;
import dev.reacher.server.worker.Worker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The bulk layer's Micrometer adapter, read at scrape time (nothing on the task path):
 * <ul>
 *   <li>{@code reacher_bulk_queue_depth}: tasks waiting in the queue (the embedded one, or this
 *       process's view of the RabbitMQ queue; NaN while the broker cannot be asked);</li>
 *   <li>{@code reacher_bulk_worker_in_flight}: tasks this process's worker holds;</li>
 *   <li>{@code reacher_bulk_results_total{is_reachable}}: results this worker stored;</li>
 *   <li>{@code reacher_bulk_retries_total}: {@code unknown} results sent back for another try.</li>
 * </ul>
 */
public final class BulkMetrics {
    private BulkMetrics() {}

    static void bind(BulkStack stack, MeterRegistry registry) {
        TaskQueue queue = stack.queue();
        if (queue != null) {
            Gauge.builder("reacher.bulk.queue.depth", queue, BulkMetrics::depth)
                    .description("Tasks waiting in the queue").register(registry);
        }
        stack.worker().ifPresent(worker -> bindWorker(worker, registry));
    }

    private static void bindWorker(Worker worker, MeterRegistry registry) {
        Gauge.builder("reacher.bulk.worker.in_flight", worker, Worker::inFlight)
                .description("Tasks this process's worker holds").register(registry);
        for (Reachable verdict : Reachable.values()) {
            FunctionCounter.builder("reacher.bulk.results", worker, w -> w.stored(verdict))
                    .description("Results stored by this process's worker, by is_reachable")
                    .tag("is_reachable", verdict.json()).register(registry);
        }
        FunctionCounter.builder("reacher.bulk.retries", worker, Worker::retried)
                .description("Unknown results sent back to the queue for another try").register(registry);
    }

    private static double depth(TaskQueue queue) {
        try {
            return queue.depth();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
