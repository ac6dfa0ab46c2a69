package dev.reacher.core.misc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.reacher.core.syntax.SyntaxCheck;
import dev.reacher.core.syntax.SyntaxDetails;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

class MiscCheckerTest {
    /** Base URL for the lookup a test leaves disabled: never contacted. */
    private static final URI UNUSED = URI.create("http://127.0.0.1:9/unused/");
    private static final Duration SHORT = Duration.ofMillis(500);

    private MiscChecker checker;

    @AfterEach
    void closeChecker() {
        if (checker != null) {
            checker.close();
        }
    }

    private MiscChecker checker(URI gravatar, URI hibp, Duration requestTimeout) {
        checker = new MiscChecker(gravatar, hibp, Duration.ofSeconds(2), requestTimeout);
        return checker;
    }

    private static SyntaxDetails syntax(String address) {
        SyntaxDetails s = SyntaxCheck.check(address);
        assertThat(s.isValidSyntax()).as("test input must be valid syntax").isTrue();
        return s;
    }

    // upstream's misc/mod.rs vectors, with Gravatar on loopback instead of the internet

    @Test
    void upstreamVectorTestAtGmail() throws Exception {
        try (StubHttpServer gravatar = StubHttpServer.replying(404, "")) {
            MiscDetails misc = checker(gravatar.uri("/avatar/"), UNUSED, Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(true, null));
            assertThat(misc).isEqualTo(new MiscDetails(false, true, true, null, null));
            assertThat(gravatar.requests()).hasSize(1);
        }
    }

    @Test
    void disposableSubdomain() {
        MiscDetails misc = checker(UNUSED, UNUSED, SHORT).check(syntax("ok@ok.33mail.com"), MiscOptions.none());
        assertThat(misc.isDisposable()).isTrue();
        assertThat(misc.isB2c()).isFalse(); // b2c is an exact match: 33mail.com is listed, ok.33mail.com is not
    }

    @Test
    void plainGmailAddress() {
        MiscDetails misc = checker(UNUSED, UNUSED, SHORT).check(syntax("foo@gmail.com"), MiscOptions.none());
        assertThat(misc).isEqualTo(new MiscDetails(false, false, true, null, null));
    }

    @Test
    void invalidSyntaxGivesDefaults() {
        assertThat(checker(UNUSED, UNUSED, SHORT).check(SyntaxDetails.invalid(), new MiscOptions(true, "k")))
                .isEqualTo(MiscDetails.defaults());
    }

    // Gravatar

    @Test
    void gravatarFoundGivesUrlWithoutQuery() throws Exception {
        try (StubHttpServer gravatar = StubHttpServer.replying(200, "PNG")) {
            MiscDetails misc = checker(gravatar.uri("/avatar/"), UNUSED, Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(true, null));
            assertThat(misc.gravatarUrl()).isEqualTo(gravatar.uri("/avatar/1aedb8d9dc4751e229a335e371db8058").toString());
            StubHttpServer.Seen seen = gravatar.requests().get(0);
            assertThat(seen.method()).isEqualTo("GET");
            assertThat(seen.rawPath()).isEqualTo("/avatar/1aedb8d9dc4751e229a335e371db8058");
            assertThat(seen.rawQuery()).isEqualTo("d=404");
        }
    }

    @Test
    void gravatarHashesTheAddressAsGiven() throws Exception {
        try (StubHttpServer gravatar = StubHttpServer.replying(200, "")) {
            MiscDetails misc = checker(gravatar.uri("/avatar/"), UNUSED, Duration.ofSeconds(5))
                    .check(syntax("Test@Gmail.com"), new MiscOptions(true, null));
            assertThat(misc.gravatarUrl()).endsWith("/avatar/f96bdd0c96c047ca655cf7099f0df9d4");
        }
    }

    @Test
    void gravatarNotFoundGivesNull() throws Exception {
        try (StubHttpServer gravatar = StubHttpServer.replying(404, "")) {
            assertThat(checker(gravatar.uri("/avatar/"), UNUSED, Duration.ofSeconds(5))
                    .check(syntax("nobody@example.com"), new MiscOptions(true, null)).gravatarUrl()).isNull();
        }
    }

    @Test
    void gravatarOtherStatusGivesNull() throws Exception {
        try (StubHttpServer gravatar = StubHttpServer.replying(204, "")) {
            assertThat(checker(gravatar.uri("/avatar/"), UNUSED, Duration.ofSeconds(5))
                    .check(syntax("nobody@example.com"), new MiscOptions(true, null)).gravatarUrl()).isNull();
        }
    }

