package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /v0/check_email} and {@code /v1/check_email} through a real server, a scripted DNS
 * server and a scripted SMTP server: upstream's integration vectors, every verdict, the request
 * fields, and every error path with its status and body.
 */
class CheckEmailEndpointTest {
    private static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.start("", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    // ---- upstream's backend/tests/check_email.rs --------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/v0/check_email", "/v1/check_email"})
    void upstreamFooBar(String path) {
        Response r = t.post(path, "{\"to_email\":\"foo@bar\",\"from_email\":null,\"hello_name\":null,\"proxy\":null,"
                + "\"smtp_timeout\":null,\"smtp_port\":null,\"yahoo_verif_method\":null,\"hotmailb2c_verif_method\":null}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.body()).startsWith("{\"input\":\"foo@bar\",\"is_reachable\":\"invalid\",\"misc\":{\"is_disposable\":false,"
                + "\"is_role_account\":false,\"is_b2c\":false,\"gravatar_url\":null,\"haveibeenpwned\":null},\"mx\":{\"accepts_mail\":false,"
                + "\"records\":[]},\"smtp\":{\"can_connect_smtp\":false,\"has_full_inbox\":false,\"is_catch_all\":false,"
                + "\"is_deliverable\":false,\"is_disabled\":false},\"syntax\":{\"address\":null,\"domain\":\"\",\"is_valid_syntax\":false,"
                + "\"username\":\"\",\"normalized_email\":null,\"suggestion\":null}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v0/check_email", "/v1/check_email"})
    void upstreamFooBarBaz(String path) {
        Response r = t.post(path, "{\"to_email\":\"foo@bar.baz\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("{\"input\":\"foo@bar.baz\",\"is_reachable\":\"invalid\",\"misc\":{\"is_disposable\":false,"
                + "\"is_role_account\":false,\"is_b2c\":false,\"gravatar_url\":null,\"haveibeenpwned\":null},\"mx\":{\"accepts_mail\":false,"
                + "\"records\":[]},\"smtp\":{\"can_connect_smtp\":false,\"has_full_inbox\":false,\"is_catch_all\":false,"
                + "\"is_deliverable\":false,\"is_disabled\":false},\"syntax\":{\"address\":\"foo@bar.baz\",\"domain\":\"bar.baz\","
                + "\"is_valid_syntax\":true,\"username\":\"foo\",\"normalized_email\":\"foo@bar.baz\",\"suggestion\":null}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v0/check_email", "/v1/check_email"})
    void upstreamEmptyToEmail(String path) {
        Response r = t.post(path, "{\"to_email\":\"\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.body()).isEqualTo("{\"error\":\"to_email field is required.\"}");
    }

    // ---- real verdicts ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(textBlock = """
        /v0/check_email, alice@example.test,   safe
        /v1/check_email, alice@example.test,   safe
        /v0/check_email, zed@example.test,     invalid
        /v1/check_email, zed@example.test,     invalid
        /v0/check_email, info@example.test,    risky
        /v1/check_email, info@example.test,    risky
        /v1/check_email, listed@example.test,  unknown
        /v1/check_email, nobody@missing.test,  invalid
        """)
    void verdictsComeFromTheSmtpConversation(String path, String email, String verdict) {
        Response r = t.post(path, "{\"to_email\":\"" + email + "\"}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode out = r.json();
        assertThat(out.get("input").asText()).isEqualTo(email);
        assertThat(out.get("is_reachable").asText()).isEqualTo(verdict);
        if (email.endsWith("@example.test")) {
            assertThat(t.smtp.recipients()).contains(email);
            assertThat(out.at("/debug/smtp/verif_method/verif_method/hello_name").asText()).isEqualTo("probe.test");
            assertThat(out.at("/debug/backend_name").asText()).isEqualTo("backend-dev");
        }
    }

    @Test
    void blacklistReplyIsDescribed() {
        JsonNode out = t.post("/v1/check_email", "{\"to_email\":\"listed@example.test\"}").json();
        assertThat(out.at("/smtp/error/type").asText()).isEqualTo("AsyncSmtpError");
        assertThat(out.at("/smtp/description").asText()).isEqualTo("IpBlacklisted");
    }

    @Test
    void silentServerTimesOutIntoUnknownWithTheConfiguredDuration() {
        JsonNode out = t.post("/v0/check_email", "{\"to_email\":\"slow@example.test\"}").json();
        assertThat(out.get("is_reachable").asText()).isEqualTo("unknown");
        assertThat(out.at("/smtp/error/type").asText()).isEqualTo("Timeout");
        assertThat(out.at("/smtp/error/message/secs").asInt()).isEqualTo(2);
    }

    /** Upstream: without a request proxy, hello_name/from_email/smtp_port in the body are ignored. */
    @Test
    void identityFieldsAreIgnoredWithoutARequestProxy() {
        JsonNode out = t.post("/v0/check_email", "{\"to_email\":\"alice@example.test\",\"hello_name\":\"ignored.test\","
                + "\"from_email\":\"ignored@x.test\",\"smtp_port\":1}").json();
        assertThat(out.get("is_reachable").asText()).isEqualTo("safe");
        assertThat(out.at("/debug/smtp/verif_method/verif_method/hello_name").asText()).isEqualTo("probe.test");
        assertThat(out.at("/debug/smtp/verif_method/verif_method/from_email").asText()).isEqualTo("probe@client.test");
    }

    @Test
    void legacyYahooAndHotmailFieldsSwitchTheirProviders() {
        // Only observable for Yahoo/Hotmail MX hosts: the built input is checked in RequestInputsTest.
        Response r = t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\",\"yahoo_verif_method\":\"Smtp\","
                + "\"hotmailb2c_verif_method\":\"Headless\"}");
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void unknownFieldsAreIgnoredAndOneTrailingSlashIsTolerated() {
        Response r = t.post("/v1/check_email/", "{\"to_email\":\"alice@example.test\",\"check_gravatar\":true,"
                + "\"gmail_verif_method\":\"Smtp\",\"whatever\":{\"a\":[1,2]}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("is_reachable").asText()).isEqualTo("safe");
        assertThat(r.json().at("/misc/gravatar_url").isNull()).isTrue();
    }

    @Test
    void contentTypeWithCharsetAndAbsentContentTypeAreAccepted() {
        assertThat(t.post("/v0/check_email", "{\"to_email\":\"foo@bar\"}", "Content-Type", "application/json; charset=utf-8")
                .status()).isEqualTo(200);
        HttpRequest noType = t.request("/v0/check_email")
                .POST(HttpRequest.BodyPublishers.ofString("{\"to_email\":\"foo@bar\"}")).build();
        assertThat(noType.headers().firstValue("content-type")).isEmpty();
        assertThat(t.send(noType).status()).isEqualTo(200);
    }

    // ---- errors -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
        missing to_email            | {}                                        | missing field `to_email`
        null to_email               | {"to_email":null}                         | field `to_email`: invalid type: null, expected a string
        number to_email             | {"to_email":42}                           | field `to_email`: invalid type: integer `42`, expected a string
        array body                  | ["a@b.c"]                                 | invalid type: sequence, expected a JSON object
        string body                 | "a@b.c"                                   | invalid type: string
        not JSON                    | to_email=a@b.c                            | Unrecognized token
        truncated JSON              | {"to_email":"a@b.c"                       | end-of-input
        trailing garbage            | {"to_email":"a@b.c"} x                    | Unrecognized token
        duplicate key               | {"to_email":"a@b.c","to_email":"x@y.z"}   | Duplicate field 'to_email'
        from_email number           | {"to_email":"a@b.c","from_email":1}       | field `from_email`: invalid type: integer `1`, expected a string or null
        hello_name object           | {"to_email":"a@b.c","hello_name":{}}      | field `hello_name`: invalid type: map
        smtp_port too big           | {"to_email":"a@b.c","smtp_port":70000}    | field `smtp_port`: invalid type: integer `70000`, expected a port number 1-65535
        smtp_port float             | {"to_email":"a@b.c","smtp_port":25.5}     | field `smtp_port`: invalid type: floating point `25.5`
        smtp_port string            | {"to_email":"a@b.c","smtp_port":"25"}     | field `smtp_port`: invalid type: string "25"
        smtp_timeout number         | {"to_email":"a@b.c","smtp_timeout":5}     | field `smtp_timeout`: invalid type: integer `5`, expected a duration
        smtp_timeout without nanos  | {"to_email":"a@b.c","smtp_timeout":{"secs":5}} | missing field `smtp_timeout.nanos`
        smtp_timeout zero           | {"to_email":"a@b.c","smtp_timeout":[0,0]} | field `smtp_timeout`: a zero timeout
        smtp_timeout negative       | {"to_email":"a@b.c","smtp_timeout":{"secs":-1,"nanos":0}} | field `smtp_timeout.secs`
        proxy string                | {"to_email":"a@b.c","proxy":"socks5://h:1"} | field `proxy`: invalid type: string
        proxy without host          | {"to_email":"a@b.c","proxy":{"port":1080}} | missing field `proxy.host`
        proxy without port          | {"to_email":"a@b.c","proxy":{"host":"127.0.0.1"}} | missing field `proxy.port`
        proxy port zero             | {"to_email":"a@b.c","proxy":{"host":"127.0.0.1","port":0}} | field `proxy.port`
        proxy timeout negative      | {"to_email":"a@b.c","proxy":{"host":"127.0.0.1","port":1,"timeout_ms":-5}} | field `proxy.timeout_ms`
        unknown yahoo method        | {"to_email":"a@b.c","yahoo_verif_method":"Carrier"} | field `yahoo_verif_method`: unknown variant `Carrier`, expected one of `Api`, `Headless`, `Smtp`
        lowercase yahoo method      | {"to_email":"a@b.c","yahoo_verif_method":"smtp"} | unknown variant `smtp`
        api for hotmail b2c         | {"to_email":"a@b.c","hotmailb2c_verif_method":"Api"} | field `hotmailb2c_verif_method`: unknown variant `Api`, expected one of `Headless`, `Smtp`
        empty body                  | ~~                                        | EOF while parsing
        """)
    void malformedBodiesAre400sNamingTheProblem(String name, String body, String expected) {
        for (String path : List.of("/v0/check_email", "/v1/check_email")) {
            Response r = t.post(path, body);
            assertThat(r.status()).as(name + " on " + path + ": " + r.body()).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/json");
            JsonNode json = r.json();
            assertThat(json.size()).isEqualTo(1);
            assertThat(json.get("error").asText()).startsWith("Request body deserialize error: ").contains(expected);
        }
    }

    @Test
    void oversizedDeclaredBodyIs413() {
        String big = "{\"to_email\":\"a@b.c\",\"pad\":\"" + "x".repeat(ReacherApi.CHECK_BODY_LIMIT) + "\"}";
        Response r = t.post("/v1/check_email", big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asText()).startsWith("The request payload is too large");
    }

    @Test
    void bodyOfExactlyTheLimitIsAccepted() {
        String head = "{\"to_email\":\"foo@bar\",\"pad\":\"";
        String body = head + "x".repeat(ReacherApi.CHECK_BODY_LIMIT - head.length() - 2) + "\"}";
        assertThat(body).hasSize(ReacherApi.CHECK_BODY_LIMIT);
        assertThat(t.post("/v0/check_email", body).status()).isEqualTo(200);
    }

    @Test
    void oversizedChunkedBodyIs413() {
        byte[] big = ("{\"to_email\":\"a@b.c\",\"pad\":\"" + "x".repeat(40_000) + "\"}").getBytes();
        HttpRequest chunked = t.request("/v0/check_email", "Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build();
        assertThat(chunked.bodyPublisher().orElseThrow().contentLength()).isNegative(); // sent chunked
        Response r = t.send(chunked);
        assertThat(r.status()).isEqualTo(413);
    }

    /**
     * A refused body is read (up to 1 MiB) before the 413 goes out, so a client still sending reads
     * the answer instead of a reset connection; repeated, because that failure was intermittent.
     */
    @Test
    void everyOversizedRequestGetsItsJson413EvenWhileStillSending() {
        for (int i = 0; i < 40; i++) {
            for (int size : new int[] {ReacherApi.CHECK_BODY_LIMIT + 1, 20_000, 200_000}) {
                Response declared = t.post("/v1/check_email", "x".repeat(size));
                assertThat(declared.status()).as("declared %d bytes, round %d", size, i).isEqualTo(413);
                assertThat(declared.json().get("error").asText()).startsWith("The request payload is too large");
                byte[] body = "y".repeat(size).getBytes();
                Response chunked = t.send(t.request("/v0/check_email", "Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build());
                assertThat(chunked.status()).as("chunked %d bytes, round %d", size, i).isEqualTo(413);
            }
        }
    }

    @Test
    void smallChunkedBodyIsAccepted() {
        byte[] body = "{\"to_email\":\"foo@bar\"}".getBytes();
        HttpRequest chunked = t.request("/v1/check_email", "Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        assertThat(t.send(chunked).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/problem+json", "multipart/form-data"})
    void otherContentTypesAre415(String type) {
        Response r = t.post("/v1/check_email", "{\"to_email\":\"a@b.c\"}", "Content-Type", type);
        assertThat(r.status()).isEqualTo(415);
        assertThat(r.body()).isEqualTo("{\"error\":\"The request's content-type is not supported: expected application/json\"}");
    }

    @Test
    void sizeIsCheckedBeforeContentTypeAndContentTypeBeforeJson() {
        String big = "x".repeat(ReacherApi.CHECK_BODY_LIMIT + 1);
        assertThat(t.post("/v1/check_email", big, "Content-Type", "text/plain").status()).isEqualTo(413);
        assertThat(t.post("/v1/check_email", "not json", "Content-Type", "text/plain").status()).isEqualTo(415);
    }

    @ParameterizedTest
    @CsvSource({"GET, /v0/check_email", "PUT, /v1/check_email", "DELETE, /v0/check_email", "OPTIONS, /v1/check_email",
            "POST, /version", "POST, /v1/proxies"})
    void wrongMethodIs405(String method, String path) {
        Response r = t.send(t.request(path).method(method, HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.body()).isEqualTo("{\"error\":\"HTTP method not allowed\"}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/v2/check_email", "/v0/bulk", "/v0/bulk/1", "/check_email", "/v1/check_email/extra"})
    void unknownPathIs404(String path) {
        Response r = t.get(path);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).startsWith("no route for GET ");
    }
}
