package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code x-reacher-secret} (upstream's exact 400 text/plain bodies), which routes it protects, the
 * bulk placeholders, and the operational endpoints ({@code /version}, {@code /healthz},
 * {@code /readyz}, {@code /metrics}, {@code /openapi.json}, {@code /v1/proxies}).
 */
class AuthAndRoutesTest {
    private static final String SECRET = "foobar";
    private static TestServer t;

    @BeforeAll
    static void start() {
        // The secret comes from the environment, as in upstream's deployments.
        t = TestServer.start("", Map.of("RCH__HEADER_SECRET", SECRET));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    // ---- upstream's auth vectors ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/v0/check_email", "/v1/check_email"})
    void missingSecretIs400TextPlain(String path) {
        Response r = t.post(path, "{\"to_email\":\"foo@bar\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("text/plain");
        assertThat(r.body()).isEqualTo("Missing request header \"x-reacher-secret\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"barbaz", "FOOBAR", "fooba", "foobar\u00e9", "foobarfoobar", ""})
    void wrongSecretIs400TextPlain(String wrong) {
        Response r = t.post("/v0/check_email", "{\"to_email\":\"foo@bar\"}", "x-reacher-secret", wrong);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("text/plain");
        assertThat(r.body()).isEqualTo("Invalid request header \"x-reacher-secret\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x-reacher-secret", "X-Reacher-Secret", "X-REACHER-SECRET"})
    void correctSecretInAnyHeaderCaseIsAccepted(String header) {
        Response r = t.post("/v0/check_email", "{\"to_email\":\"foo@bar\"}", header, SECRET);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("{\"input\":\"foo@bar\",\"is_reachable\":\"invalid\"");
    }

    @Test
    void secretIsCheckedBeforeTheBody() {
        Response r = t.post("/v1/check_email", "not json", "Content-Type", "text/plain");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("Missing request header \"x-reacher-secret\"");
    }

    @Test
    void methodIsCheckedBeforeTheSecret() {
        assertThat(t.get("/v0/check_email").status()).isEqualTo(405);
    }

    @Test
    void emptySecretMeansNoAuth() throws Exception {
        try (TestServer open = TestServer.start("header_secret = \"\"", Map.of())) {
            assertThat(open.post("/v0/check_email", "{\"to_email\":\"foo@bar\"}").status()).isEqualTo(200);
            assertThat(open.get("/v1/proxies").status()).isEqualTo(200);
        }
    }

    // ---- protected and open routes ----------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"GET, /v1/proxies", "GET, /v1/bulk/1", "GET, /v1/bulk/1/results", "POST, /v1/bulk"})
    void proxyStatusAndBulkAreProtected(String method, String path) {
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString("{\"input\":[\"a@b.c\"]}");
        Response missing = t.send(t.request(path, "Content-Type", "application/json").method(method, body).build());
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body()).isEqualTo("Missing request header \"x-reacher-secret\"");
        Response wrong = t.send(t.request(path, "x-reacher-secret", "nope").method(method, body).build());
        assertThat(wrong.body()).isEqualTo("Invalid request header \"x-reacher-secret\"");
    }

    @ParameterizedTest
    @CsvSource({"GET, /v1/bulk/1", "GET, /v1/bulk/-7/results", "POST, /v1/bulk", "GET, /v1/bulk/2147483647"})
    void bulkWithoutStorageIs503WithUpstreamsMessage(String method, String path) throws Exception {
        try (TestServer bare = TestServer.start("", Map.of("RCH__HEADER_SECRET", SECRET, "RCH__STORAGE__SQLITE__ENABLE", "false"))) {
            Response r = bare.send(bare.request(path, "x-reacher-secret", SECRET, "Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString("{\"input\":[\"a@b.c\"]}")).build());
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).isEqualTo(
                    "{\"error\":\"Please configure a Postgres database on Reacher before calling this endpoint\"}");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/bulk/abc", "/v1/bulk/2147483648", "/v1/bulk/1.5/results"})
    void bulkJobIdMustBeAnI32Else404(String path) {
        Response r = t.get(path, "x-reacher-secret", SECRET);
        assertThat(r.status()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/version", "/healthz", "/readyz", "/metrics", "/openapi.json"})
    void operationalEndpointsAreOpen(String path) {
        assertThat(t.get(path).status()).isEqualTo(200);
    }

    @Test
    void version() {
        Response r = t.get("/version");
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.body()).isEqualTo("{\"version\":\"0.11.7\",\"implementation\":\"reacher-java "
                + ServerVersion.IMPLEMENTATION_VERSION + "\"}");
        assertThat(ServerVersion.IMPLEMENTATION_VERSION).doesNotContain("${").isNotEqualTo("development");
    }

    @Test
    void healthAndReadiness() {
        assertThat(t.get("/healthz").body()).isEqualTo("{\"status\":\"ok\"}");
        JsonNode ready = t.get("/readyz").json();
        assertThat(ready.get("status").asText()).isEqualTo("ready");
        assertThat(ready.at("/checks/config").asText()).isEqualTo("ok");
    }

    @Test
    void proxiesWithoutAPool() {
        Response r = t.get("/v1/proxies", "x-reacher-secret", SECRET);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"enabled\":false,\"strategy\":\"round_robin\",\"proxies\":[]}");
    }

    @Test
    void metricsCountRequestsAndVerdictsAndTheJvm() {
        t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}", "x-reacher-secret", SECRET);
        t.post("/v0/check_email", "{\"to_email\":\"zed@example.test\"}", "x-reacher-secret", SECRET);
        Response r = t.get("/metrics");
        assertThat(r.contentType()).startsWith("text/plain");
        assertThat(r.body())
                .containsPattern("reacher_verifications_total\\{endpoint=\"v1\",is_reachable=\"safe\"} [1-9]")
                .containsPattern("reacher_verifications_total\\{endpoint=\"v0\",is_reachable=\"invalid\"} [1-9]")
                .contains("reacher_verifications_total{endpoint=\"v1\",is_reachable=\"unknown\"} 0.0")
                .containsPattern("http_server_requests_seconds_count\\{method=\"POST\",outcome=\"SUCCESS\",status=\"200\","
                        + "uri=\"/v1/check_email\"} [1-9]")
                .contains("reacher_verifications_in_flight 0.0")
                .contains("jvm_memory_used_bytes")
                .contains("jvm_threads_live_threads")
                .contains("jvm_gc_")
                .contains("process_uptime_seconds")
                .contains("jvm_threads_virtual_");
    }

    @Test
    void unmatchedPathsShareOneMetricsTag() {
        t.get("/random/" + System.nanoTime());
        assertThat(t.get("/metrics").body()).contains("uri=\"NOT_FOUND\"").doesNotContain("/random/");
    }

    @Test
    void openApiIsServedAsJson() {
        Response r = t.get("/openapi.json");
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode doc = r.json();
        assertThat(doc.get("openapi").asText()).startsWith("3.0");
        assertThat(doc.at("/components/securitySchemes/ReacherSecret/name").asText()).isEqualTo("x-reacher-secret");
        assertThat(doc.at("/components/schemas/DebugDetails/properties").has("backend_name")).isTrue();
        assertThat(doc.at("/components/schemas/DebugDetails/properties").has("server_name")).isFalse();
        assertThat(doc.at("/paths/~1v1~1bulk~1{job_id}~1results/get/responses/200/content/application~1json/schema/properties/results/type")
                .asText()).isEqualTo("array");
        for (String path : new String[] {"/v0/check_email", "/v1/check_email", "/v1/bulk", "/v1/bulk/{job_id}",
                "/v1/bulk/{job_id}/results", "/version", "/healthz", "/readyz", "/metrics", "/v1/proxies", "/openapi.json"}) {
            assertThat(doc.get("paths").has(path)).as(path).isTrue();
        }
    }
}
