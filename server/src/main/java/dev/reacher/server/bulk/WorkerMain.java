package dev.reacher.server.bulk;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.EmailVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process: consumes tasks until SIGTERM/SIGINT, then stops gracefully (no new tasks, those
 * in hand finish and are stored and acked). The CLI's {@code reacher worker} calls
 * {@link #run(StorageSettings, WorkerSettings, EmailVerifier, ProxyCredentials)} with settings
 * from the configuration; {@link #main} takes a few flags for standalone use and tests:
 *
 * <pre>
 * java … dev.reacher.server.bulk.WorkerMain --postgres-url=postgres://u:p@db:5432/reacher \
 *     --rabbitmq-url=amqp://guest:guest@mq:5672 --concurrency=50 [--queue=check_email] \
 *     [--postgres-schema=s] [--dns=10.0.0.2:53] [--backend-name=worker-1] [--sqlite-path=f.db]
 * </pre>
 */
public final class WorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {}

    /** Starts consuming (always, whatever {@code worker.consume()} says) and returns the running stack. */
    public static BulkStack run(StorageSettings storage, WorkerSettings worker, EmailVerifier verifier,
            ProxyCredentials credentials) {
        return BulkStack.open(storage, worker.withConsume(true), verifier, credentials, CheckEmailInput.of(""));
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> flags = parse(args);
        StorageSettings storage = flags.containsKey("postgres-url")
                ? StorageSettings.postgres(flags.get("postgres-url")).withSchema(flags.get("postgres-schema"))
                : StorageSettings.sqlite(flags.containsKey("sqlite-path") ? Path.of(flags.get("sqlite-path")) : null);
        WorkerSettings worker = WorkerSettings.defaults()
                .withConcurrency(Integer.parseInt(flags.getOrDefault("concurrency", "5")))
                .withBackendName(flags.getOrDefault("backend-name", "backend-dev"))
                .withQueueName(flags.getOrDefault("queue", "check_email"))
                .withShutdownGrace(Duration.ofSeconds(Long.parseLong(flags.getOrDefault("shutdown-grace-s", "60"))));
        if (flags.containsKey("rabbitmq-url")) {
            worker = worker.withRabbitmq(flags.get("rabbitmq-url"));
        }
        EmailVerifier verifier = EmailVerifier.create(DnsServers.parse(flags.get("dns")));
        BulkStack stack = run(storage, worker, verifier, ProxyCredentials.none());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping: finishing tasks in hand");
            stack.close();
            verifier.close();
            stopped.countDown();
        }, "worker-shutdown"));
        System.out.println("worker ready"); // tests wait for this line
        System.out.flush();
        stopped.await();
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (String a : args) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("expected --name=value, got " + a);
            }
            flags.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        return flags;
    }
}
