package dev.reacher.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.smtp.ReplyClassifier.MailboxState;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplyClassifierTest {

    private static SmtpReply reply(int code, String... lines) {
        return new SmtpReply(code, Arrays.asList(lines));
    }

    /**
     * Upstream's RCPT reply classification (its test vectors) plus our two fixes: blacklist replies, and 4xx
     * replies never matched against the invalid-mailbox table (postgrey; a deferred verification).
     */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        550 | 5.1.1 <x>: Recipient address rejected: User unknown                      | INVALID
        550 | The email account that you tried to reach is disabled.                   | DISABLED
        452 | 4.2.2 The recipient's inbox is out of storage space.                      | FULL_INBOX
        452 | 4.3.1 Insufficient system storage                                         | FULL_INBOX
        450 | 4.2.1 The user you are trying to contact is receiving mail at a rate that | DELIVERABLE
        450 | 4.7.1 Greylisted, try again later                                         | NULL
        450 | 4.2.0 <x>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/bar.baz.html | NULL
        450 | 4.7.1 <x>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/bar.baz.html | NULL
        450 | 4.1.1 <x>: Recipient address rejected: unverified address: host mx.bar.baz said: try later | NULL
        451 | 4.3.0 <x>: Temporary lookup failure: user unknown in the backend              | NULL
        250 | 2.1.5 OK                                                                  | DELIVERABLE
        550 | 5.1.1 MXIN501 mailbox foo@bar.baz unknown (on @virginmedia.com)           | INVALID
        550 | RCPT (***@stigpods.com.cn) dosn't exist                                   | INVALID
        550 | 5.7.1 Service unavailable; client [1.2.3.4] blocked using zen.spamhaus.org | NULL
        554 | 5.7.1 <mta.voipdir.net[]>: Client host rejected: Access denied            | NULL
        550 | 5.7.1 Recipient not authorized                                            | INVALID
        553 | something entirely different                                              | NULL
        """)
    void classifiesRcptReplies(int code, String text, MailboxState expected) {
        assertThat(ReplyClassifier.classifyRcpt(reply(code, text), "foo@bar.baz")).isEqualTo(expected);
    }

    @Test
    void mailboxUnknownMatchesWhateverTheCaseOfTheAddress() {
        assertThat(ReplyClassifier.classifyRcpt(reply(550, "mailbox Foo@Bar.baz unknown"), "Foo@Bar.baz"))
                .isEqualTo(MailboxState.INVALID);
    }

    /** Upstream's is_err_ip_blacklisted vectors and the async-smtp display text. */
    @Test
    void gmxBlockListReplyIsIpBlacklisted() {
        SmtpReply gmx = reply(510, "gmx.net (mxgmx117) Nemesis ESMTP Service not available", "No SMTP service",
                "IP address is block listed.", "For explanation visit https://www.gmx.net/mail/senderguidelines?c=bl");
        assertThat(ReplyClassifier.describe(gmx)).isEqualTo(SmtpError.Description.IP_BLACKLISTED);
        assertThat(gmx.errorDisplay()).isEqualTo("permanent: gmx.net (mxgmx117) Nemesis ESMTP Service not available; "
                + "No SMTP service; IP address is block listed.; For explanation visit "
                + "https://www.gmx.net/mail/senderguidelines?c=bl");
    }

    /** Upstream's JSON for a transient error with and without a description. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        blacklist | {"error":{"type":"AsyncSmtpError","message":"transient: blacklist; 8BITMIME; SIZE 42"},"description":"IpBlacklisted"}
        Client host rejected: cannot find your reverse hostname | {"error":{"type":"AsyncSmtpError","message":"transient: Client host rejected: cannot find your reverse hostname; 8BITMIME; SIZE 42"},"description":"NeedsRDNS"}
        foobar | {"error":{"type":"AsyncSmtpError","message":"transient: foobar; 8BITMIME; SIZE 42"}}
        """)
    void serialisesErrorsLikeUpstream(String firstLine, String json) {
        SmtpError error = ReplyClassifier.toError(new SmtpReply(450, List.of(firstLine, "8BITMIME", "SIZE 42")));
        assertThat(ReacherJson.write(error)).isEqualTo(json);
    }

    @Test
    void emptyReplyTextUsesAsyncSmtpPlaceholder() {
        assertThat(reply(554).errorDisplay()).isEqualTo("permanent: undetailed error during SMTP transaction");
    }

    @Test
    void timeoutMessageIsADuration() {
        assertThat(ReacherJson.write(SmtpError.timeout(java.time.Duration.ofMillis(1))))
                .isEqualTo("{\"error\":{\"type\":\"Timeout\",\"message\":{\"secs\":0,\"nanos\":1000000}}}");
    }
}
