package dev.reacher.core.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EmailNormalizerTest {

    // Upstream's syntax/normalize.rs vectors, plus its case-sensitivity quirk and the pass-through rule

    @ParameterizedTest(name = "{0} @ {1} -> {2}")
    @CsvSource({
            "a.b.c,      gmail.com,      abc@gmail.com",
            "abc+123,    gmail.com,      abc@gmail.com",
            "abc,        googlemail.com, abc@gmail.com",
            "A.B.C+123,  googlemail.com, abc@gmail.com",
            "a+b+c,      gmail.com,      a@gmail.com",
            "+tag,       gmail.com,      @gmail.com",
            "Foo,        GMAIL.COM,      Foo@GMAIL.COM",
            "Foo,        Gmail.com,      Foo@Gmail.com",
            "A.B+c,      example.com,    A.B+c@example.com",
            "a.b,        mail.gmail.com, a.b@mail.gmail.com",
    })
    void normalize(String username, String domain, String expected) {
        assertThat(EmailNormalizer.normalize(username, domain)).isEqualTo(expected);
    }

    @Test
    void normalisationIsIdempotent() {
        String once = EmailNormalizer.normalize("A.B.C+123", "googlemail.com");
        assertThat(once).isEqualTo("abc@gmail.com");
        int at = once.lastIndexOf('@');
        assertThat(EmailNormalizer.normalize(once.substring(0, at), once.substring(at + 1))).isEqualTo("abc@gmail.com");
    }
}