    @Test
    void gravatarNotAskedMakesNoRequest() throws Exception {
        try (StubHttpServer gravatar = StubHttpServer.replying(200, "")) {
            assertThat(checker(gravatar.uri("/avatar/"), UNUSED, Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), MiscOptions.none()).gravatarUrl()).isNull();
            assertThat(gravatar.requests()).isEmpty();
        }
    }

    @Test
    void gravatarServerThatNeverAnswersTimesOutToNull() throws Exception {
        try (SilentServer silent = new SilentServer("")) {
            long start = System.nanoTime();
            MiscDetails misc = checker(silent.uri("/avatar/"), UNUSED, SHORT)
                    .check(syntax("test@gmail.com"), new MiscOptions(true, null));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(misc.gravatarUrl()).isNull();
            assertThat(silent.connections()).isEqualTo(1);
            assertThat(took).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void connectionRefusedGivesNull() throws Exception {
        URI closed;
        try (StubHttpServer server = StubHttpServer.replying(200, "[1]")) {
            closed = server.uri("/gone/");
        }
        MiscDetails misc = checker(closed, closed, Duration.ofSeconds(5))
                .check(syntax("test@gmail.com"), new MiscOptions(true, "key"));
        assertThat(misc.gravatarUrl()).isNull();
        assertThat(misc.haveibeenpwned()).isNull();
    }

    // HaveIBeenPwned

    static Stream<Arguments> hibpReplies() {
        return Stream.of(
                Arguments.of(200, "[{\"Name\":\"Adobe\"},{\"Name\":\"LinkedIn\"}]", true),
                Arguments.of(200, "[\"Adobe\"]", true),
                Arguments.of(200, "[]", false),
                Arguments.of(200, "not json", false),
                Arguments.of(200, "{\"Name\":\"Adobe\"}", false),
                Arguments.of(200, "", false),
                Arguments.of(404, "", false),
                Arguments.of(400, "", null),
                Arguments.of(401, "", null),
                Arguments.of(429, "", null),
                Arguments.of(500, "[{\"Name\":\"Adobe\"}]", null),
                Arguments.of(503, "", null));
    }

    @ParameterizedTest(name = "HTTP {0} {1} -> {2}")
    @MethodSource("hibpReplies")
    void hibpReply(int status, String body, Boolean expected) throws Exception {
        try (StubHttpServer hibp = StubHttpServer.replying(status, body)) {
            MiscDetails misc = checker(UNUSED, hibp.uri("/api/v3/breachedaccount/"), Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(false, "key"));
            assertThat(misc.haveibeenpwned()).isEqualTo(expected);
            assertThat(hibp.requests()).hasSize(1);
        }
    }

    @Test
    void hibpSendsKeyUserAgentAndTruncateFlag() throws Exception {
        try (StubHttpServer hibp = StubHttpServer.replying(404, "")) {
            checker(UNUSED, hibp.uri("/api/v3/breachedaccount/"), Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(false, "s3cr3t-key"));
            StubHttpServer.Seen seen = hibp.requests().get(0);
            assertThat(seen.method()).isEqualTo("GET");
            assertThat(seen.rawPath()).isEqualTo("/api/v3/breachedaccount/test@gmail.com");
            assertThat(seen.rawQuery()).isEqualTo("truncateResponse=false");
            assertThat(seen.headers().get("hibp-api-key")).containsExactly("s3cr3t-key");
            assertThat(seen.headers().get("User-Agent")).containsExactly("reacher");
        }
    }

    @Test
    void hibpEmptyKeyStillLooksUp() throws Exception {
        try (StubHttpServer hibp = StubHttpServer.replying(401, "")) {
            MiscDetails misc = checker(UNUSED, hibp.uri("/hibp/"), Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(false, ""));
            assertThat(misc.haveibeenpwned()).isNull();
            assertThat(hibp.requests()).hasSize(1);
            assertThat(hibp.requests().get(0).headers().get("hibp-api-key")).containsExactly("");
        }
    }

    @Test
    void hibpWithoutKeyMakesNoRequest() throws Exception {
        try (StubHttpServer hibp = StubHttpServer.replying(200, "[1]")) {
            MiscDetails misc = checker(UNUSED, hibp.uri("/hibp/"), Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(false, null));
            assertThat(misc.haveibeenpwned()).isNull();
            assertThat(hibp.requests()).isEmpty();
        }
    }

    @Test
    void hibpPercentEncodesTheAddressAsOnePathSegment() throws Exception {
        try (StubHttpServer hibp = StubHttpServer.replying(200, "[1]")) {
            MiscDetails misc = checker(UNUSED, hibp.uri("/api/v3/breachedaccount/"), Duration.ofSeconds(5))
                    .check(syntax("a#b@x.com"), new MiscOptions(false, "key"));
            assertThat(misc.haveibeenpwned()).isTrue();
            StubHttpServer.Seen seen = hibp.requests().get(0);
            assertThat(seen.rawPath()).isEqualTo("/api/v3/breachedaccount/a%23b@x.com");
            assertThat(seen.path()).isEqualTo("/api/v3/breachedaccount/a#b@x.com");
            assertThat(seen.rawQuery()).isEqualTo("truncateResponse=false");
        }
    }

    @Test
    void encodePathSegment() {
        assertThat(MiscChecker.encodePathSegment("a#b@x.com")).isEqualTo("a%23b@x.com");
        assertThat(MiscChecker.encodePathSegment("a/b?c%d+e&f=g@x.com")).isEqualTo("a%2Fb%3Fc%25d%2Be%26f%3Dg@x.com");
        assertThat(MiscChecker.encodePathSegment("Plain.Name-1_~@x.com")).isEqualTo("Plain.Name-1_~@x.com");
    }

    @Test
    void hibpBodyThatStallsTimesOutToNull() throws Exception {
        // Headers arrive at once, the promised body never does: the deadline must cover the body too.
        try (SilentServer stalling = new SilentServer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[")) {
            long start = System.nanoTime();
            MiscDetails misc = checker(UNUSED, stalling.uri("/hibp/"), SHORT)
                    .check(syntax("test@gmail.com"), new MiscOptions(false, "key"));
            assertThat(misc.haveibeenpwned()).isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void hibpKeyThatIsNotAHeaderValueGivesNullAndIsNotLogged() throws Exception {
        ListAppender<ILoggingEvent> logs = captureLogs();
        try (StubHttpServer hibp = StubHttpServer.replying(200, "[1]")) {
            MiscDetails misc = checker(UNUSED, hibp.uri("/hibp/"), Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(false, "s3cr3t\r\nX-Evil: 1"));
            assertThat(misc.haveibeenpwned()).isNull();
            assertThat(hibp.requests()).isEmpty();
        } finally {
            detach(logs);
        }
        assertThat(logs.list).isNotEmpty();
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("s3cr3t"));
    }

    @Test
    void apiKeyIsNeverLoggedOnFailure() throws Exception {
        ListAppender<ILoggingEvent> logs = captureLogs();
        try (StubHttpServer hibp = StubHttpServer.replying(500, "")) {
            checker(UNUSED, hibp.uri("/hibp/"), Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(false, "s3cr3t-key"));
        } finally {
            detach(logs);
        }
        assertThat(logs.list).isNotEmpty();
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("s3cr3t"));
    }

    // Both lookups at once

    @Test
    void gravatarAndHibpRunConcurrently() throws Exception {
        // Each handler waits until the other request has arrived; run one after the other, the first
        // would give up waiting and answer 500.
        CountDownLatch bothArrived = new CountDownLatch(2);
        java.util.function.Function<StubHttpServer.Seen, StubHttpServer.Reply> waitForBoth = seen -> {
            bothArrived.countDown();
            try {
                return bothArrived.await(2, TimeUnit.SECONDS)
                        ? new StubHttpServer.Reply(200, "[{\"Name\":\"Adobe\"}]")
                        : new StubHttpServer.Reply(500, "");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new StubHttpServer.Reply(500, "");
            }
        };
        try (StubHttpServer gravatar = new StubHttpServer(waitForBoth);
                StubHttpServer hibp = new StubHttpServer(waitForBoth)) {
            MiscDetails misc = checker(gravatar.uri("/avatar/"), hibp.uri("/hibp/"), Duration.ofSeconds(5))
                    .check(syntax("test@gmail.com"), new MiscOptions(true, "key"));
            assertThat(misc.gravatarUrl()).isNotNull();
            assertThat(misc.haveibeenpwned()).isTrue();
        }
    }

    @Test
    void rejectsBadConfiguration() {
        Duration t = Duration.ofSeconds(1);
        assertThatThrownBy(() -> new MiscChecker(URI.create("ftp://127.0.0.1/"), UNUSED, t, t))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gravatarBase");
        assertThatThrownBy(() -> new MiscChecker(UNUSED, URI.create("/relative/"), t, t))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hibpBase");
        assertThatThrownBy(() -> new MiscChecker(UNUSED, UNUSED, Duration.ZERO, t))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> new MiscChecker(UNUSED, UNUSED, t, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestTimeout");
    }

    @Test
    void defaultsPointAtThePublicServices() {
        assertThat(MiscChecker.DEFAULT_GRAVATAR_BASE).hasToString("https://www.gravatar.com/avatar/");
        assertThat(MiscChecker.DEFAULT_HIBP_BASE).hasToString("https://haveibeenpwned.com/api/v3/breachedaccount/");
        assertThat(MiscChecker.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
        assertThat(MiscChecker.DEFAULT_REQUEST_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
        new MiscChecker().close(); // constructing makes no request
    }

    @Test
    void optionsNeverPrintTheKey() {
        assertThat(new MiscOptions(true, "s3cr3t-key").toString()).doesNotContain("s3cr3t").contains("***");
        assertThat(new MiscOptions(true, null).toString()).contains("haveibeenpwnedApiKey=null");
    }

    private static ListAppender<ILoggingEvent> captureLogs() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(MiscChecker.class)).addAppender(appender);
        return appender;
    }

    private static void detach(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(MiscChecker.class)).detachAppender(appender);
    }
}
