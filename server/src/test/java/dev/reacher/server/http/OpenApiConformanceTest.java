package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real response bodies of both check endpoints (every verdict and every error shape) validated
 * against the {@code /openapi.json} the server itself serves, with networknt's OpenAPI 3.0
 * dialect. Also proves the validator bites: a tampered body fails, and upstream's uncorrected
 * document rejects real output.
 */
class OpenApiConformanceTest {
    private static final String DOC = "https://reacher.test/openapi.json";
    private static TestServer t;
    private static SchemaRegistry served;

    @BeforeAll
    static void start() {
        t = TestServer.start("[throttle]\nmax_requests_per_day = 1000", Map.of());
        t.dns.mx("yahoo.test", 10, "mta5.am0.yahoodns.net").a("mta5.am0.yahoodns.net", "127.0.0.1");
        t.dns.servfail("broken.test");
        served = registry(t.get("/openapi.json").body());
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    private static SchemaRegistry registry(String document) {
        return SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30(), b -> b.schemas(Map.of(DOC, document)));
    }

    private static Schema responseSchema(SchemaRegistry registry, String path, String status) {
        String pointer = "#/paths/" + path.replace("/", "~1") + "/post/responses/" + status + "/content/application~1json/schema";
        return registry.getSchema(SchemaLocation.of(DOC + pointer));
    }

    private static List<Error> validate(SchemaRegistry registry, String path, String status, String body) {
        return responseSchema(registry, path, status).validate(body, InputFormat.JSON);
    }

    private static List<Error> validateGet(String path, String status, String body) {
        String pointer = "#/paths/" + path.replace("/", "~1") + "/get/responses/" + status + "/content/application~1json/schema";
        return served.getSchema(SchemaLocation.of(DOC + pointer)).validate(body, InputFormat.JSON);
    }

