package dev.reacher.server.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.server.webhook.TaskWebhook;
import dev.reacher.server.webhook.Webhook;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskCodecTest {
    private static final ProxyConfig PROXY = new ProxyConfig("10.0.0.1", 1080, "alice", "s3cret", 5000L);

    private static CheckEmailInput withProxy() {
        return CheckEmailInput.of("a@b.test").withVerifMethod(VerifMethod.sameForAll(PROXY, SmtpConfig.defaults()));
    }

    private static JsonNode json(byte[] body) throws Exception {
        return ReacherJson.mapper().readTree(body);
    }

    @Test
    void bulkMessageHasUpstreamShapePlusItemAndNoPassword() throws Exception {
        Webhook each = new Webhook("http://127.0.0.1:9/hook", Map.of("Authorization", "t"), null);
        byte[] body = TaskCodec.encode(new TaskMessage(withProxy(), JobRef.bulk(42), TaskWebhook.onEachEmail(each), 7));
        JsonNode root = json(body);
        assertThat(root.fieldNames()).toIterable().containsExactly("input", "job_id", "webhook", "item");
        assertThat(root.at("/job_id/bulk").asLong()).isEqualTo(42);
        assertThat(root.get("item").asInt()).isEqualTo(7);
        assertThat(root.at("/input/to_email").asText()).isEqualTo("a@b.test");
        assertThat(root.at("/input/verif_method/proxies/default/username").asText()).isEqualTo("alice");
        assertThat(root.at("/input/verif_method/proxies/default/password").isNull()).isTrue();
        assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("s3cret");
        assertThat(root.at("/webhook/on_each_email/url").asText()).isEqualTo("http://127.0.0.1:9/hook");
        for (String field : List.of("verif_method", "check_gravatar", "webdriver_addr", "webdriver_config", "backend_name")) {
            assertThat(root.get("input").has(field)).as(field).isTrue(); // required by upstream's workers
        }
    }

    @Test
    void singleShotRoundTrips() throws Exception {
        TaskMessage decoded = TaskCodec.decode(TaskCodec.encode(new TaskMessage(CheckEmailInput.of("x@y.test"),
                JobRef.singleShot(), null, null)));
        assertThat(decoded.job()).isEqualTo(JobRef.singleShot());
        assertThat(decoded.item()).isNull();
        assertThat(decoded.input().toEmail()).isEqualTo("x@y.test");
        assertThat(json(TaskCodec.encode(decoded)).get("job_id").asText()).isEqualTo("single_shot");
    }

    @Test
    void acceptsAnUpstreamMessageWithoutItem() throws Exception {
        String upstream = """
                {"input":{"to_email":"a@b.com","verif_method":{"proxies":{},"gmail":{"type":"smtp","from_email":"f@x",
                "hello_name":"h","proxy":null,"smtp_port":25,"smtp_timeout":{"secs":45,"nanos":0},"retries":1},
                "hotmailb2c":{"type":"headless"},"yahoo":{"type":"headless"}},"check_gravatar":false,
                "haveibeenpwned_api_key":null,"webdriver_addr":"http://localhost:9515","webdriver_config":{"binary":null},
                "backend_name":"backend-dev","sentry_dsn":null},"job_id":{"bulk":3},"webhook":null}""";
        TaskMessage t = TaskCodec.decode(upstream.getBytes(StandardCharsets.UTF_8));
        assertThat(t.bulkJobId()).isEqualTo(3);
        assertThat(t.item()).isNull();
        assertThat(t.input().backendName()).isEqualTo("backend-dev");
    }

    @Test
    void malformedMessagesSayWhatIsWrongAndKeepTheItemWhenKnown() {
        assertThatThrownBy(() -> TaskCodec.decode("{nope".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedTaskException.class).hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> TaskCodec.decode("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedTaskException.class).hasMessage("not a JSON object");
        assertThatThrownBy(() -> TaskCodec.decode("{\"input\":{\"to_email\":\"a\"}}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedTaskException.class).hasMessageContaining("job_id");
        try {
            TaskCodec.decode("{\"job_id\":{\"bulk\":5},\"item\":3,\"input\":{\"to_email\":\"a\",\"verif_method\":{\"gmail\":{\"type\":\"nope\"}}}}"
                    .getBytes(StandardCharsets.UTF_8));
            throw new AssertionError("expected MalformedTaskException");
        } catch (MalformedTaskException e) {
            assertThat(e.jobId()).isEqualTo(5);
            assertThat(e.item()).isEqualTo(3);
        }
    }

    @Test
    void jobTemplateRendersExactlyWhatEncodeWrites() throws Exception {
        TaskWebhook webhook = new TaskWebhook(new Webhook("http://h/each", Map.of(), null), null);
        TaskCodec.JobTemplate template = new TaskCodec.JobTemplate(9, TaskCodec.inputTemplate(withProxy()), webhook);
        String email = "we\"ird,\u00e9@b.test";
        byte[] rendered = template.render(12, email);
        byte[] encoded = TaskCodec.encode(new TaskMessage(withProxy().withToEmail(email), JobRef.bulk(9), webhook, 12));
        assertThat(json(rendered)).isEqualTo(json(encoded));
        assertThat(TaskCodec.decode(rendered).input().toEmail()).isEqualTo(email);
    }

    @Test
    void singleShotPayloadsSpliceTheAddressIntoTheSameJsonAndHoldNoPassword() throws Exception {
        Webhook each = new Webhook("http://127.0.0.1:9/hook", Map.of("Authorization", "t"), null);
        for (String email : List.of("a@b.test", "q\"uote\\back@b.test", "ünï@b.test", "")) {
            CheckEmailInput input = withProxy().withToEmail(email);
            String fast = TaskCodec.payload(new TaskMessage(input, JobRef.singleShot(), null, null));
            // The general path (a webhook, which payloads drop) renders the whole tree.
            String general = TaskCodec.payload(new TaskMessage(input, JobRef.singleShot(), TaskWebhook.onEachEmail(each), null));
            assertThat(fast).isEqualTo(general).doesNotContain("s3cret");
            assertThat(json(fast.getBytes(java.nio.charset.StandardCharsets.UTF_8)).at("/input/to_email").asText())
                    .isEqualTo(email);
        }
    }

    @Test
    void aRetryCarriesTheProxiesToAvoid() throws Exception {
        TaskMessage task = new TaskMessage(withProxy(), JobRef.bulk(3), null, 5).avoiding(java.util.Set.of("p2", "p1"));
        byte[] body = TaskCodec.encode(task);
        assertThat(json(body).get("avoid_proxies").toString()).isEqualTo("[\"p1\",\"p2\"]");
        assertThat(TaskCodec.decode(body).avoidProxies()).containsExactlyInAnyOrder("p1", "p2");
        assertThat(json(TaskCodec.encode(new TaskMessage(withProxy(), JobRef.bulk(3), null, 5))).has("avoid_proxies")).isFalse();
    }

    @Test
    void workersPutBackOnlyThePasswordsTheyKnow() {
        CheckEmailInput stripped = TaskCodec.withoutPasswords(withProxy());
        assertThat(stripped.verifMethod().proxies().get("default").password()).isNull();
        ProxyCredentials mine = ProxyCredentials.of(List.of(PROXY));
        assertThat(mine.restore(stripped).verifMethod().proxies().get("default").password()).isEqualTo("s3cret");
        assertThat(ProxyCredentials.none().restore(stripped).verifMethod().proxies().get("default").password()).isNull();
        assertThat(mine.canRestore(withProxy())).isTrue();
        assertThat(ProxyCredentials.none().canRestore(withProxy())).isFalse();
        assertThat(ProxyCredentials.none().canRestore(CheckEmailInput.of("a@b.test"))).isTrue();
    }

    @Test
    void bulkPayloadKeepsOnlyAddressAndPlace() {
        String payload = TaskCodec.payload(new TaskMessage(withProxy(), JobRef.bulk(4), null, 2));
        assertThat(payload).isEqualTo("{\"input\":{\"to_email\":\"a@b.test\"},\"job_id\":{\"bulk\":4},\"item\":2}");
        String single = TaskCodec.payload(new TaskMessage(withProxy(), JobRef.singleShot(), null, null));
        assertThat(single).contains("\"job_id\":\"single_shot\"").doesNotContain("s3cret");
    }
}
