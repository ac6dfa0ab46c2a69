package dev.reacher.core.mx;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Upstream's provider detection vectors (by MX host suffix), and its case rules: MX hosts compare lowercase. */
class ProviderTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
        gmail-smtp-in.l.google.com.,              GMAIL
        aspmx.l.google.com.,                      GMAIL
        ALT1.ASPMX.L.GOOGLE.COM.,                 GMAIL
        hotmail-com.olc.protection.outlook.com.,  HOTMAIL_B2C
        eur.olc.protection.outlook.com.,          HOTMAIL_B2C
        EUR.OLC.PROTECTION.OUTLOOK.COM.,          HOTMAIL_B2B
        contoso-com.mail.protection.outlook.com., HOTMAIL_B2B
        mta7.am0.yahoodns.net.,                   YAHOO
        mx0a-001.pphosted.com.,                   PROOFPOINT
        mx1.ppe-hosted.com.,                      PROOFPOINT
        eu-smtp-inbound-1.mimecast.com.,          MIMECAST
        mx.example.com.,                          EVERYTHING_ELSE
        gmail-smtp-in.l.google.com,               EVERYTHING_ELSE
        """)
    void detectsProviderFromMxHost(String host, Provider expected) {
        assertThat(Provider.fromMxHost(host)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
        gmail, GMAIL
        hotmailb2b, HOTMAIL_B2B
        everything_else, EVERYTHING_ELSE
        """)
    void configKeys(String key, Provider expected) {
        assertThat(Provider.fromKey(key)).isEqualTo(expected);
        assertThat(expected.key()).isEqualTo(key);
    }
}
