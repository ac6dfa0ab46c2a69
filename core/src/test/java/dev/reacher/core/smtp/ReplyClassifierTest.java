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

    /**
     * Real RCPT replies from the major providers and servers (addresses and IPs replaced): the
     * mailbox state, and for replies that say nothing about the mailbox the error description.
     * Microsoft 365's 5.4.1 "Access denied" is its answer for a recipient not in the tenant's
     * directory (invalid); its 5.7.5xx/6xx "Access denied, banned …" replies are real IP blocks.
     */
    @ParameterizedTest(name = "{0}: {1} {2} -> {3} / {4}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        Gmail         | 250 | 2.1.5 OK x1-20020a05.123 - gsmtp                                                 | DELIVERABLE | NULL
        Gmail         | 550 | 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. Learn more at https://support.google.com/mail/?p=NoSuchUser x1-20020a05.123 - gsmtp | INVALID | NULL
        Gmail         | 550 | 5.2.1 The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser x1 - gsmtp | DISABLED | NULL
        Gmail         | 452 | 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp x1 - gsmtp | FULL_INBOX | NULL
        Gmail         | 450 | 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. Please resend your message at a later time. x1 - gsmtp | DELIVERABLE | NULL
        Gmail         | 421 | 4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. x1 - gsmtp | NULL | NULL
        Gmail         | 550 | 5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to send email directly to our servers. Please use the SMTP relay at your service provider instead. x1 - gsmtp | NULL | IP_BLACKLISTED
        Microsoft 365 | 550 | 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT055.eop-nam12.prod.protection.outlook.com] | INVALID | NULL
        Microsoft 365 | 550 | 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [DM6NAM11FT012.eop-nam11.prod.protection.outlook.com] | INVALID | NULL
        Microsoft 365 | 550 | 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup | INVALID | NULL
        Microsoft 365 | 550 | 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430) | NULL | IP_BLACKLISTED
        Microsoft 365 | 550 | 5.7.607 Access denied, banned sending IP [192.0.2.1]. AS(1430) | NULL | IP_BLACKLISTED
        Microsoft 365 | 550 | 5.7.608 Access denied, banned sending IP [192.0.2.1]. AS(1430) | NULL | IP_BLACKLISTED
        Microsoft 365 | 550 | 5.7.609 Access denied, banned sending IP [192.0.2.1]. AS(1430) | NULL | IP_BLACKLISTED
        Microsoft 365 | 550 | 5.7.511 Access denied, banned sender[192.0.2.1]. To request removal from this list, forward this message to delist@microsoft.com. | NULL | IP_BLACKLISTED
        Microsoft 365 | 451 | 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77719) | NULL | NULL
        Outlook.com   | 550 | 5.5.0 Requested action not taken: mailbox unavailable (S2017062302) [DB5EUR03FT011.eop-EUR03.prod.protection.outlook.com] | INVALID | NULL
        Outlook.com   | 550 | 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. | NULL | IP_BLACKLISTED
        Outlook.com   | 451 | 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. | NULL | NULL
        Yahoo         | 250 | recipient <foo@bar.baz> ok                                                        | DELIVERABLE | NULL
        Yahoo         | 554 | delivery error: dd This user doesn't have a yahoo.com account (foo@bar.baz) [0] - mta1234.mail.gq1.yahoo.com | INVALID | NULL
        Yahoo         | 552 | 1 Requested mail action aborted, mailbox not found                                | INVALID | NULL
        Yahoo         | 554 | delivery error: dd Sorry your message to foo@bar.baz cannot be delivered. This mailbox is disabled (554.30). - mta1234.mail.gq1.yahoo.com | DISABLED | NULL
        Yahoo         | 421 | 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes | NULL | NULL
        Yahoo         | 553 | 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes | NULL | IP_BLACKLISTED
        Proofpoint    | 550 | 5.1.1 User Unknown                                                                | INVALID | NULL
        Proofpoint    | 554 | Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1                         | NULL | IP_BLACKLISTED
        Proofpoint    | 450 | 4.7.1 Connection rate limit reached                                               | NULL | NULL
        Mimecast      | 550 | Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 [aBcDeFgH.uk47] | INVALID | NULL
        Mimecast      | 451 | Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451 | NULL | NULL
        Mimecast      | 554 | Email rejected due to security policies - https://community.mimecast.com/docs/DOC-1369#554 | NULL | NULL
        Postfix       | 550 | 5.1.1 <foo@bar.baz>: Recipient address rejected: User unknown in virtual mailbox table | INVALID | NULL
        Postfix       | 550 | 5.1.1 <foo@bar.baz>: Recipient address rejected: User unknown in local recipient table | INVALID | NULL
        Postfix       | 452 | 4.2.2 <foo@bar.baz>: Recipient address rejected: Mailbox full                     | FULL_INBOX | NULL
        Postfix       | 450 | 4.2.0 <foo@bar.baz>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/bar.baz.html | NULL | NULL
        Postfix       | 554 | 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1 | NULL | IP_BLACKLISTED
        Postfix       | 450 | 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]        | NULL | NEEDS_RDNS
        Postfix       | 554 | 5.7.1 <foo@bar.baz>: Relay access denied                                          | NULL | IP_BLACKLISTED
        Exim          | 550 | Unrouteable address                                                               | INVALID | NULL
        Exim          | 550 | No Such User Here                                                                 | INVALID | NULL
        Exim          | 550 | 5.1.1 <foo@bar.baz>: Recipient address rejected: foo@bar.baz                      | INVALID | NULL
        Exim          | 451 | Temporary local problem - please try later                                        | NULL | NULL
        Exim          | 550 | rejected because 192.0.2.1 is in a black list at zen.spamhaus.org                 | NULL | IP_BLACKLISTED
        """)
    void classifiesRealWorldReplies(String source, int code, String text, MailboxState state,
            SmtpError.Description description) {
        SmtpReply reply = reply(code, text);
        assertThat(ReplyClassifier.classifyRcpt(reply, "foo@bar.baz")).as(source).isEqualTo(state);
        if (state == null) {
            assertThat(ReplyClassifier.toError(reply).description()).as(source).isEqualTo(description);
        }
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
