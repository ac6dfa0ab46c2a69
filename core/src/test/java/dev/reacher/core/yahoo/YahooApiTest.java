package dev.reacher.core.yahoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.smtp.SmtpDetails;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sign-up API flow against a loopback stub of Yahoo's two endpoints. */
class YahooApiTest {

    private static final String PAGE = "<html><form><input type=\"hidden\" value=\"idx42\" name=\"sessionIndex\">"
            + "</form></html>";
    private static final String COOKIE = "AS=v=1&s=crumb123&d=A6&S=AQAB; Max-Age=3600; Domain=login.yahoo.com";

    private HttpServer server;
    private final AtomicReference<String> cookie = new AtomicReference<>(COOKIE);
    private final AtomicReference<String> page = new AtomicReference<>(PAGE);
    private final AtomicReference<String> answer = new AtomicReference<>("{\"errors\":[]}");
    private final AtomicReference<Duration> answerDelay = new AtomicReference<>(Duration.ZERO);
    private final ConcurrentLinkedQueue<HttpExchangeRecord> posts = new ConcurrentLinkedQueue<>();

    record HttpExchangeRecord(String contentType, String cookie, String userAgent, String body) {}

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/account/create", ex -> {
            if (cookie.get() != null) {
                ex.getResponseHeaders().add("Set-Cookie", cookie.get());
                ex.getResponseHeaders().add("Set-Cookie", "B=second; path=/");
            }
            respond(ex, page.get());
        });
        server.createContext("/account/module/create", ex -> {
            posts.add(new HttpExchangeRecord(ex.getRequestHeaders().getFirst("Content-type"),
                    ex.getRequestHeaders().getFirst("Cookie"), ex.getRequestHeaders().getFirst("User-Agent"),
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            try {
                Thread.sleep(answerDelay.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(ex, answer.get());
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void respond(HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private YahooApi api(Duration requestTimeout) {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        return new YahooApi(URI.create(base + "/account/create?specId=yidReg"),
                URI.create(base + "/account/module/create?validateField=yid"), Duration.ofSeconds(2), requestTimeout);
    }

    @Test
    void takenUserIdIsDeliverableAndTheRequestIsUpstreams() throws Exception {
        answer.set("{\"errors\":[{\"name\":\"firstName\",\"error\":\"FIELD_EMPTY\"},"
                + "{\"name\":\"userId\",\"error\":\"IDENTIFIER_EXISTS\"}]}");
        try (YahooApi api = api(Duration.ofSeconds(30))) { // generous: a loaded machine is slow, not broken
            assertThat(api.check("someone@yahoo.com")).isEqualTo(new SmtpDetails(true, false, false, true, false));
        }
        HttpExchangeRecord post = posts.poll();
        assertThat(post.cookie()).isEqualTo(COOKIE); // the first Set-Cookie header, as sent
        assertThat(post.contentType()).isEqualTo("application/x-www-form-urlencoded; charset=UTF-8");
        assertThat(post.userAgent()).contains("Chrome/54");
        JsonNode body = ReacherJson.mapper().readTree(post.body());
        assertThat(body.toString()).isEqualTo(
                "{\"acrumb\":\"crumb123\",\"sessionIndex\":\"idx42\",\"specId\":\"yidReg\",\"userId\":\"someone\"}");
    }

    @Test
    void notAvailableIsDeliverableToo() throws Exception {
        answer.set("{\"errors\":[{\"name\":\"userId\",\"error\":\"IDENTIFIER_NOT_AVAILABLE\"}]}");
        try (YahooApi api = api(Duration.ofSeconds(30))) { // generous: a loaded machine is slow, not broken
            assertThat(api.check("a.b@yahoo.com").isDeliverable()).isTrue();
        }
    }

    @Test
    void freeUserIdIsNotDeliverable() throws Exception {
        answer.set("{\"errors\":[{\"name\":\"firstName\",\"error\":\"IDENTIFIER_EXISTS\"},"
                + "{\"name\":\"userId\",\"error\":\"FIELD_EMPTY\"}]}");
        try (YahooApi api = api(Duration.ofSeconds(30))) { // generous: a loaded machine is slow, not broken
            assertThat(api.check("nobody@yahoo.com")).isEqualTo(new SmtpDetails(true, false, false, false, false));
        }
    }

    @Test
    void missingCookieAcrumbOrSessionIndexAreUpstreamsErrors() {
        try (YahooApi api = api(Duration.ofSeconds(30))) { // generous: a loaded machine is slow, not broken
            cookie.set(null);
            assertVariant(api, "NoCookie");
            cookie.set("AS=v=1&x=nocrumb");
            assertVariant(api, "NoAcrumb");
            cookie.set(COOKIE);
            page.set("<html>a new sign-up page</html>");
            assertVariant(api, "NoSessionIndex");
        }
        assertThat(posts).isEmpty();
    }

    @Test
    void answerThatIsNotTheExpectedJsonIsSerdeError() {
        try (YahooApi api = api(Duration.ofSeconds(30))) { // generous: a loaded machine is slow, not broken
            answer.set("<html>blocked</html>");
            assertVariant(api, "SerdeError");
            answer.set("{\"ok\":true}");
            assertVariant(api, "SerdeError");
        }
    }

    @Test
    void slowAnswerTimesOutAsReqwestError() {
        answerDelay.set(Duration.ofSeconds(5));
        try (YahooApi api = api(Duration.ofMillis(300))) {
            assertVariant(api, "ReqwestError");
        }
    }

    @Test
    void refusedConnectionIsReqwestError() throws Exception {
        int port = dev.reacher.testkit.LoopbackPorts.freePort(); // nothing listens there
        try (YahooApi api = new YahooApi(URI.create("http://127.0.0.1:" + port + "/a"),
                URI.create("http://127.0.0.1:" + port + "/b"), Duration.ofSeconds(1), Duration.ofSeconds(1))) {
            assertVariant(api, "ReqwestError");
        }
    }

    private static void assertVariant(YahooApi api, String variant) {
        assertThatThrownBy(() -> api.check("x@yahoo.com"))
                .isInstanceOfSatisfying(YahooException.class, e -> assertThat(e.variant()).isEqualTo(variant));
    }
}
