package dev.reacher.server.results;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ResultCsvTest {
    private static final String SAFE = """
            {"input":"alice@example.test","is_reachable":"safe","misc":{"is_disposable":false,"is_role_account":false,
            "is_b2c":false,"gravatar_url":"https://gravatar.com/avatar/x?d=404","haveibeenpwned":null},
            "mx":{"accepts_mail":true,"records":["mx.example.test."]},"smtp":{"can_connect_smtp":true,"has_full_inbox":false,
            "is_catch_all":false,"is_deliverable":true,"is_disabled":false},"syntax":{"address":"alice@example.test",
            "domain":"example.test","is_valid_syntax":true,"username":"alice","normalized_email":"alice@example.test",
            "suggestion":null}}""";
    private static final String SMTP_ERROR = """
            {"input":"b,ob@example.test","is_reachable":"unknown","misc":{"is_disposable":false,"is_role_account":true,
            "is_b2c":false,"gravatar_url":null,"haveibeenpwned":null},"mx":{"accepts_mail":true,"records":["m."]},
            "smtp":{"error":{"type":"AsyncSmtpError","message":"transient: blacklist"},"description":"IpBlacklisted"},
            "syntax":{"address":"b,ob@example.test","domain":"example.test","is_valid_syntax":true,"username":"b,ob",
            "normalized_email":null,"suggestion":null}}""";

    private static JsonNode node(String json) throws Exception {
        return ReacherJson.mapper().readTree(json);
    }

    @Test
    void headerIsUpstreamsExactly() {
        StringWriter out = new StringWriter();
        ResultCsv.writeHeader(out);
        assertThat(out.toString()).isEqualTo("input,is_reachable,misc.is_disposable,misc.is_role_account,misc.gravatar_url,"
                + "mx.accepts_mail,smtp.can_connect,smtp.has_full_inbox,smtp.is_catch_all,smtp.is_deliverable,"
                + "smtp.is_disabled,syntax.is_valid_syntax,syntax.domain,syntax.username,error\n");
    }

    @Test
    void aResultRowReadsMxAcceptsMailFromTheRightKey() throws Exception {
        StringWriter out = new StringWriter();
        ResultCsv.writeRow(out, ResultCsv.row(node(SAFE)));
        assertThat(out.toString()).isEqualTo("alice@example.test,safe,false,false,https://gravatar.com/avatar/x?d=404,"
                + "true,true,false,false,true,false,true,example.test,alice,\n");
    }

    @Test
    void anSmtpErrorLeavesItsCellsEmptyAndFillsTheErrorColumnQuotedWhenNeeded() throws Exception {
        StringWriter out = new StringWriter();
        ResultCsv.writeRow(out, ResultCsv.row(node(SMTP_ERROR)));
        assertThat(out.toString()).isEqualTo("\"b,ob@example.test\",unknown,false,true,,true,,,,,,true,example.test,\"b,ob\","
                + "\"smtp: {\"\"type\"\":\"\"AsyncSmtpError\"\",\"\"message\"\":\"\"transient: blacklist\"\"}\"\n");
    }

    @Test
    void aTaskErrorRowHasTheAddressAndTheError() {
        StringWriter out = new StringWriter();
        ResultCsv.writeRow(out, ResultCsv.errorRow("x@y.test", "invalid task: bad\nthing"));
        assertThat(out.toString()).isEqualTo("x@y.test,,,,,,,,,,,,,,\"invalid task: bad\nthing\"\n");
    }
}
