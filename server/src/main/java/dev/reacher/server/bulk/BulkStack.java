package dev.reacher.server.bulk;

import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.job.BulkService;
import dev.reacher.server.job.Dispatcher;
import dev.reacher.server.job.JobNotifier;
import dev.reacher.server.queue.RabbitTaskQueue;
import dev.reacher.server.queue.SqliteTaskQueue;
import dev.reacher.server.queue.TaskQueue;
import dev.reacher.server.singleshot.SingleShotService;
import dev.reacher.server.storage.PostgresResultStore;
import dev.reacher.server.storage.ResultStore;
import dev.reacher.server.storage.SqliteResultStore;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.throttle.Throttle;
import dev.reacher.server.webhook.WebhookSender;
import dev.reacher.server.worker.Worker;
import dev.reacher.server.worker.WorkerSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage, queue, worker and the two services, wired from settings. The same classes run both
 * deployments; only the two interfaces' implementations differ:
 * <ul>
 *   <li>single machine (default): {@link SqliteResultStore} + {@link SqliteTaskQueue} in one file,
 *       and a worker in this process;
 *   <li>scale-out: {@link PostgresResultStore} + {@link RabbitTaskQueue}, API processes that
 *       publish (and may consume), and any number of {@code reacher worker} processes elsewhere.
 * </ul>
 * PostgreSQL without RabbitMQ gives upstream's "worker mode off": single-shot verifications are
 * stored, bulk answers 503. Open one per process; {@link #close} stops it gracefully.
 */
public final class BulkStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BulkStack.class);

    private final ResultStore store;
    private final TaskQueue queue;
    private final Dispatcher dispatcher;
    private final Worker worker;
    private final WebhookSender notifierSender;
    private final BulkService bulk;
    private final SingleShotService singleShot;
    private final EmailVerifier verifier;

    private BulkStack(ResultStore store, TaskQueue queue, Dispatcher dispatcher, Worker worker,
            WebhookSender notifierSender, BulkService bulk, SingleShotService singleShot, EmailVerifier verifier) {
        this.verifier = verifier;
        this.store = store;
        this.queue = queue;
        this.dispatcher = dispatcher;
        this.worker = worker;
        this.notifierSender = notifierSender;
        this.bulk = bulk;
        this.singleShot = singleShot;
    }

    /**
     * Opens the database (migrating it), connects the queue and, if {@code worker.consume()}, starts
     * consuming.
     *
     * @param template the input bulk addresses are verified with (the configuration's verification
     *     method and backend name)
     * @throws IllegalArgumentException for RabbitMQ without PostgreSQL (upstream's rule: remote
     *     workers must reach the results database)
     */
    public static BulkStack open(StorageSettings storage, WorkerSettings worker, EmailVerifier verifier,
            ProxyCredentials credentials, CheckEmailInput template) {
        return open(storage, worker, verifier, credentials, template, Throttle.unlimited());
    }

    /**
     * As {@link #open(StorageSettings, WorkerSettings, EmailVerifier, ProxyCredentials, CheckEmailInput)},
     * with the process's {@code [throttle]} applied to the tasks its worker runs.
     */
    public static BulkStack open(StorageSettings storage, WorkerSettings worker, EmailVerifier verifier,
            ProxyCredentials credentials, CheckEmailInput template, Throttle throttle) {
        Objects.requireNonNull(template, "template");
        return open(storage, worker, verifier, credentials, () -> template, throttle);
    }

    /** As above, with the template read at each job's creation (a reloaded configuration changes it). */
    public static BulkStack open(StorageSettings storage, WorkerSettings worker, EmailVerifier verifier,
            ProxyCredentials credentials, java.util.function.Supplier<CheckEmailInput> template, Throttle throttle) {
        String problem = WorkerSettings.storageProblem(worker.usesRabbitmq(), storage.usesPostgres());
        if (problem != null) {
            throw new IllegalArgumentException(problem + ".");
        }
        ResultStore store = storage.usesPostgres()
                ? PostgresResultStore.open(storage.postgresUrl(), storage.postgresSchema(), storage.maxPoolSize(),
                        storage.extraJson())
                : SqliteResultStore.open(storage.sqliteFile(), storage.extraJson());
        TaskQueue queue = null;
        Dispatcher dispatcher = null;
        Worker w = null;
        WebhookSender sender = new WebhookSender(worker.webhooks());
        try {
            if (worker.usesRabbitmq()) {
                queue = RabbitTaskQueue.connect(worker.rabbitmqUrl(), worker.queueName(), worker.backendName(),
                        worker.publishDeadline());
            } else if (!storage.usesPostgres()) {
                queue = new SqliteTaskQueue(store.database(), worker.lease());
                store.releaseDispatchLeases(); // this process owns the file: whoever held them is gone
            }
            if (queue != null) {
                // The lease is renewed after every batch of 1,000 (well under a second), so 30 s only
                // matters when a publisher dies: another process then resumes its jobs within 30 s.
                dispatcher = new Dispatcher(store, queue, new JobNotifier(store, sender), 1000, Duration.ofSeconds(30),
                        Duration.ofSeconds(15));
                if (worker.consume()) {
                    w = Worker.start(queue, store, verifier, credentials, worker, throttle);
                }
            }
            LOG.info("bulk: storage {}, queue {}, worker {}", storage.usesPostgres() ? "PostgreSQL" : "SQLite " + storage.sqliteFile(),
                    queue == null ? "none (bulk disabled)" : worker.usesRabbitmq() ? "RabbitMQ " + worker.queueName() : "embedded",
                    w == null ? "off" : "on, concurrency " + worker.concurrency());
        } catch (RuntimeException e) {
            if (dispatcher != null) {
                dispatcher.close();
            }
            if (queue != null) {
                queue.close();
            }
            store.close();
            sender.close();
            throw e;
        }
        BulkService bulk = new BulkService(store, dispatcher, template, worker.defaultOnEachEmail());
        TaskQueue rpcQueue = worker.usesRabbitmq() ? queue : null; // single machine: verify in the request
        SingleShotService single = new SingleShotService(store, rpcQueue, verifier, credentials, worker.rpcTimeout());
        return new BulkStack(store, queue, dispatcher, w, sender, bulk, single, verifier);
    }

    public BulkService bulk() {
        return bulk;
    }

    public SingleShotService singleShot() {
        return singleShot;
    }

    public Optional<Worker> worker() {
        return Optional.ofNullable(worker);
    }

    public ResultStore store() {
        return store;
    }

    /** The queue, or null when bulk is disabled. */
    public TaskQueue queue() {
        return queue;
    }

    /**
     * Whether the database and the queue answer now, for {@code /readyz}: {@code "ok"} or the
     * error, per part ({@code storage}, {@code queue} when there is one, and {@code proxy_state}
     * when the proxy pool shares its state with a fleet: while that is unreachable, the worker holds
     * its tasks).
     */
    public Map<String, String> health() {
        Map<String, String> parts = new LinkedHashMap<>();
        try {
            store.job(0);
            parts.put("storage", "ok");
        } catch (RuntimeException e) {
            parts.put("storage", "unavailable: " + e.getMessage());
        }
        if (queue != null) {
            try {
                queue.depth();
                parts.put("queue", "ok");
            } catch (RuntimeException e) {
                parts.put("queue", "unavailable: " + e.getMessage());
            }
        }
        var pool = verifier.proxyPool();
        if (pool != null && pool.state().shared()) {
            String problem = pool.stateProblem();
            parts.put("proxy_state", problem == null ? "ok" : "unavailable: " + problem
                    + (worker != null ? " (this worker holds its tasks until it is back)" : ""));
        }
        return parts;
    }

    /** Stops consuming, lets tasks in hand finish (up to the grace period), then closes queue and database. */
    @Override
    public void close() {
        if (worker != null) {
            worker.close();
        }
        if (dispatcher != null) {
            dispatcher.close();
        }
        if (queue != null) {
            queue.close();
        }
        singleShot.close();
        notifierSender.close();
        store.close();
    }
}
