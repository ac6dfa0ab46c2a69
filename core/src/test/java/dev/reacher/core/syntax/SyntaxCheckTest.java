package dev.reacher.core.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.json.ReacherJson;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SyntaxCheckTest {

    // upstream's syntax/mod.rs vectors

    @Test
    void noAtSignIsInvalid() {
        assertThat(SyntaxCheck.check("foo")).isEqualTo(SyntaxDetails.invalid());
    }

    @Test
    void domainWithoutDotIsInvalid() {
        assertThat(SyntaxCheck.check("foo@bar")).isEqualTo(SyntaxDetails.invalid());
    }

    @Test
    void validAddressIsSplit() {
        assertThat(SyntaxCheck.check("foo@bar.com"))
                .isEqualTo(new SyntaxDetails("foo@bar.com", "bar.com", true, "foo", "foo@bar.com", null));
    }

    @Test
    void invalidObjectMatchesUpstream() {
        SyntaxDetails invalid = SyntaxDetails.invalid();
        assertThat(invalid.address()).isNull();
        assertThat(invalid.domain()).isEmpty();
        assertThat(invalid.isValidSyntax()).isFalse();
        assertThat(invalid.username()).isEmpty();
        assertThat(invalid.normalizedEmail()).isNull();
        assertThat(invalid.suggestion()).isNull();
    }

    @Test
    void inputIsKeptAsGiven() {
        SyntaxDetails s = SyntaxCheck.check("Foo.Bar+x@GMAIL.COM");
        assertThat(s.address()).isEqualTo("Foo.Bar+x@GMAIL.COM");
        assertThat(s.username()).isEqualTo("Foo.Bar+x");
        assertThat(s.domain()).isEqualTo("GMAIL.COM");
        // Upstream's case-sensitive domain comparison: no Gmail normalisation for upper case.
        assertThat(s.normalizedEmail()).isEqualTo("Foo.Bar+x@GMAIL.COM");
    }

    @Test
    void gmailAddressIsNormalised() {
        assertThat(SyntaxCheck.check("A.B.C+tag@gmail.com").normalizedEmail()).isEqualTo("abc@gmail.com");
    }

    @Test
    void nullIsInvalid() {
        assertThat(SyntaxCheck.check(null)).isEqualTo(SyntaxDetails.invalid());
    }

    // mailchecker is_valid (true), fast_chemail table_ok.csv, and our own boundary cases

    @ParameterizedTest
    @ValueSource(strings = {
            // mailchecker
            "ok@gmail.com", "foo@youtube.com", "foo@google.com", "plop@plop.com", "my.ok@ok.plop.com",
            "my+ok@ok.plop.com", "my=ok@ok.plop.com", "ok@hotmail.com",
            // fast_chemail table_ok.csv
            "!#$%&'*+-/=?^_`{|}~@example.com", "user+mailbox@example.com",
            "customer/department=shipping@example.com", "$A12345@example.com", "!def!xyz%abc@example.com",
            "_somename@example.com", "a@example.com", "a@x.y", "abc.def@example.com", "abc-def@example.com",
            "123@example.com", "xn--abc@example.com", "abc@x.y.z", "abc@xyz-example.com", "abc@c--n.com",
            "abc@xn--hxajbheg2az3al.xn--jxalpdlp",
            // fast_chemail 0.9.6: labels may start with a digit, all-numeric TLD accepted
            "abc@1example.com", "abc@x.123", "a@b.123",
            // disposable domains are valid syntax here (deviation: they are flagged in misc instead)
            "ok@33mail.com", "ok@ok.33mail.com", "ok@guerrillamailblock.com",
    })
    void validSyntax(String input) {
        SyntaxDetails s = SyntaxCheck.check(input);
        assertThat(s.isValidSyntax()).isTrue();
        assertThat(s.address()).isEqualTo(input);
        assertThat(s.username() + "@" + s.domain()).isEqualTo(input);
        assertThat(s.suggestion()).isNull();
    }

    // mailchecker is_valid (false, syntax part) and fast_chemail table_err.csv

    @ParameterizedTest
    @MethodSource
    void invalidSyntax(String input) {
        assertThat(SyntaxCheck.check(input)).isEqualTo(SyntaxDetails.invalid());
    }

    static Stream<String> invalidSyntax() {
        return Stream.of(
                // mailchecker
                "", "plopplop.com", "my+ok@ok=plop.com", "my,ok@ok.plop.com", "  ok@gmail.com  ", "  ok@gmail.com",
                "ok@gmail.com  ", "\nok@gmail.com\n", "\nok@gmail.com", "ok@gmail.com\n",
                // fast_chemail table_err.csv
                "@", "@example.com", "abc@", "abc", "abc@def@example.com", ".abc@example.com", "abc.@example.com",
                "abc@.example.com", "abc@example.com.", "ab..cd@example.com", "abc@example..com", "a@example",
                "ab\\c@example.com", "\"ab\"\"c\"\"def@example.com", "abc def@example.com",
                "(comment)abc@example.com", "abc@[255.255.255.255]", "abc@(example.com", "abc@x.y_y.z",
                "abc@-example.com", "abc@example-.com", "abc@x.-y.z", "abc@x.y-.z", "abcd€f@example.com",
                "abc@exámple.com",
                // async-smtp rejects these before the grammar sees them
                "<foo@example.org>", "foo\tbar@example.org", "foo@example.org\u007f",
                // own boundary cases
                "a@b.c.", "a@b..c", "a@.", "a@b.c\r", "\"quoted\"@example.com", "a@b.com@", "a@b@c.com",
                "a".repeat(65) + "@example.com",
                "a@" + "b".repeat(64) + ".com",
                "a@" + String.join(".", "b".repeat(63), "c".repeat(63), "d".repeat(63), "e".repeat(63)) + "f");
    }

    @Test
    void lengthLimitsAreInclusive() {
        assertThat(SyntaxCheck.check("a".repeat(64) + "@example.com").isValidSyntax()).isTrue();
        assertThat(SyntaxCheck.check("a@" + "b".repeat(63) + ".com").isValidSyntax()).isTrue();
        String domain255 = String.join(".", "b".repeat(63), "c".repeat(63), "d".repeat(63), "e".repeat(63));
        assertThat(domain255).hasSize(255);
        assertThat(SyntaxCheck.check("a@" + domain255).isValidSyntax()).isTrue();
    }

    // async-smtp EmailAddress::new on its own (the grammar rejects some of these for other reasons)

    @ParameterizedTest
    @MethodSource
    void asyncSmtpSanityAccepts(String input) {
        assertThat(SyntaxCheck.passesAddressSanity(input)).isTrue();
    }

    static Stream<String> asyncSmtpSanityAccepts() {
        return Stream.of("foobar@example.org", "foobar@localhost",
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef@yggmail", "no-at-sign");
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo\rbar@localhost", ">foobar@example.org", "foo bar@example.org",
            "foobar@exa\r\nmple.org", "<foobar@example.org", "é@example.org"})
    void asyncSmtpSanityRejects(String input) {
        assertThat(SyntaxCheck.passesAddressSanity(input)).isFalse();
    }

    // JSON shape of the syntax object, as upstream's

    @Test
    void invalidSerialisesWithNullsAndKeyOrder() {
        assertThat(ReacherJson.write(SyntaxDetails.invalid())).isEqualTo(
                "{\"address\":null,\"domain\":\"\",\"is_valid_syntax\":false,\"username\":\"\","
                        + "\"normalized_email\":null,\"suggestion\":null}");
    }

    @Test
    void validSerialisesWithKeyOrder() {
        assertThat(ReacherJson.write(SyntaxCheck.check("foo@bar.baz"))).isEqualTo(
                "{\"address\":\"foo@bar.baz\",\"domain\":\"bar.baz\",\"is_valid_syntax\":true,\"username\":\"foo\","
                        + "\"normalized_email\":\"foo@bar.baz\",\"suggestion\":null}");
    }

    @Test
    void jsonRoundTrips() throws Exception {
        SyntaxDetails original = SyntaxCheck.check("bob@gmali.com").withSuggestion("bob@gmail.com");
        String json = ReacherJson.write(original);
        assertThat(json).contains("\"suggestion\":\"bob@gmail.com\"");
        assertThat(ReacherJson.mapper().readValue(json, SyntaxDetails.class)).isEqualTo(original);
    }

    @Test
    void withSuggestionCopiesEverythingElse() {
        SyntaxDetails s = SyntaxCheck.check("x@ymail.com");
        SyntaxDetails withSuggestion = s.withSuggestion("x@gmail.com");
        assertThat(withSuggestion.suggestion()).isEqualTo("x@gmail.com");
        assertThat(withSuggestion.withSuggestion(null)).isEqualTo(s);
    }
}