    @org.junit.jupiter.api.Test
    void bulkResponsesConform() {
        var created = t.post("/v1/bulk", "{\"input\":[\"alice@example.test\",\"zed@example.test\",\"foo@bar\"]}");
        assertThat(validate(served, "/v1/bulk", "200", created.body())).as(created.body()).isEmpty();
        assertThat(validate(served, "/v1/bulk", "400", t.post("/v1/bulk", "{\"input\":[]}").body())).isEmpty();
        long id = created.json().get("job_id").asLong();
        org.awaitility.Awaitility.await().atMost(30, java.util.concurrent.TimeUnit.SECONDS)
                .until(() -> t.get("/v1/bulk/" + id).json().get("job_status").asText().equals("Completed"));
        var progress = t.get("/v1/bulk/" + id);
        assertThat(validateGet("/v1/bulk/{job_id}", "200", progress.body())).as(progress.body()).isEmpty();
        var results = t.get("/v1/bulk/" + id + "/results");
        assertThat(results.json().get("results")).hasSize(3);
        assertThat(validateGet("/v1/bulk/{job_id}/results", "200", results.body())).as(results.body()).isEmpty();
        var missing = t.get("/v1/bulk/424242/results");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(validateGet("/v1/bulk/{job_id}/results", "404", missing.body())).isEmpty();
        assertThat(validateGet("/v1/bulk/{job_id}/results", "200", "{\"results\":[{\"input\":1}]}")).isNotEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(textBlock = """
        /v0/check_email, alice@example.test,  safe
        /v1/check_email, alice@example.test,  safe
        /v0/check_email, zed@example.test,    invalid
        /v1/check_email, info@example.test,   risky
        /v0/check_email, slow@example.test,   unknown
        /v1/check_email, listed@example.test, unknown
        /v1/check_email, foo@bar,             invalid
        /v0/check_email, nobody@missing.test, invalid
        /v1/check_email, someone@yahoo.test,  unknown
        /v0/check_email, someone@broken.test, unknown
        """)
    void checkEmailOutputsConformToTheServedDocument(String path, String email, String verdict) {
        Response r = t.post(path, "{\"to_email\":\"" + email + "\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("is_reachable").asText()).isEqualTo(verdict);
        assertThat(validate(served, path, "200", r.body())).as(r.body()).isEmpty();
    }

    @Test
    void theShapesAboveIncludeEveryErrorVariant() {
        // Guard against the table above silently losing coverage of an output shape.
        assertThat(t.post("/v0/check_email", "{\"to_email\":\"slow@example.test\"}").json().at("/smtp/error/message/secs")
                .isNumber()).isTrue();
        assertThat(t.post("/v0/check_email", "{\"to_email\":\"listed@example.test\"}").json().at("/smtp/description")
                .asText()).isEqualTo("IpBlacklisted");
        assertThat(t.post("/v0/check_email", "{\"to_email\":\"someone@broken.test\"}").json().at("/mx/error/type")
                .isTextual()).isTrue();
        assertThat(t.post("/v0/check_email", "{\"to_email\":\"someone@yahoo.test\"}").json().at("/smtp/error/type")
                .asText()).isEqualTo("HeadlessError");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        empty to_email  | 400 | {"to_email":""}
        bad JSON        | 400 | {"to_email":
        wrong type      | 400 | {"to_email":"a@b.c","smtp_port":"x"}
        """)
    void errorBodiesConform(String name, String status, String body) {
        for (String path : List.of("/v0/check_email", "/v1/check_email")) {
            Response r = t.post(path, body);
            assertThat(r.status()).isEqualTo(Integer.parseInt(status));
            assertThat(validate(served, path, status, r.body())).as(r.body()).isEmpty();
        }
    }

    @Test
    void oversizedAndUnsupportedTypeErrorsConform() {
        Response big = t.post("/v1/check_email", "x".repeat(20_000));
        assertThat(big.status()).isEqualTo(413);
        assertThat(validate(served, "/v1/check_email", "413", big.body())).isEmpty();
        Response type = t.post("/v0/check_email", "{}", "Content-Type", "text/plain");
        assertThat(validate(served, "/v0/check_email", "415", type.body())).isEmpty();
    }

    @Test
    void theValidatorRejectsWhatTheDocumentForbids() {
        String real = t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}").body();
        assertThat(validate(served, "/v1/check_email", "200", real)).isEmpty();
        String badVerdict = real.replace("\"is_reachable\":\"safe\"", "\"is_reachable\":\"maybe\"");
        assertThat(validate(served, "/v1/check_email", "200", badVerdict)).isNotEmpty();
        String noBackendName = real.replace("\"backend_name\"", "\"server_name\"");
        assertThat(validate(served, "/v1/check_email", "200", noBackendName)).isNotEmpty();
        String stringSmtp = real.replaceFirst("\"smtp\":\\{\"can_connect_smtp\"[^}]*}", "\"smtp\":\"ok\"");
        assertThat(stringSmtp).isNotEqualTo(real);
        assertThat(validate(served, "/v1/check_email", "200", stringSmtp)).isNotEmpty();
    }

    /** Why the corrections exist: upstream's own document rejects real upstream-shaped output. */
    @Test
    void upstreamsDocumentRejectsRealOutput() throws IOException {
        String upstream;
        try (var in = OpenApiConformanceTest.class.getResourceAsStream("/upstream/openapi.json")) {
            upstream = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        SchemaRegistry original = registry(upstream);
        String timeout = t.post("/v0/check_email", "{\"to_email\":\"slow@example.test\"}").body();
        // The smtp error is {"error":{…}}, not a bare CoreError; debug has backend_name, not server_name.
        assertThat(original.getSchema(SchemaLocation.of(DOC + "#/components/schemas/CheckEmailOutput"))
                .validate(timeout, InputFormat.JSON)).isNotEmpty();
        assertThat(validate(served, "/v0/check_email", "200", timeout)).isEmpty();
    }
}
