package dev.reacher.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link SmtpSession#sanitizeHello} removes what the regex {@code [\s\p{Cntrl}]} matched, and nothing else. */
class SanitizeHelloTest {
    private static String byRegex(String hello) {
        String cleaned = hello.replaceAll("[\\s\\p{Cntrl}]", "");
        return cleaned.isEmpty() ? "localhost" : cleaned;
    }

    @Test
    void sameAsTheRegexOnEveryCharacterBelow256AndBeyond() {
        for (char c = 0; c < 0x3100; c++) {
            String hello = "a" + c + "b";
            assertThat(SmtpSession.sanitizeHello(hello)).as("U+%04X", (int) c).isEqualTo(byRegex(hello));
        }
    }

    @Test
    void sameAsTheRegexOnRandomNames() {
        SplittableRandom random = new SplittableRandom(12);
        String alphabet = "ab.-\r\n\t \u000B\f\u0000\u001F\u007F\u0085\u00A0\u2028é";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = random.nextInt(8); n > 0; n--) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String hello = sb.toString();
            assertThat(SmtpSession.sanitizeHello(hello)).as("%s", hello.chars().boxed().toList()).isEqualTo(byRegex(hello));
        }
        assertThat(SmtpSession.sanitizeHello("probe.test")).isSameAs("probe.test".intern());
    }
}
