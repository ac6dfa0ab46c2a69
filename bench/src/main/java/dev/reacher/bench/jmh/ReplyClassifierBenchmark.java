package dev.reacher.bench.jmh;

import dev.reacher.core.smtp.ReplyClassifier;
import dev.reacher.core.smtp.SmtpReply;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link ReplyClassifier#classifyRcpt} over a table of RCPT replies as real servers send them
 * (Gmail, Outlook, Postfix, Exim, Yahoo, Spamhaus/Barracuda rejections, greylisting). The score is
 * the average per reply over the table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReplyClassifierBenchmark {
    static final String TO = "someone@example.com";

    static final SmtpReply[] REPLIES = {
        reply(250, "2.1.5 OK n12si1234567wrj.101 - gsmtp"),
        reply(250, "2.1.5 Recipient OK"),
        reply(550, "5.1.1 The email account that you tried to reach does not exist. Please try",
                "5.1.1 double-checking the recipient's email address for typos or",
                "5.1.1 unnecessary spaces. Learn more at",
                "5.1.1  https://support.google.com/mail/?p=NoSuchUser n12si1234567wrj.101 - gsmtp"),
        reply(550, "5.5.0 Requested action not taken: mailbox unavailable (S2017062302)"),
        reply(550, "5.1.1 <someone@example.com>: Recipient address rejected: User unknown in virtual mailbox table"),
        reply(550, "5.1.1 Recipient address rejected: Access denied. AS(201806281) [DB8EUR05FT011.eop-eur05.prod.protection.outlook.com]"),
        reply(550, "Unrouteable address"),
        reply(554, "delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com"),
        reply(552, "5.2.2 The email account that you tried to reach is over quota. Please direct",
                "5.2.2 the recipient to https://support.google.com/mail/?p=OverQuotaPerm"),
        reply(550, "5.2.1 The email account that you tried to reach is disabled. Learn more at",
                "5.2.1  https://support.google.com/mail/?p=DisabledUser"),
        reply(452, "4.2.2 The email account that you tried to reach is over quota."),
        reply(450, "4.2.1 The user you are trying to contact is receiving mail at a rate that",
                "4.2.1 prevents additional messages from being delivered."),
        reply(450, "4.7.1 <someone@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/"),
        reply(451, "4.7.1 Please try again later"),
        reply(554, "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"),
        reply(550, "5.7.1 Mail from 192.0.2.1 refused by Proofpoint"),
        reply(554, "Refused. Your IP address is listed in the RBL at b.barracudacentral.org"),
        reply(550, "5.7.25 [192.0.2.1] The IP address sending this message does not have a PTR record setup,",
                "5.7.25 or the corresponding forward DNS entry does not point to the sending IP. Cannot find your reverse hostname"),
        reply(550, "Verification failed for <someone@example.com>", "Unrouteable address",
                "Sender verify failed"),
        reply(553, "5.3.0 <someone@example.com>... No such user here"),
        reply(550, "mailbox someone@example.com unknown"),
        reply(521, "5.2.1 :  AOL will not accept delivery of this message."),
        reply(550, ""),
        reply(554, "5.4.14 Hop count exceeded - possible mail loop ATTR34"),
    };

    private static SmtpReply reply(int code, String... lines) {
        return new SmtpReply(code, List.of(lines));
    }

    @Benchmark
    @OperationsPerInvocation(24)
    public void classifyRcpt(Blackhole bh) {
        for (SmtpReply r : REPLIES) {
            bh.consume(ReplyClassifier.classifyRcpt(r, TO));
        }
    }
}
