package dev.reacher.server.bulk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.job.BulkException;
import dev.reacher.server.job.BulkService;
import dev.reacher.server.job.JobProgress;
import dev.reacher.server.queue.TaskQueue;
import dev.reacher.server.results.JobResults;
import dev.reacher.server.results.ResultFormat;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.task.RpcReply;
import dev.reacher.server.task.TaskCodec;
import dev.reacher.server.testing.MailFixture;
import dev.reacher.server.testing.WebhookReceiver;
import dev.reacher.server.webhook.TaskWebhook;
import dev.reacher.server.webhook.Webhook;
import dev.reacher.server.webhook.WebhookSender;
import dev.reacher.server.worker.WorkerSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The single-machine default end to end, in process: SQLite store, embedded queue, in-process
 * worker, verifications against the scripted DNS and SMTP fixture, webhooks to a local receiver.
 */
class BulkServiceTest {
    private static MailFixture mail;
    private static EmailVerifier verifier;
    private static WebhookReceiver hooks;
    private static BulkStack stack;
    private static BulkService bulk;

    @BeforeAll
    static void start() throws Exception {
        mail = MailFixture.start();
        verifier = mail.verifier();
        hooks = new WebhookReceiver().failFirst("/each", 3).failFirst("/done", 1);
        Path db = Files.createTempDirectory("bulk").resolve("reacher.db");
        WorkerSettings worker = WorkerSettings.builder().concurrency(16)
                .webhooks(new WebhookSender.Settings(4, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(5)))
                .build();
        stack = BulkStack.open(StorageSettings.sqlite(db).withExtra("{\"tenant\":\"acme\"}"), worker, verifier,
                ProxyCredentials.none(), mail.template());
        bulk = stack.bulk();
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
        verifier.close();
        hooks.close();
        mail.close();
    }

