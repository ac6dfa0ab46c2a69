package dev.reacher.server.bulk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.WorkerMain;
import dev.reacher.server.job.JobProgress;
import dev.reacher.server.results.ResultFormat;
import dev.reacher.server.storage.NewJob;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.task.RpcReply;
import dev.reacher.server.task.TaskCodec;
import dev.reacher.server.testing.ChildJvm;
import dev.reacher.server.testing.MailFixture;
import dev.reacher.server.testing.Services;
import dev.reacher.server.worker.WorkerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scale-out on the machine's PostgreSQL and RabbitMQ: this JVM is an API node that only publishes,
 * the workers are separate JVMs running {@link WorkerMain} (what {@code reacher worker} runs).
 */
class ScaleOutTest {
    private static String schema;
    private static String queue;
    private static MailFixture mail;
    private static EmailVerifier verifier;
    private static BulkStack api;
    private final List<ChildJvm> workers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Services.requirePostgres();
        Services.requireRabbitmq();
        schema = Services.freshSchema("scale");
        queue = Services.freshQueue("check_email.scale");
        mail = MailFixture.start();
        verifier = mail.verifier();
        api = BulkStack.open(StorageSettings.postgres(Services.POSTGRES_URL).withSchema(schema),
                WorkerSettings.builder().rabbitmqUrl(Services.RABBITMQ_URL).queueName(queue).consume(false)
                        .rpcTimeout(Duration.ofSeconds(30)).build(),
                verifier, ProxyCredentials.none(), mail.template());
    }

    @AfterEach
    void stopWorkers() throws Exception {
        for (ChildJvm w : workers) {
            w.close();
        }
        workers.clear();
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
        verifier.close();
        mail.close();
        Services.dropSchema(schema);
        Services.deleteQueues(queue);
    }

    private ChildJvm worker(String name, int concurrency) throws Exception {
        // Configured as docs/scaling.md tells operators: environment variables only.
        ChildJvm w = ChildJvm.start(name, "worker ready", java.util.Map.of(
                "RCH__WORKER__ENABLE", "true",
                "RCH__WORKER__RABBITMQ__URL", Services.RABBITMQ_URL,
                "RCH__WORKER__RABBITMQ__QUEUE", queue,
                "RCH__WORKER__RABBITMQ__CONCURRENCY", Integer.toString(concurrency),
                "RCH__WORKER__SHUTDOWN_GRACE_SECS", "20",
                "RCH__STORAGE__POSTGRES__DB_URL", Services.POSTGRES_URL,
                "RCH__STORAGE__POSTGRES__SCHEMA", schema,
                "RCH__DNS__SERVERS", mail.dns.address(),
                "RCH__BACKEND_NAME", name), WorkerMain.class);
        workers.add(w);
        return w.awaitReady(Duration.ofSeconds(60));
    }

    private static void awaitCompleted(long job, Duration timeout) {
        await().atMost(timeout.toSeconds(), TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                .until(() -> api.bulk().progress(job).jobStatus() == JobProgress.Status.Completed);
    }

    /** Rows per item: every item of the job exactly once. */
    private static void assertOneResultPerItem(long job, int n) {
        assertThat(Services.queryLong(schema, "SELECT COUNT(*) FROM v1_task_result WHERE job_id = " + job)).isEqualTo(n);
        assertThat(Services.queryLong(schema, "SELECT COUNT(DISTINCT item_index) FROM v1_task_result WHERE job_id = " + job
                + " AND item_index BETWEEN 0 AND " + (n - 1))).isEqualTo(n);
    }

    private static long tasksDone(ChildJvm w) {
        return w.output().stream().filter(l -> l.contains("worker stopped after")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll(".*worker stopped after (\\d+) task.*", "$1"))).orElse(-1L);
    }

    @Test
    void twoWorkerProcessesCompleteAThousandAddressJob() throws Exception {
        ChildJvm a = worker("worker-a", 16);
        ChildJvm b = worker("worker-b", 16);
        List<String> emails = mail.addresses("two", 1000, Duration.ofMillis(5));
        long job = api.bulk().createJob(emails, null);
        awaitCompleted(job, Duration.ofSeconds(120));

        assertOneResultPerItem(job, 1000);
        JobProgress p = api.bulk().progress(job);
        assertThat(p.summary()).isEqualTo(new JobProgress.Summary(667, 0, 333, 0));
        JsonNode first = ReacherJson.mapper().readTree(api.bulk().results(job, ResultFormat.JSON, 1L, 0).asString());
        assertThat(first.at("/results/0/input").asText()).isEqualTo(emails.get(0));
        assertThat(first.at("/results/0").fieldNames()).toIterable()
                .containsExactly("debug", "input", "is_reachable", "misc", "mx", "smtp", "syntax"); // as from SQLite
        assertThat(first.at("/results/0/debug/backend_name").asText()).isEqualTo("bulk-test"); // the publisher's input

        // Graceful stop (SIGTERM): both report their share, and both did work.
        assertThat(a.stop(Duration.ofSeconds(30))).isIn(0, 143);
        assertThat(b.stop(Duration.ofSeconds(30))).isIn(0, 143);
        assertThat(tasksDone(a)).isPositive();
        assertThat(tasksDone(b)).isPositive();
        assertThat(tasksDone(a) + tasksDone(b)).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void aWorkerKilledMidJobAndRestartedLeavesExactlyOneResultPerAddress() throws Exception {
        ChildJvm a = worker("worker-kill-a", 8);
        worker("worker-kill-b", 8);
        int n = 1000;
        List<String> emails = mail.addresses("kill", n, Duration.ofMillis(40));
        long job = api.bulk().createJob(emails, null);
        await().atMost(60, TimeUnit.SECONDS).until(() -> api.bulk().progress(job).totalProcessed() >= n / 4);
        a.kill(); // SIGKILL mid-job: its unacked deliveries go back to the queue
        assertThat(api.bulk().progress(job).totalProcessed()).isLessThan(n);
        worker("worker-kill-a2", 8);
        awaitCompleted(job, Duration.ofSeconds(120));
        assertOneResultPerItem(job, n);
        assertThat(api.bulk().progress(job).totalProcessed()).isEqualTo(n);
    }

    @Test
    void aJobWhosePublisherDiedBeforePublishingIsPublishedByTheSweep() throws Exception {
        worker("worker-sweep", 8);
        // What an API node leaves when it dies right after committing the job: items stored, nothing published.
        List<String> emails = mail.addresses("sweep", 50);
        long job = api.store().createJob(new NewJob(emails, TaskCodec.inputTemplate(mail.template()), null));
        assertThat(api.bulk().progress(job).jobStatus()).isEqualTo(JobProgress.Status.Running);
        api.bulk().sweep();
        awaitCompleted(job, Duration.ofSeconds(60));
        assertOneResultPerItem(job, 50);
    }

    @Test
    void singleShotGoesThroughAWorkerAndIsStored() throws Exception {
        worker("worker-rpc", 4);
        String email = mail.addresses("rpc", 1).get(0);
        RpcReply reply = api.singleShot().check(mail.template().withToEmail(email), LimitPolicy.FAIL);
        assertThat(reply).isInstanceOf(RpcReply.Ok.class);
        JsonNode out = ReacherJson.mapper().readTree(((RpcReply.Ok) reply).json());
        assertThat(out.get("input").asText()).isEqualTo(email);
        assertThat(out.get("is_reachable").asText()).isEqualTo("safe");
        await().atMost(10, TimeUnit.SECONDS).until(() -> Services.queryLong(schema,
                "SELECT COUNT(*) FROM v1_task_result WHERE job_id IS NULL AND result->>'input' = '" + email + "'") == 1);
    }

    @Test
    void singleShotWithoutAnyWorkerTimesOut() {
        try (BulkStack lonely = BulkStack.open(StorageSettings.postgres(Services.POSTGRES_URL).withSchema(schema),
                WorkerSettings.builder().rabbitmqUrl(Services.RABBITMQ_URL).queueName(queue + ".nobody")
                        .consume(false).rpcTimeout(Duration.ofMillis(800)).build(),
                verifier, ProxyCredentials.none(), mail.template())) {
            RpcReply reply = lonely.singleShot().check(mail.template().withToEmail("x@bulk.test"), LimitPolicy.FAIL);
            assertThat(reply).isInstanceOfSatisfying(RpcReply.Err.class, e -> {
                assertThat(e.status()).isEqualTo(504);
                assertThat(e.message()).startsWith("Failed to get a reply from the worker");
            });
        } finally {
            try {
                Services.deleteQueues(queue + ".nobody");
            } catch (IllegalStateException ignored) {
                // best effort
            }
        }
    }
}
