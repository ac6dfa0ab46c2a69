package dev.reacher.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.smtp.Rules.Rule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Upstream's bundled rules file and its lookup: by domain, then by MX host suffix. */
class RulesTest {
    @ParameterizedTest
    @CsvSource(textBlock = """
        gmail.com,  alt4.aspmx.l.google.com., SkipCatchAll,   true
        domain.com, .antispamcloud.com.,      SkipCatchAll,   true
        domain.com, mx.eu.antispamcloud.com., SmtpTimeout45s, true
        GMAIL.COM,  mx.example.com.,          SkipCatchAll,   false
        x.org,      mail.digimarcon.com.,     SmtpTimeout45s, true
        x.org,      mail.digimarcon.com.,     SkipCatchAll,   false
        x.org,      mail.digimarcon.com,      SmtpTimeout45s, false
        """)
    void hasRule(String domain, String host, Rule rule, boolean expected) {
        assertThat(Rules.bundled().has(domain, host, rule)).isEqualTo(expected);
    }
}