    private static JobProgress awaitCompleted(long id) {
        await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100))
                .until(() -> bulk.progress(id).jobStatus() == JobProgress.Status.Completed);
        return bulk.progress(id);
    }

    @Test
    void aJobCompletesWithCountsResultsAndWebhooks() throws Exception {
        List<String> emails = new ArrayList<>(mail.addresses("svc", 120));
        String grey = "grey-svc@bulk.test";
        mail.greylist(grey);
        emails.add(grey);
        TaskWebhook webhook = new TaskWebhook(
                new Webhook(hooks.url("/each"), Map.of("Authorization", "Bearer each"), ReacherJson.mapper().readTree("{\"batch\":7}")),
                new Webhook(hooks.url("/done"), Map.of("X-Token", "done"), ReacherJson.mapper().readTree("\"fin\"")));

        long id = bulk.createJob(emails, webhook);
        JobProgress progress = awaitCompleted(id);

        assertThat(progress.totalRecords()).isEqualTo(121);
        assertThat(progress.totalProcessed()).isEqualTo(121);
        assertThat(progress.summary()).isEqualTo(new JobProgress.Summary(80, 0, 40, 1));
        assertThat(progress.createdAt()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3}|\\.\\d{6})?Z");
        assertThat(progress.finishedAt()).isNotNull();
        String json = progress.toJson();
        assertThat(json).startsWith("{\"job_id\":" + id + ",\"created_at\":\"")
                .contains(",\"total_records\":121,\"total_processed\":121,\"summary\":{\"total_safe\":80,"
                        + "\"total_risky\":0,\"total_invalid\":40,\"total_unknown\":1},\"job_status\":\"Completed\","
                        // reacher-java's additions come after upstream's fields, which keep their order
                        + "\"rate_per_minute\":")
                .endsWith(",\"estimated_finish_at\":null,\"waiting\":null,\"waiting_for_budget\":0,\"budget_returns_at\":null}");

        // "unknown" is retried once: the greylisting server saw that address twice.
        assertThat(mail.smtp.recipients().stream().filter(grey::equals)).hasSize(2);

        // JSON: default page of 50 in input order; pagination.
        JsonNode page = ReacherJson.mapper().readTree(bulk.results(id, ResultFormat.JSON, null, 0).asString());
        assertThat(page.get("results")).hasSize(50);
        assertThat(page.at("/results/0").fieldNames()).toIterable()
                .containsExactly("debug", "input", "is_reachable", "misc", "mx", "smtp", "syntax"); // upstream's order
        assertThat(page.at("/results/0/input").asText()).isEqualTo(emails.get(0));
        assertThat(page.at("/results/0/is_reachable").asText()).isEqualTo("safe");
        assertThat(page.at("/results/2/is_reachable").asText()).isEqualTo("invalid");
        JsonNode tail = ReacherJson.mapper().readTree(bulk.results(id, ResultFormat.JSON, 10L, 115).asString());
        assertThat(tail.get("results")).hasSize(6);
        assertThat(tail.at("/results/5/input").asText()).isEqualTo(grey);
        assertThat(tail.at("/results/5/is_reachable").asText()).isEqualTo("unknown");

        // CSV: everything by default, header first.
        JobResults csv = bulk.results(id, ResultFormat.CSV, null, 0);
        assertThat(csv.contentType()).isEqualTo("text/csv");
        List<String> lines = csv.asString().lines().toList();
        assertThat(lines).hasSize(122);
        assertThat(lines.get(0)).startsWith("input,is_reachable,misc.is_disposable");
        assertThat(lines.get(1)).isEqualTo(emails.get(0) + ",safe,false,false,,true,true,false,false,true,false,true,bulk.test,"
                + emails.get(0).substring(0, emails.get(0).indexOf('@')) + ",");
        assertThat(bulk.results(id, ResultFormat.CSV, 2L, 1).asString().lines()).hasSize(3);

        // Webhooks: one body per address (the first three calls failed and were retried), then the job's.
        await().atMost(20, TimeUnit.SECONDS).until(() -> hooks.calls("/done").size() == 1
                && hooks.calls("/each").stream().map(c -> c.body().at("/result/input").asText()).distinct().count() == 121);
        WebhookReceiver.Call each = hooks.calls("/each").get(0);
        assertThat(each.headers().get("Authorization")).containsExactly("Bearer each");
        assertThat(each.body().get("extra")).isEqualTo(ReacherJson.mapper().readTree("{\"batch\":7}"));
        assertThat(each.body().at("/result/is_reachable").isTextual()).isTrue();
        WebhookReceiver.Call done = hooks.calls("/done").get(0);
        assertThat(done.headers().get("X-token")).containsExactly("done");
        assertThat(done.body().at("/job/job_id").asLong()).isEqualTo(id);
        assertThat(done.body().at("/job/job_status").asText()).isEqualTo("Completed");
        assertThat(done.body().at("/job/total_processed").asInt()).isEqualTo(121);
        assertThat(done.body().get("extra").asText()).isEqualTo("fin");
    }

    @Test
    void errorsUseUpstreamsWords() throws Exception {
        assertThatThrownBy(() -> bulk.createJob(List.of(), null)).isInstanceOfSatisfying(BulkException.class, e -> {
            assertThat(e.kind()).isEqualTo(BulkException.Kind.EMPTY_INPUT);
            assertThat(e.getMessage()).isEqualTo("Empty input");
        });
        assertThatThrownBy(() -> bulk.progress(987654)).isInstanceOfSatisfying(BulkException.class, e -> {
            assertThat(e.kind()).isEqualTo(BulkException.Kind.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("no rows returned by a query that expected to return at least one row");
        });
        // A job nobody consumes stays Running, and its results are refused.
        Path other = Files.createTempDirectory("idle").resolve("reacher.db");
        try (BulkStack idle = BulkStack.open(StorageSettings.sqlite(other), WorkerSettings.defaults().withConsume(false),
                verifier, ProxyCredentials.none(), mail.template())) {
            long id = idle.bulk().createJob(List.of("ok-x@bulk.test"), null);
            assertThat(idle.bulk().progress(id).jobStatus()).isEqualTo(JobProgress.Status.Running);
            assertThat(idle.bulk().progress(id).finishedAt()).isNull();
            assertThatThrownBy(() -> idle.bulk().results(id, ResultFormat.JSON, null, 0))
                    .isInstanceOfSatisfying(BulkException.class, e -> {
                        assertThat(e.kind()).isEqualTo(BulkException.Kind.RUNNING);
                        assertThat(e.getMessage()).isEqualTo("Job " + id + " is still running, please try again later");
                    });
        }
    }

    @Test
    void aPoisonMessageIsSetAsideAndWorkGoesOn() {
        stack.queue().publish(List.of(new TaskQueue.Outgoing("garbage".getBytes(StandardCharsets.UTF_8), 5),
                new TaskQueue.Outgoing("{\"job_id\":\"single_shot\"}".getBytes(StandardCharsets.UTF_8), 5)));
        long id = bulk.createJob(mail.addresses("after-poison", 5), null);
        assertThat(awaitCompleted(id).totalProcessed()).isEqualTo(5);
        await().atMost(5, TimeUnit.SECONDS).until(() -> ((dev.reacher.server.queue.SqliteTaskQueue) stack.queue()).deadLetters() >= 2);
    }

    @Test
    void aBulkItemWithAnUnusableInputIsClosedWithAnErrorRow() throws Exception {
        long id = bulk.createJob(mail.addresses("bad-input", 2), null);
        awaitCompleted(id);
        // A message for a third item of another job whose input cannot be read: stored as an error row.
        long id2 = bulk.createJob(List.of("ok-a@bulk.test"), null);
        awaitCompleted(id2);
        String bad = "{\"job_id\":{\"bulk\":" + id + "},\"item\":1,\"input\":{\"to_email\":\"x\",\"verif_method\":{\"gmail\":{\"type\":\"nope\"}}}}";
        stack.queue().publish(List.of(new TaskQueue.Outgoing(bad.getBytes(StandardCharsets.UTF_8), 1)));
        // Item 1 already has its result: the error row is not added (one result per item).
        await().pollDelay(Duration.ofMillis(500)).atMost(5, TimeUnit.SECONDS).until(() -> stack.queue().depth() == 0);
        assertThat(bulk.progress(id).totalProcessed()).isEqualTo(2);
        assertThat(bulk.results(id, ResultFormat.CSV, null, 0).asString().lines()).hasSize(3);
    }

    @Test
    void aDuplicateMessageStoresNothingAndSendsNoSecondWebhook() throws Exception {
        List<String> one = mail.addresses("dup", 1);
        TaskWebhook webhook = TaskWebhook.onEachEmail(new Webhook(hooks.url("/dup"), Map.of(), null));
        long id = bulk.createJob(one, webhook);
        awaitCompleted(id);
        await().atMost(10, TimeUnit.SECONDS).until(() -> hooks.calls("/dup").size() == 1);
        // The same task again, as a publisher that died between publishing and recording it would send it.
        String template = stack.store().job(id).orElseThrow().taskTemplateJson();
        byte[] again = new TaskCodec.JobTemplate(id, template, webhook).render(0, one.get(0));
        int rcpts = mail.smtp.recipients().size();
        stack.queue().publish(List.of(new TaskQueue.Outgoing(again, TaskQueue.PRIORITY_BULK)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> mail.smtp.recipients().size() > rcpts && stack.queue().depth() == 0);
        Thread.sleep(300);
        assertThat(hooks.calls("/dup")).hasSize(1);
        assertThat(bulk.progress(id).totalProcessed()).isEqualTo(1);
    }

    @Test
    void singleShotIsVerifiedHereAndStored() throws Exception {
        CheckEmailInput input = mail.template().withToEmail(mail.addresses("single", 1).get(0));
        RpcReply reply = stack.singleShot().check(input, LimitPolicy.FAIL);
        assertThat(reply).isInstanceOf(RpcReply.Ok.class);
        JsonNode out = ReacherJson.mapper().readTree(((RpcReply.Ok) reply).json());
        assertThat(out.get("is_reachable").asText()).isEqualTo("safe");
        long stored = stack.store().database().read("count", c -> {
            try (var ps = c.prepareStatement("SELECT COUNT(*) FROM v1_task_result WHERE job_id IS NULL "
                    + "AND result->>'input' = ? AND extra->>'tenant' = 'acme'")) {
                ps.setString(1, input.toEmail());
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        assertThat(stored).isEqualTo(1);
    }
}
