package dev.reacher.core.headless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.smtp.SmtpDetails;
import dev.reacher.testkit.Chromedriver;
import dev.reacher.testkit.RecoveryPages;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The two recovery-page flows in a real Chromium through a real chromedriver, on local copies of the pages. */
class HeadlessVerifierTest {
    private static Chromedriver driver;
    private static RecoveryPages pages;
    private static HeadlessVerifier verifier;

    @BeforeAll
    static void start() {
        driver = Chromedriver.start();
        pages = RecoveryPages.start();
        verifier = new HeadlessVerifier(settings(2));
    }

    static HeadlessSettings settings(int maxSessions) {
        return HeadlessSettings.defaults()
                .withWebdriverAddr(driver.address())
                .withMaxSessions(maxSessions)
                .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(30))
                .withPages(pages.hotmail(), pages.yahoo());
    }

    @AfterAll
    static void stop() {
        if (verifier != null) {
            verifier.close();
        }
        if (pages != null) {
            pages.close();
        }
        if (driver != null) {
            driver.close();
        }
    }

    @ParameterizedTest(name = "hotmail {0} -> deliverable={1}")
    @CsvSource({"exists.one@hotmail.com, true", "code.two@outlook.com, true", "missing@hotmail.com, false",
            "member.x@live.com, false"})
    void hotmailOutcomes(String email, boolean deliverable) throws Exception {
        assertThat(verifier.checkHotmail(email, null)).isEqualTo(new SmtpDetails(true, false, false, deliverable, false));
    }

    @ParameterizedTest(name = "yahoo {0} -> deliverable={1} disabled={2}")
    @CsvSource({"exists@yahoo.com, true, false", "code@yahoo.com, true, false", "challenge@yahoo.com, true, false",
            "missing@yahoo.com, false, false", "locked@yahoo.com, false, true"})
    void yahooOutcomes(String email, boolean deliverable, boolean disabled) throws Exception {
        assertThat(verifier.checkYahoo(email, null))
                .isEqualTo(new SmtpDetails(true, false, false, deliverable, disabled));
    }

    @Test
    void unknownAnswerIsLayoutNotRecognisedNeverInvalid() {
        assertThatThrownBy(() -> verifier.checkHotmail("somebody@hotmail.com", null))
                .isInstanceOfSatisfying(HeadlessException.class, e -> {
                    assertThat(e.variant()).isEqualTo("Cmd");
                    assertThat(e.getMessage()).startsWith("page layout not recognised: none of #pMemberNameErr");
                });
    }

    @Test
    void redesignedPageIsLayoutNotRecognised() {
        try (HeadlessVerifier redesigned = new HeadlessVerifier(settings(1)
                .withPages(pages.hotmailRedesigned(), pages.yahooRedesigned()))) {
            assertThatThrownBy(() -> redesigned.checkHotmail("exists@hotmail.com", null))
                    .isInstanceOf(HeadlessException.class)
                    .hasMessageStartingWith("page layout not recognised: none of #iSigninName");
        }
    }

    @Test
    void yahooTriesThreeTimesOneSecondApart() throws Exception {
        try (HeadlessVerifier quick = new HeadlessVerifier(settings(1)
                .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(60)))) {
            int before = pages.loads();
            pages.failNextYahooLoads(2);
            long start = System.nanoTime();
            assertThat(quick.checkYahoo("exists@yahoo.com", null).isDeliverable()).isTrue();
            assertThat(pages.loads() - before).isEqualTo(3);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));

            before = pages.loads();
            pages.failNextYahooLoads(5);
            assertThatThrownBy(() -> quick.checkYahoo("exists@yahoo.com", null))
                    .hasMessageStartingWith("page layout not recognised");
            assertThat(pages.loads() - before).isEqualTo(3);
            pages.failNextYahooLoads(0);
        }
    }

    @Test
    void unreachableWebDriverIsNewSessionError() throws Exception {
        int port = dev.reacher.testkit.LoopbackPorts.freePort(); // nothing listens there
        try (HeadlessVerifier nowhere = new HeadlessVerifier(settings(1)
                .withWebdriverAddr(java.net.URI.create("http://127.0.0.1:" + port)))) {
            assertThat(nowhere.webdriverReady()).isFalse();
            assertThatThrownBy(() -> nowhere.checkHotmail("exists@hotmail.com", null))
                    .isInstanceOfSatisfying(HeadlessException.class,
                            e -> assertThat(e.variant()).isEqualTo("NewSession"));
            assertThat(nowhere.openSessions()).isZero();
        }
        assertThat(verifier.webdriverReady()).isTrue();
    }
}
